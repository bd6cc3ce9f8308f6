"""A fake LangSmith endpoint: accepts every ingest call (`/runs/multipart`, `/runs/batch`, `/runs`...)
and keeps the bodies, decompressed, so tests can read what would have been traced."""
from __future__ import annotations

from typing import Any

from tests.fakes.server import FakeProvider, Recorded, Reply


class LangSmithFake(FakeProvider):
    name = "langsmith"

    def route(self, method: str, path: str) -> str | None:
        if path.rstrip("/").endswith("/info"):
            return "info"
        return "ingest"

    def default(self, route: str, request: Recorded) -> Reply | Any:
        if route == "info":
            return {"version": "0.0.0-fake", "license_expiration_time": None,
                    "batch_ingest_config": {"size_limit": 100, "size_limit_bytes": 20_000_000,
                                            "scale_up_nthreads_limit": 1, "scale_up_qsize_trigger": 1000,
                                            "scale_down_nempty_trigger": 4, "use_multipart_endpoint": True}}
        return {}

    def bodies(self) -> list[bytes]:
        """Every ingest body, decompressed when it was sent compressed."""
        out = []
        for request in self.control.of("ingest"):
            body = request.body
            if request.headers.get("content-encoding", "").lower() == "zstd" and body:
                import zstandard

                body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
            elif request.headers.get("content-encoding", "").lower() == "gzip" and body:
                import gzip

                body = gzip.decompress(body)
            out.append(body)
        return out

    def text(self) -> str:
        return "\n".join(b.decode("utf-8", "replace") for b in self.bodies())
