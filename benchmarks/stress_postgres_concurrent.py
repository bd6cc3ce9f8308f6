"""Two CLI processes and a studio session writing one PostgreSQL workspace at once (issue 13).

    .venv/bin/python benchmarks/stress_postgres_concurrent.py [--seconds 60] [--no-record]

Starts a throwaway PostgreSQL server on 127.0.0.1 (`tests/pg_server.py`, as the tests do), makes a
project at stage 9 offline (a 30-second film: about a second), then for `--seconds` runs at once:

* two CLI writers (`cli-a`, `cli-b`), each a bounded loop of real `aiuteur` processes — the venv's
  binary with `-w postgresql://...` and `$AIUTEUR_USER` naming the writer — cycling through
  `prompt-edit` on one shared shot, `notes --add`, `note --state` on the note it just added,
  `prompt-edit` on a second shared shot and `budget --set`;
* a studio session in this process: a `StudioModel` and the prompts page's `PromptsModel` signed in
  as `panel-ana`, driven as the buttons drive them — click a shot, *Add note at playhead*, *Set
  state*, click a CLI writer's note and *Set state* on it, pick the shared shot, type a frame prompt
  and *Save edit* — with the page's periodic `check_store()` between clicks.

A write that lost a race to another writer (a `WriteConflict` / `HeadMoved`) is done again and
counted: `aiuteur` runs such a command again by itself while nothing of it was kept (saying so on
stderr), a command that still lost after its tries (exit 1 naming another writer) is run again by
the loop, and the studio's message beside the button has the loop click again, as a person would.
Any other error fails the run. Every write puts a marker only it carries (the frame prompt, the note's
text, the budget's limit), so afterwards `problems()` can check the workspace itself: every version
a writer reported is there with its marker, version numbers are 1..n without a gap for every
artifact, no version was written that no writer reported, every head move is in the head log as one
unbroken chain per artifact, and every write is in the audit log once, under its writer's name.

Prints a summary and appends a row to benchmarks/RESULTS.md ("Concurrent PostgreSQL writers").
`tests/integration/test_concurrency.py` runs the same for 10 s with these same functions.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROJECT = "lighthouse"
IDEA = ("An aging lighthouse keeper named Elsa finds an old radio that picks up messages from her drowned "
        "brother Tomas. Her neighbour Jonah, a fisherman, thinks grief has finally broken her. When a storm "
        "threatens the harbor town of Port Ellery, she must decide whether to trust the voice.")
CLI_WRITERS = ("cli-a", "cli-b")
STUDIO_WRITER = "panel-ana"
SETUP_USER = "setup"
#: the audit actions the writers' changes are recorded under
TRACKED_ACTIONS = ("version.commit", "note.added", "note.state", "budget.set")
#: what `aiuteur` says on stderr when it runs a command again after losing a race (`aiuteur.cli._guard`)
CLI_REPEATED = "running the command again"
#: how often one write is done again after losing a race, before it counts as an error
MAX_TRIES = 25
#: bounds of each loop, besides the clock
MAX_CLI_COMMANDS = 2_000
MAX_STUDIO_ROUNDS = 5_000
COMMAND_TIMEOUT_S = 180
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "## Concurrent PostgreSQL writers (`stress_postgres_concurrent.py`, issue 13)"


# -- what the writers did ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Write:
    """One change a writer saw succeed: where it must show in the workspace and the audit log."""

    writer: str   # the audit log's author
    action: str   # one of TRACKED_ACTIONS
    key: str      # version.commit: the artifact key; note.*: the note id; budget.set: ""
    marker: str   # what only this write carries: the frame prompt, note text, new state or budget limit
    number: int | None = None  # version.commit: the version number the writer was told


@dataclass
class WriterLog:
    name: str
    writes: list[Write] = field(default_factory=list)
    actions: int = 0     # commands run (CLI) or button clicks (studio), retries included
    conflicts: int = 0   # writes that lost a race and were done again
    errors: list[str] = field(default_factory=list)  # anything else: each one fails the run
    seconds: float = 0.0  # how long the writer ran


def is_conflict(message: str) -> bool:
    """Whether an error message is the store's documented retryable conflict (`WriteConflict`,
    `HeadMoved`): every one of them names another writer or a head that moved under the change."""
    return "another writer" in message or "moved under this change" in message or "since you read it" in message


# -- the project ---------------------------------------------------------------------------------------------------
def make_project(url: str) -> list[str]:
    """A project at stage 9 (offline, a 30-second film), made as user `setup`; its shot ids in cut order."""
    from aiuteur import Engines, open_store, run, start_project
    from aiuteur.models.project import ProjectConfig
    from aiuteur.stages import prompts

    with open_store(url, user=SETUP_USER) as store:
        project, _ = start_project(store, PROJECT, IDEA, ProjectConfig(title="The Last Light", target_minutes=0.5))
        run(store, project, Engines.offline(), until="prompts")
        return [card.shot_id for card in prompts.list_prompts(store, project)]


def prompt_key(shot_id: str) -> str:
    from aiuteur.stages import prompts

    return prompts.key(shot_id)


def frame_text(marker: str) -> str:
    return f"Elsa at the lighthouse lamp as the storm comes in, wide shot, cold blue light [{marker}]"


# -- a CLI writer: real `aiuteur` processes --------------------------------------------------------------------------
def aiuteur_binary() -> str:
    """The venv's `aiuteur` entry point, beside the running Python."""
    found = Path(sys.executable).with_name("aiuteur")
    if not found.exists():
        raise SystemExit(f"no aiuteur binary beside {sys.executable}: run `make install` first")
    return str(found)


