"""Run — or, after a kill, resume — a project's stage-12 video batch against the fake video
provider. `test_jobs_resume_after_kill` starts this in a subprocess and SIGKILLs it mid-batch.

    python tests/integration/jobs_batch_script.py run|resume WORKSPACE BASE_URL [--searchable]
        [--uncertain refuse|rebuy|skip|leave]

`resume` exits with code 3 and prints `UNCERTAIN <json>` when the library refuses to buy again
starts that may already be bought (the default), listing them as the user would be told.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from aiuteur import Engines, get_engine, jobs, open_store  # noqa: E402
from aiuteur.jobs.recovery import resume_project  # noqa: E402
from aiuteur.stages import video  # noqa: E402
from tests.integration.jobs_fake_video import HttpVideoEngine, SearchableHttpVideoEngine  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["run", "resume"])
    parser.add_argument("workspace")
    parser.add_argument("base_url")
    parser.add_argument("--searchable", action="store_true")
    parser.add_argument("--uncertain", default="refuse", choices=["refuse", "rebuy", "skip", "leave"])
    args = parser.parse_args()
    jobs.set_limits("veo", concurrency=8, poll_interval=0.05, call_timeout=60)
    engine = (SearchableHttpVideoEngine if args.searchable else HttpVideoEngine)(args.base_url)
    engines = Engines(get_engine("text", "offline:draft-writer"), get_engine("image", "offline:storyboard"), engine)
    with open_store(args.workspace) as store:
        project = store.get_project("lighthouse")
        if args.mode == "resume":
            try:
                report = resume_project(store, project, engines={engine.id: engine}, uncertain=args.uncertain)
            except jobs.RebuyConsentRequired as refused:
                print("UNCERTAIN " + json.dumps({"jobs": [s.job_id for s in refused.starts],
                                                 "total_usd": refused.total_usd}), flush=True)
                return 3
            print(f"resumed {len(report.results)} jobs, filed {report.clips_filed} clips, "
                  f"{len(report.uncertain)} uncertain ({report.decision})", flush=True)
            if args.uncertain == "skip":
                return 0
        versions = video.generate_all(store, project, engines)
        print(f"clips {len(versions)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
