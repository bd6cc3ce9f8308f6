"""Run — or, after a kill, resume — a project's stage-12 video batch against the fake video
provider. `test_jobs_resume_after_kill` starts this in a subprocess and SIGKILLs it mid-batch.

    python tests/integration/jobs_batch_script.py run|resume WORKSPACE BASE_URL
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from aiuteur import Engines, get_engine, jobs, open_store  # noqa: E402
from aiuteur.jobs.recovery import resume_project  # noqa: E402
from aiuteur.stages import video  # noqa: E402
from tests.integration.jobs_fake_video import HttpVideoEngine  # noqa: E402


def main(mode: str, workspace: str, base_url: str) -> None:
    jobs.set_limits("veo", concurrency=8, poll_interval=0.05, call_timeout=10)
    engine = HttpVideoEngine(base_url)
    engines = Engines(get_engine("text", "offline:draft-writer"), get_engine("image", "offline:storyboard"), engine)
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        if mode == "resume":
            report = resume_project(store, project, engines={engine.id: engine})
            print(f"resumed {len(report.results)} jobs, filed {report.clips_filed} clips", flush=True)
        versions = video.generate_all(store, project, engines)
        print(f"clips {len(versions)}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
