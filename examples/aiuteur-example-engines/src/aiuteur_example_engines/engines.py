"""The example engines. Each has an `id` ("provider:model", exactly the id it was asked for) and the
one method of its kind (`image(request) -> MediaResult`, `write(request, schema) -> (model, Usage)`)."""
from __future__ import annotations

import io

from PIL import Image

from aiuteur.engines.offline import DraftWriter, StoryboardRenderer
from aiuteur.engines.protocols import ImageRequest, M, MediaResult, TextRequest, Usage

#: how much of the tint colour goes into each pixel
STRENGTH = 0.35


class TintedStoryboard:
    """aiuteur's storyboard frame with a colour wash: shows that a plug-in image engine is what ran."""

    def __init__(self, model: str, tint: tuple[int, int, int]) -> None:
        self.id = f"example:{model}"
        self.tint = tint
        self._frame = StoryboardRenderer()

    def image(self, request: ImageRequest) -> MediaResult:
        drawn = self._frame.image(request)
        with Image.open(io.BytesIO(drawn.data)) as frame:
            rgb = frame.convert("RGB")
            tinted = Image.blend(rgb, Image.new("RGB", rgb.size, self.tint), STRENGTH)
        buffer = io.BytesIO()
        tinted.save(buffer, format="PNG")
        return MediaResult(data=buffer.getvalue(), mime="image/png", usage=Usage(images=1),
                           width=tinted.width, height=tinted.height)


class DelegatingWriter:
    """A text engine that hands every task to aiuteur's offline draft writer, under its own id."""

    def __init__(self, model: str) -> None:
        self.id = f"example:{model}"
        self._writer = DraftWriter()

    def write(self, request: TextRequest, schema: type[M]) -> tuple[M, Usage]:
        return self._writer.write(request, schema)
