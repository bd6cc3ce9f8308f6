"""`offline:storyboard` — the image engine that draws storyboard panels with Pillow.

It also repairs: a request with a mask repaints the white region of the image it refers to
(`references[0]`) with a panel drawn from the request (the guidance as its caption) under a wash of
a colour chosen by the guidance and seed, and keeps every other pixel — so a repair is visible,
local and deterministic, like the rest of the offline engines.
"""
from __future__ import annotations

import hashlib
import io

from aiuteur.engines.protocols import ImageRequest, MediaResult, Usage
from aiuteur.render import FrameSpec, character_look, render_frame


class StoryboardRenderer:
    def __init__(self, model: str = "storyboard") -> None:
        self.id = f"offline:{model}"

    def can_edit(self) -> bool:
        return True

    def image(self, request: ImageRequest) -> MediaResult:
        ctx = request.context
        spec = FrameSpec(
            width=request.width, height=request.height,
            int_ext=ctx.get("int_ext"), time_of_day=ctx.get("time_of_day"), location=ctx.get("location", ""),
            shot_type=ctx.get("shot_type", "medium"),
            characters=[character_look(name) for name in ctx.get("characters", [])],
            caption=ctx.get("caption", ""), moment=ctx.get("moment", "start"), title=ctx.get("title"),
            tags=ctx.get("tags", {}),
        )
        panel = render_frame(spec)
        if request.mask is not None:
            panel = _repaired(request, panel)
        buffer = io.BytesIO()
        # zlib level 1: a third of the default level's time for ~15% more bytes (a storyboard panel
        # is flat colour); the pixels, which are what anything reads, are the same
        panel.save(buffer, format="PNG", compress_level=1)
        return MediaResult(data=buffer.getvalue(), mime="image/png", usage=Usage(images=1),
                           width=panel.width, height=panel.height)


def _repaired(request: ImageRequest, panel):  # noqa: ANN001, ANN202 (PIL images)
    from PIL import Image

    if not request.references:
        raise ValueError("a repair needs the image to repair as its first reference")
    with Image.open(request.references[0]) as original, Image.open(request.mask) as painted:
        base = original.convert("RGB")
        mask = painted.convert("L").resize(base.size)
    digest = hashlib.sha256(f"{request.prompt}|{request.context.get('guidance', '')}|{request.seed}".encode()).digest()
    wash = Image.new("RGB", base.size, tuple(64 + b % 160 for b in digest[:3]))
    repaint = Image.blend(panel.convert("RGB").resize(base.size), wash, 0.45)
    return Image.composite(repaint, base, mask)