def _cli_env(writer: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIUTEUR_")}  # no engines, no other workspace
    return {**env, "AIUTEUR_USER": writer, "COLUMNS": "250", "NO_COLOR": "1"}


def cli_writer(name: str, url: str, shots: list[str], deadline: float, *, seed: int) -> WriterLog:
    """Run `aiuteur` commands one after another until `deadline` (or MAX_CLI_COMMANDS)."""
    log = WriterLog(name)
    binary, env, pick = aiuteur_binary(), _cli_env(name), random.Random(seed)
    hot, categories = shots[0], _categories()
    last_note: str | None = None

    def command(*argv: str) -> subprocess.CompletedProcess | None:
        """Run one command; a lost race runs it again. None: an error (logged)."""
        for _ in range(MAX_TRIES):
            log.actions += 1
            done = subprocess.run([binary, *argv, "-w", url], capture_output=True, text=True, env=env,
                                  timeout=COMMAND_TIMEOUT_S, cwd=tempfile.gettempdir())
            log.conflicts += done.stderr.count(CLI_REPEATED)  # races the command lost and ran again itself
            if done.returncode == 0:
                return done
            said = (done.stderr or done.stdout).strip()
            if done.returncode == 1 and is_conflict(said) and "Traceback" not in said:
                log.conflicts += 1
                time.sleep(pick.uniform(0.01, 0.1))
                continue
            log.errors.append(f"`aiuteur {' '.join(argv[:2])}` exit {done.returncode}: {said[-600:]}")
            return None
        log.errors.append(f"`aiuteur {' '.join(argv[:2])}` lost {MAX_TRIES} races in a row")
        return None

    def edit_prompt(shot_id: str, i: int) -> None:
        marker = f"{name} #{i}"
        done = command("prompt-edit", PROJECT, shot_id, "--frame", frame_text(marker))
        if done is None:
            return
        said = re.search(r" v(\d+): edited by hand", done.stdout)
        if said is None:
            log.errors.append(f"prompt-edit said no version: {done.stdout[-300:]}")
            return
        log.writes.append(Write(name, "version.commit", prompt_key(shot_id), marker, int(said.group(1))))

    for i in range(MAX_CLI_COMMANDS):
        if time.monotonic() >= deadline or len(log.errors) > 5:
            break
        step = i % 5
        if step == 0:
            edit_prompt(hot, i)
        elif step == 1:
            text = f"the lamp flickers too early ({name} #{i})"
            done = command("notes", PROJECT, "--add", text, "--shot", pick.choice(shots),
                           "--category", pick.choice(categories), "--author", name, "--json")
            if done is not None:
                last_note = json.loads(done.stdout)["id"]
                log.writes.append(Write(name, "note.added", last_note, text))
        elif step == 2 and last_note is not None:
            if command("note", PROJECT, last_note, "--state", "in_progress", "--author", name) is not None:
                log.writes.append(Write(name, "note.state", last_note, "in_progress"))
        elif step == 3:
            edit_prompt(shots[1] if len(shots) > 1 else hot, i)  # a second shot both CLI writers edit
        elif step == 4:
            limit = f"{(CLI_WRITERS.index(name) + 1) * 1000 + i}.0"
            if command("budget", PROJECT, "--set", limit, "--json") is not None:
                log.writes.append(Write(name, "budget.set", "", limit))
    return log


def _categories() -> list[str]:
    from aiuteur.stages import review

    return review.load_routes().categories


# -- the studio session: the page models, driven as the buttons drive them -------------------------------------------
def studio_writer(name: str, url: str, shots: list[str], deadline: float, *, seed: int) -> WriterLog:
    """A signed-in studio session clicking through the review page and the prompts page until `deadline`."""
    from aiuteur.ui.prompts_model import PromptsModel
    from aiuteur.ui.studio_model import StudioModel

    log = WriterLog(name)
    pick, hot, categories = random.Random(seed), shots[0], _categories()
    studio = StudioModel(workspace=url, user=name)
    studio.project = PROJECT
    page = PromptsModel(studio=studio)
    touched: set[str] = set()

    def click(button: Callable[[], Any], message: Callable[[], str]) -> Any:
        """Press a button; when the page says the write lost a race, press it again."""
        for _ in range(MAX_TRIES):
            log.actions += 1
            result = button()
            if result is not None:
                return result
            said = message()
            if not is_conflict(said):
                log.errors.append(f"studio: {said}")
                return None
            log.conflicts += 1
            time.sleep(pick.uniform(0.01, 0.1))
        log.errors.append(f"studio: lost {MAX_TRIES} races in a row: {message()}")
        return None

    def set_state(note_id: str, state: str) -> None:
        studio.seek_to_note(note_id)  # a click in the notes table selects the note
        if click(lambda: studio.set_note_state(state), lambda: studio.message) is not None:
            log.writes.append(Write(name, "note.state", note_id, state))

    for i in range(MAX_STUDIO_ROUNDS):
        if time.monotonic() >= deadline or len(log.errors) > 5:
            break
        studio.seek_to_shot(pick.choice(shots))  # a click in the shot table moves the player there
        text = f"too dark, lift the lamp light ({name} #{i})"
        studio.param.update(note_text=text, note_category=pick.choice(categories), note_target="")
        note = click(studio.add_note, lambda: studio.message)
        if note is not None:
            log.writes.append(Write(name, "note.added", note.id, text))
            set_state(note.id, "in_progress")
        theirs = [n.id for n in studio.notes() if n.author in CLI_WRITERS and n.id not in touched]
        if theirs:  # a note a CLI writer is working on at the same moment
            touched.add(theirs[-1])
            set_state(theirs[-1], "wont_fix")
        page.select(hot)
        marker = f"{name} #{i}"
        page.frame_text = frame_text(marker)
        version = click(page.save_edit, lambda: page.message)
        if version is not None:
            log.writes.append(Write(name, "version.commit", version.artifact_key, marker, version.number))
        studio.check_store()  # the page's periodic callback
    return log


# -- all at once -----------------------------------------------------------------------------------------------------
def run_writers(url: str, shots: list[str], seconds: float) -> list[WriterLog]:
    """The two CLI writers and the studio session, each in its own thread, for `seconds` (the clock
    starts once this process has imported what the studio uses, as a running studio has)."""
    import aiuteur.ui.prompts_model  # noqa: F401
    import aiuteur.ui.studio_model  # noqa: F401

    _categories()
    deadline = time.monotonic() + seconds
    logs: dict[str, WriterLog] = {}

    def work(name: str, writer: Callable[..., WriterLog], seed: int) -> None:
        started = time.monotonic()
        try:
            logs[name] = writer(name, url, shots, deadline, seed=seed)
        except BaseException as exc:  # noqa: BLE001 — a crash is this writer's error, reported by problems()
            logs[name] = WriterLog(name, errors=[f"{type(exc).__name__}: {exc}"])
        logs[name].seconds = time.monotonic() - started

    threads = [threading.Thread(target=work, args=(name, cli_writer, n), name=name)
               for n, name in enumerate(CLI_WRITERS)]
    threads.append(threading.Thread(target=work, args=(STUDIO_WRITER, studio_writer, 99), name=STUDIO_WRITER))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 2 * COMMAND_TIMEOUT_S)
        if thread.is_alive():
            logs.setdefault(thread.name, WriterLog(thread.name)).errors.append("still running long after the deadline")
    return [logs[name] for name in (*CLI_WRITERS, STUDIO_WRITER)]


