"""A second aiuteur process for tests/integration/test_concurrency.py (run as a script).

    python concurrency_child.py hold WORKSPACE SECONDS      write in a transaction held until a line on stdin (or SECONDS)
    python concurrency_child.py commit WORKSPACE N USER    commit N versions of `beats` (retrying conflicts)
    python concurrency_child.py video WORKSPACE FOLDER     run one video job that polls forever, until cancelled
"""
from __future__ import annotations

import select
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pydantic import BaseModel  # noqa: E402

from aiuteur.store import Store, WriteConflict, retry_on_conflict  # noqa: E402


class Note(BaseModel):
    text: str


def hold(workspace: str, seconds: float) -> int:
    with Store(workspace, user="holder") as store:
        project = store.get_project("p")
        with store.db.transaction():
            store.commit(project, "beats", Note(text="held write"))
            print("HOLDING", flush=True)
            select.select([sys.stdin], [], [], seconds)  # until told to go on (a line), or SECONDS
    print("RELEASED", flush=True)
    return 0


def commit(workspace: str, count: int, user: str) -> int:
    conflicts = 0
    with Store(workspace, user=user) as store:
        project = store.get_project("p")
        for i in range(count):
            def one() -> None:
                nonlocal conflicts
                try:
                    store.commit(project, "beats", Note(text=f"{user} {i}"), author=user)
                except WriteConflict:
                    conflicts += 1
                    raise
            retry_on_conflict(one, attempts=50)
    print(f"DONE {count} conflicts={conflicts}", flush=True)
    return 0


def video(workspace: str, folder: str) -> int:
    from aiuteur import jobs
    from aiuteur.engines.gateway import Call, generate_video
    from aiuteur.engines.protocols import VideoRequest
    from aiuteur.engines.templates import load_template
    from aiuteur.jobs import ProviderLimits, Runner
    from aiuteur.jobs.testing import ScriptedOperationEngine

    frame = Path(folder) / "start.png"
    frame.write_bytes(b"\x89PNG fake start frame")
    engine = ScriptedOperationEngine("veo:veo-3.1-fast-generate-preview", polls=10**9)
    runner = Runner(default_limits=ProviderLimits(poll_interval=0.2))
    with Store(workspace, user="renderer") as store, jobs.using(runner):
        project = store.get_project("p")
        request = VideoRequest(prompt="shot", duration=4.0, fps=24, width=64, height=36, start_frame=frame)
        try:
            generate_video(store, Call(project, "video", load_template("video")), engine, request)
        except jobs.JobCancelled:
            print(f"CANCELLED after {len(engine.poll_log)} polls; provider told: {engine.cancelled == engine.starts}",
                  flush=True)
            return 0
        finally:
            runner.close()
    print("FINISHED (not cancelled)", flush=True)
    return 1


if __name__ == "__main__":
    mode, workspace, *rest = sys.argv[1:]
    if mode == "hold":
        sys.exit(hold(workspace, float(rest[0])))
    if mode == "commit":
        sys.exit(commit(workspace, int(rest[0]), rest[1]))
    if mode == "video":
        sys.exit(video(workspace, rest[0]))
    raise SystemExit(f"unknown mode {mode!r}")
