"""What fakes answer with: real small PNG and MP4 bytes, and JSON that fits a JSON schema."""
from __future__ import annotations

import hashlib
import io
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any


def png_bytes(width: int = 64, height: int = 64, seed: str = "") -> bytes:
    """A real PNG of the size asked, its colour chosen from `seed` so different prompts differ."""
    from PIL import Image

    digest = hashlib.sha256(seed.encode()).digest()
    image = Image.new("RGB", (max(1, width), max(1, height)), tuple(digest[:3]))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@lru_cache(maxsize=64)
def mp4_bytes(width: int = 128, height: int = 72, seconds: float = 1.0, fps: int = 24) -> bytes:
    """A real H.264 MP4 (grey, silent) made with imageio-ffmpeg's ffmpeg; cached per shape."""
    import imageio_ffmpeg

    width, height = width - width % 2, height - height % 2
    with tempfile.TemporaryDirectory(prefix="fake-mp4-") as tmp:
        out = Path(tmp) / "clip.mp4"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
             "-i", f"color=c=gray:s={width}x{height}:r={fps}:d={seconds:g}",
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(out)],
            check=True, capture_output=True,
        )
        return out.read_bytes()


def fill_schema(schema: dict[str, Any], root: dict[str, Any] | None = None, seed: str = "x") -> Any:
    """A minimal instance of a JSON schema (objects with their required fields, arrays at minItems...)."""
    root = root or schema
    if "$ref" in schema:
        ref = schema["$ref"].split("/")[-1]
        return fill_schema((root.get("$defs") or root.get("definitions") or {})[ref], root, seed)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return fill_schema(options[0], root, seed)
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        required = schema.get("required", list(props))
        return {name: fill_schema(props[name], root, f"{seed}.{name}") for name in required if name in props}
    if kind == "array":
        items = schema.get("items", {})
        return [fill_schema(items, root, f"{seed}[{i}]") for i in range(max(1, schema.get("minItems", 1)))]
    if kind == "string":
        text = f"{seed.strip('.')}"
        return text.ljust(schema.get("minLength", 0), "x")
    if kind == "integer":
        return int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1))
    if kind == "number":
        if "minimum" in schema:
            return float(schema["minimum"])
        if "exclusiveMinimum" in schema:
            return float(schema["exclusiveMinimum"]) + 1.0
        return 1.0
    if kind == "boolean":
        return True
    return None


def tokens(text: str) -> int:
    """The fakes' token count: about four characters a token, at least one."""
    return max(1, len(text) // 4)