# -- the checks: the workspace itself ---------------------------------------------------------------------------------
def head_log_problems(moves: Iterable[dict], final_head: str | None, label: str) -> list[str]:
    """The head log of one artifact on one branch must be one unbroken chain from "no head" to
    today's head (an Euler path): a lost update would be two moves from the same head, unbalancing
    it. The order is not read from timestamps."""
    leaving = Counter(m["old_version"] for m in moves)
    arriving = Counter(m["new_version"] for m in moves)
    found = []
    for node in set(leaving) | set(arriving):
        expected = 1 if node is None else -1 if node == final_head else 0
        if leaving[node] - arriving[node] != expected:
            found.append(f"{label}: the head log is not one chain at {node or 'no head'} "
                         f"({leaving[node]} moves leave it, {arriving[node]} arrive)")
    return found


def problems(url: str, logs: list[WriterLog]) -> list[str]:
    """Everything wrong after the run, [] when nothing is: errors other than retried conflicts, lost
    or unreported versions, gaps in version numbers, head moves missing from the head log, writes
    missing from (or extra in) the audit log."""
    from aiuteur.store import Store

    found = [f"{log.name}: {error}" for log in logs for error in log.errors]
    writes = [w for log in logs for w in log.writes]
    with Store(url, user="checker") as store:
        project = store.get_project(PROJECT)
        audit = store.audit_log(project)
        setup_versions = Counter(e.detail["artifact_key"] for e in audit
                                 if e.action == "version.commit" and e.author == SETUP_USER)
        heads = {key: version.id for key, version in store.heads(project, "").items()}
        moves_by_key: dict[tuple[str, str], list[dict]] = {}
        for move in store.head_log(project):
            moves_by_key.setdefault((move["artifact_key"], move["branch"]), []).append(move)
        histories = {key: store.history(project, key) for key in store.version_counts(project)}
    # versions: 1..n per artifact, each reported one there with its marker, none unreported
    reported = Counter(w.key for w in writes if w.action == "version.commit")
    for key, history in histories.items():
        numbers = [v.number for v in history]
        if numbers != list(range(1, len(numbers) + 1)):
            found.append(f"{key}: version numbers {numbers[:8]}... are not 1..{len(numbers)}")
        made = len(history) - setup_versions[key]
        if made != reported[key]:
            found.append(f"{key}: {made} versions written during the run, {reported[key]} reported by the writers")
    for w in writes:
        if w.action != "version.commit":
            continue
        history = histories.get(w.key, [])
        version = history[w.number - 1] if w.number and w.number <= len(history) else None
        if version is None or w.marker not in version.payload.get("frame_prompt", ""):
            found.append(f"lost version: {w.writer}'s {w.key} v{w.number} ({w.marker}) is not in the store")
    # heads: every move logged, one chain per artifact and branch
    for (key, branch), moves in moves_by_key.items():
        found += head_log_problems(moves, heads.get(key) if branch == "main" else None, f"{key} ({branch})")
        arrived = {m["new_version"] for m in moves}
        found += [f"{key}: {v.label} was never made the head (no head-log move)" for v in histories.get(key, [])
                  if v.branch == branch and v.id not in arrived]
    moved = Counter(m["artifact_key"] for moves in moves_by_key.values() for m in moves)
    logged = Counter(e.detail.get("artifact_key") for e in audit if e.action in ("version.commit", "head.move"))
    found += [f"{key}: {moved[key]} head moves in the head log, {logged[key]} commits and moves in the audit log"
              for key in set(moved) | set(logged) if moved[key] != logged[key]]
    # audit: every write once, under its writer's name; nothing else written by the writers
    names = {log.name for log in logs}
    audited = Counter(_audit_key(e) for e in audit if e.author in names)
    wanted = Counter(_write_key(w) for w in writes)
    for key in wanted - audited:
        found.append(f"not in the audit log as its writer's: {key}")
    for key in audited - wanted:
        found.append(f"in the audit log but no writer reported it: {key}")
    return found


