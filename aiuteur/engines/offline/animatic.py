"""`offline:animatic` — the video engine that animates start to end frame with ffmpeg."""
from __future__ import annotations

import tempfile
from pathlib import Path

from aiuteur.engines.protocols import MediaResult, Usage, VideoRequest
from aiuteur.render import caption_band_height, probe, render_clip


class AnimaticRenderer:
    def __init__(self, model: str = "animatic") -> None:
        self.id = f"offline:{model}"

    def video(self, request: VideoRequest) -> MediaResult:
        ctx = request.context
        with tempfile.TemporaryDirectory(prefix="aiuteur-clip-") as tmp:
            out = Path(tmp) / "clip.mp4"
            render_clip(
                request.start_frame, request.end_frame or request.start_frame, out,
                duration=request.duration, fps=request.fps, camera_move=ctx.get("camera_move", "static"),
                subtitle=ctx.get("subtitle"), size=(request.width, request.height),
                # the storyboard's caption band would repeat the line: the subtitle band covers it, with
                # a margin for camera moves that shift the picture
                subtitle_band=round(caption_band_height(request.width, request.height) * 1.25),
                # a shot without a line keeps its caption still under the move (never cropped), and
                # cuts from pose to pose instead of dissolving two poses into a double exposure
                caption_band=caption_band_height(request.width, request.height), crossfade=0.0,
            )
            info = probe(out)
            data = out.read_bytes()
        return MediaResult(data=data, mime="video/mp4", usage=Usage(video_seconds=request.duration),
                           width=info.width, height=info.height, duration=info.duration, frames=info.frames)
