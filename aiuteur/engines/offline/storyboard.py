"""`offline:storyboard` — the image engine that draws storyboard panels with Pillow."""
from __future__ import annotations

import io

from aiuteur.engines.protocols import ImageRequest, MediaResult, Usage
from aiuteur.render import FrameSpec, character_look, render_frame


class StoryboardRenderer:
    def __init__(self, model: str = "storyboard") -> None:
        self.id = f"offline:{model}"

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
        buffer = io.BytesIO()
        render_frame(spec).save(buffer, format="PNG", optimize=False)
        return MediaResult(data=buffer.getvalue(), mime="image/png", usage=Usage(images=1),
                           width=request.width, height=request.height)