def _write_key(w: Write) -> tuple:
    if w.action == "version.commit":
        return (w.writer, w.action, w.key, w.number)
    if w.action == "budget.set":
        return (w.writer, w.action, float(w.marker))
    if w.action == "note.state":
        return (w.writer, w.action, w.key, w.marker)
    return (w.writer, w.action, w.key)


def _audit_key(entry: Any) -> tuple:
    d = entry.detail
    if entry.action == "version.commit":
        return (entry.author, entry.action, d.get("artifact_key"), d.get("number"))
    if entry.action == "budget.set":
        return (entry.author, entry.action, d.get("limit_usd"))
    if entry.action == "note.state":
        return (entry.author, entry.action, d.get("note"), d.get("state"))
    if entry.action == "note.added":
        return (entry.author, entry.action, d.get("note"))
    return (entry.author, entry.action, json.dumps(d, sort_keys=True, default=str))


# -- the report ------------------------------------------------------------------------------------------------------
def summary(logs: list[WriterLog], found: list[str]) -> str:
    seconds = max(log.seconds for log in logs)
    lines = [f"{seconds:.0f} s, two CLI processes and a studio session on one PostgreSQL workspace:"]
    for log in logs:
        kinds = Counter(w.action for w in log.writes)
        lines.append(f"  {log.name:10} {log.actions:4} {'commands' if log.name in CLI_WRITERS else 'clicks  '}  "
                     f"writes {len(log.writes):4} (" + ", ".join(f"{a} {kinds[a]}" for a in TRACKED_ACTIONS)
                     + f")  conflicts retried {log.conflicts}  errors {len(log.errors)}")
    lines.append("checks: " + ("all passed" if not found else f"{len(found)} FAILED"))
    lines += [f"  - {p}" for p in found[:30]]
    return "\n".join(lines)


def result_row(logs: list[WriterLog], found: list[str]) -> str:
    seconds = max(log.seconds for log in logs)
    by_name = {log.name: log for log in logs}
    kinds = Counter(w.action for log in logs for w in log.writes)
    cli = "; ".join(f"{n} {by_name[n].actions} cmds / {len(by_name[n].writes)} writes" for n in CLI_WRITERS)
    studio = by_name[STUDIO_WRITER]
    return (f"| {time.strftime('%Y-%m-%d')} | {seconds:.0f} | {cli} | {studio.actions} clicks / "
            f"{len(studio.writes)} writes | {kinds['version.commit']} | {kinds['note.added']} | "
            f"{kinds['note.state']} | {kinds['budget.set']} | {sum(log.conflicts for log in logs)} | "
            f"{sum(len(log.errors) for log in logs)} | {'pass' if not found else 'FAIL'} | {os.getloadavg()[0]:.1f} |")


def record(row: str) -> None:
    """Add the row to this benchmark's table in RESULTS.md (the section is made the first time)."""
    text = RESULTS.read_text(encoding="utf-8")
    if SECTION not in text:
        text = text.rstrip("\n") + "\n\n" + SECTION + "\n" + (
            "`.venv/bin/python benchmarks/stress_postgres_concurrent.py --seconds 60` — a throwaway PostgreSQL\n"
            "server on 127.0.0.1; two writers each running `aiuteur` CLI processes one after another\n"
            "(prompt-edit on two shared shots, notes --add, note --state, budget --set) and a studio\n"
            "session (StudioModel + PromptsModel: add note, set state on its own and on a CLI writer's note,\n"
            "save a prompt edit on the shared shot). A lost race is done again and counted; the checks read\n"
            "the workspace afterwards (versions 1..n, every reported version there, head log one chain per\n"
            "artifact, every write in the audit log under its writer's name).\n\n"
            "| date | s | CLI writers | studio | versions | notes | state changes | budget sets | conflicts retried "
            "| other errors | checks | load avg (1 min) |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    lines = text.splitlines()
    at = lines.index(SECTION) + 1
    while at < len(lines) and not lines[at].startswith("|"):
        at += 1
    while at < len(lines) and lines[at].startswith("|"):
        at += 1
    lines.insert(at, row)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="How long the writers run (default 60).")
    parser.add_argument("--no-record", action="store_true", help="Do not add the result to benchmarks/RESULTS.md.")
    args = parser.parse_args()
    from tests.pg_server import throwaway_postgres

    with throwaway_postgres() as server, tempfile.TemporaryDirectory(prefix="aiuteur-stress-") as media:
        url = f"{server}?schema=stress&media={media}"
        shots = make_project(url)
        print(f"project {PROJECT!r} at stage 9: {len(shots)} shots; writing for {args.seconds:.0f} s ...", flush=True)
        logs = run_writers(url, shots, args.seconds)
        found = problems(url, logs)
    print(summary(logs, found))
    if not args.no_record:
        record(result_row(logs, found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
