"""Production tracking in Kitsu: publish shots, clips (as previews) and notes; read Kitsu's comments
back as review notes — against a real Zou server on 127.0.0.1 (PostgreSQL, Redis and gunicorn,
started once per session by tools/kitsu_server.py; its venv is made once under ~/.cache/aiuteur).

The offline tests (login from the environment, a server out of reach, a project with no shots)
need no server. The `slow` ones share one Zou stack (~1-3 min to start on a busy machine) and each
builds its own small project: real shot lists and real mp4 clips made with ffmpeg, committed
through the Store, so publishing uploads real movies that Kitsu normalises with its ffmpeg.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import uuid
from pathlib import Path

import pytest

from aiuteur.models.media import ShotVideo
from aiuteur.models.project import ProjectConfig
from aiuteur.models.shots import Shot, ShotList
from aiuteur.stages import review, video
from aiuteur.store import Store
from aiuteur.tracking import kitsu
from aiuteur.tracking.errors import NothingToTrack, TrackerLoginRefused, TrackerNotConfigured, TrackerUnreachable
from aiuteur.tracking.models import Tracking

ROOT = Path(__file__).resolve().parents[2]


def _server_tools():
    spec = importlib.util.spec_from_file_location("kitsu_server", ROOT / "tools" / "kitsu_server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


# -- a small project with real clips ----------------------------------------------------------------
def _clip(path: Path, seconds: float, colour: str) -> Path:
    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c={colour}:size=320x180:rate=24:duration={seconds}", "-f", "lavfi", "-i",
                    f"anullsrc=r=48000:cl=stereo:d={seconds}", "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", str(path)], check=True, timeout=300)
    return path


def _commit_clip(store: Store, project, shot_id: str, path: Path, frames: int) -> None:
    ref = store.put_media_file(path, "video/mp4", width=320, height=180, duration=frames / 24, frames=frames)
    store.commit(project, video.key(shot_id), ShotVideo(shot_id=shot_id, media=ref))


SHOTS = {1: [("SC010_SH0010", 1.0, "red"), ("SC010_SH0020", 1.5, "green")],
         2: [("SC020_SH0010", 1.0, "blue")]}


def _small_project(store: Store, tmp_path: Path, name: str):
    """Two scenes, three shots, each with a real clip of its own colour (different bytes)."""
    project = store.create_project(name, ProjectConfig(title="The Last Light"))
    for scene, shots in SHOTS.items():
        store.commit(project, f"scene/{scene}/shots", ShotList(
            scene=scene, heading=f"INT. LIGHTHOUSE {scene} - NIGHT",
            shots=[Shot(shot_id=i, scene=scene, duration=d, shot_type="wide", action=f"Elsa at {i}") for i, d, _ in shots]))
        for shot_id, seconds, colour in shots:
            _commit_clip(store, project, shot_id, _clip(tmp_path / f"{shot_id}.mp4", seconds, colour), round(seconds * 24))
    return project


# -- offline -----------------------------------------------------------------------------------------
def test_the_login_comes_from_the_environment_and_never_shows_the_password():
    secret = "pw-" + uuid.uuid4().hex
    with pytest.raises(TrackerNotConfigured) as missing:
        kitsu.login_from_env({"AIUTEUR_KITSU_URL": "http://127.0.0.1:9/api", "AIUTEUR_KITSU_PASSWORD": secret})
    assert "$AIUTEUR_KITSU_EMAIL" in str(missing.value) and secret not in str(missing.value)
    with pytest.raises(TrackerNotConfigured, match="must not hold a user name or password") as in_url:
        kitsu.login_from_env({"AIUTEUR_KITSU_URL": f"http://ada:{secret}@127.0.0.1/api",
                              "AIUTEUR_KITSU_EMAIL": "ada@example.com", "AIUTEUR_KITSU_PASSWORD": secret})
    assert secret not in str(in_url.value)
    login = kitsu.login_from_env({"AIUTEUR_KITSU_URL": " http://127.0.0.1:9/api/ ", "AIUTEUR_KITSU_EMAIL": "a@example.com",
                                  "AIUTEUR_KITSU_PASSWORD": secret})
    assert login.url == "http://127.0.0.1:9/api" and login.password == secret
    assert secret not in repr(login) and secret not in str(login)
    assert not kitsu.configured({}) and kitsu.configured({"AIUTEUR_KITSU_URL": "http://h/api",
                                                          "AIUTEUR_KITSU_EMAIL": "a", "AIUTEUR_KITSU_PASSWORD": "b"})


def test_a_server_out_of_reach_is_a_clear_error_without_the_password():
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secret = "pw-" + uuid.uuid4().hex
    with pytest.raises(TrackerUnreachable, match=f"no answer from Kitsu at http://127.0.0.1:{port}") as caught:
        kitsu.connect(kitsu.KitsuLogin(f"http://127.0.0.1:{port}", "a@example.com", secret))
    assert secret not in str(caught.value)


def test_a_project_without_shots_is_refused_before_any_call(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from aiuteur.cli import app

    monkeypatch.delenv("AIUTEUR_KITSU_URL", raising=False)
    workspace = tmp_path / "ws.duckdb"
    with Store(workspace) as store:
        project = store.create_project("early", ProjectConfig(title="Early"))
        with pytest.raises(NothingToTrack, match="no shots yet"):
            kitsu.publish(store, project)  # no login needed to say so: nothing is asked of the network
        assert store.head(project, kitsu.LINKS_KEY) is None
        _small_project(store, tmp_path, "ready")
    runner = CliRunner()
    refused = runner.invoke(app, ["kitsu-publish", "early", "--workspace", str(workspace)])
    assert refused.exit_code == 1 and "has no shots yet" in refused.output
    unset = runner.invoke(app, ["kitsu-publish", "ready", "--workspace", str(workspace)])
    assert unset.exit_code == 1 and "$AIUTEUR_KITSU_URL" in unset.output
    shown = runner.invoke(app, ["kitsu-status", "ready", "--workspace", str(workspace), "--json"])
    assert shown.exit_code == 0, shown.output
    state = json.loads(shown.output)
    assert state["url"] is None and state["shots"] == 3 and state["clips"] == 3


# -- a real Zou server --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def zou(postgres_server):
    """A Zou server on 127.0.0.1 (its database in the session's PostgreSQL server), with Redis; the
    KitsuStack object gives its URL and its admin's e-mail and throwaway password."""
    tools = _server_tools()
    missing = tools.missing_tools()
    if missing:
        pytest.skip(f"the Kitsu stack needs Debian's {', '.join(missing)} (.ci/run installs them)")
    try:
        venv = tools.zou_venv()
    except tools.StackError as exc:  # no PyPI here: say exactly why
        pytest.skip(f"cannot make the zou venv ({tools.venv_path()}): {exc}")
    stack = tools.KitsuStack(database=postgres_server, venv=venv)
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture
def kitsu_env(zou, monkeypatch):
    for name, value in zou.env().items():
        monkeypatch.setenv(name, value)
    return zou


def _admin(zou):
    import gazu

    return gazu.create_session(zou.url, zou.email, zou.password)


@pytest.mark.slow
def test_publish_makes_shots_previews_and_comments_once(kitsu_env, tmp_path):
    import gazu
    import imageio_ffmpeg

    name = f"lighthouse-{uuid.uuid4().hex[:6]}"
    with Store(tmp_path / "ws.duckdb") as store:
        project = _small_project(store, tmp_path, name)
        on_shot = review.add_note(store, project, "SC010_SH0020", "The lamp flickers too fast", category="motion")
        on_film = review.add_note(store, project, "film", "Overall too dark")
        first = kitsu.publish(store, project)
        assert first.shots == 3 and sorted(first.shots_created) == ["SC010_SH0010", "SC010_SH0020", "SC020_SH0010"]
        assert first.sequences_created == ["SC010", "SC020"]
        assert sorted(first.previews_uploaded) == sorted(first.shots_created)
        assert first.notes_posted == [on_shot.id] and on_film.id in first.notes_skipped

        client = _admin(kitsu_env)
        linked = kitsu.links(store, project, kitsu_env.url)
        production = gazu.project.get_project(linked.project, client=client)
        assert production["name"] == name and production["fps"] == "24" and production["resolution"] == "320x180"
        assert sorted(s["name"] for s in gazu.shot.all_sequences_for_project(production, client=client)) == ["SC010", "SC020"]
        shots = {s["name"]: s for s in gazu.shot.all_shots_for_project(production, client=client)}
        assert sorted(shots) == ["SC010_SH0010", "SC010_SH0020", "SC020_SH0010"]
        held = gazu.shot.get_shot(shots["SC010_SH0020"]["id"], client=client)
        assert held["nb_frames"] == 36 and held["data"]["frame_in"] == 24 and held["data"]["frame_out"] == 59
        assert held["data"]["duration"] == 1.5

        comments = gazu.task.all_comments_for_task(linked.shots["SC010_SH0020"].task, client=client)
        notes = [c for c in comments if "The lamp flickers too fast" in c["text"]]
        assert len(notes) == 1 and f"[aiuteur:note:{on_shot.id}]" in notes[0]["text"]
        with_preview = [c for c in comments if c["previews"]]
        assert len(with_preview) == 1
        preview = gazu.files.wait_for_preview_file(with_preview[0]["previews"][0]["id"], timeout=600, poll_interval=2,
                                                   client=client)
        assert preview["status"] == "ready", preview
        movie = tmp_path / "from-kitsu.mp4"
        gazu.files.download_preview_file(preview, str(movie), client=client)
        frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(movie))
        assert abs(seconds - 1.5) < 0.1 and 34 <= frames <= 38  # the green clip, as Kitsu plays it

        again = kitsu.publish(store, project)
        assert (again.shots_created, again.shots_updated, again.previews_uploaded, again.notes_posted) == ([], [], [], [])
        assert again.previews_kept == 3 and again.notes_kept == 1
        assert len(gazu.task.all_comments_for_task(linked.shots["SC010_SH0020"].task, client=client)) == len(comments)
        assert len(gazu.shot.all_shots_for_project(production, client=client)) == 3

        # a publish whose links were never saved (killed between Kitsu's answer and the store's write)
        # finds everything by name and marker: nothing is made twice
        store.commit(project, kitsu.LINKS_KEY, Tracking())
        lost = kitsu.publish(store, project)
        assert (lost.shots_created, lost.previews_uploaded, lost.notes_posted) == ([], [], [])
        assert lost.previews_kept == 3 and lost.notes_kept == 1
        assert kitsu.links(store, project, kitsu_env.url).shots["SC010_SH0020"] == linked.shots["SC010_SH0020"]
        assert len(gazu.task.all_comments_for_task(linked.shots["SC010_SH0020"].task, client=client)) == len(comments)
        assert len(gazu.project.all_projects(client=client)) == len({p["name"] for p in gazu.project.all_projects(client=client)})

        # a new clip (different bytes) and a longer shot: the shot is updated and the clip uploaded, once
        longer = store.require_head(project, "scene/1/shots").model(ShotList)
        store.commit(project, "scene/1/shots", longer.model_copy(update={"shots": [
            longer.shots[0], longer.shots[1].model_copy(update={"duration": 2.0})]}))
        _commit_clip(store, project, "SC010_SH0020", _clip(tmp_path / "retake.mp4", 2.0, "yellow"), 48)
        third = kitsu.publish(store, project)
        # the later shots move in the cut too: their frame in/out follow
        assert third.shots_updated == ["SC010_SH0020", "SC020_SH0010"] and third.previews_uploaded == ["SC010_SH0020"]
        assert gazu.shot.get_shot(shots["SC010_SH0020"]["id"], client=client)["nb_frames"] == 48
        previews = gazu.files.get_all_preview_files_for_task(linked.shots["SC010_SH0020"].task, client=client)
        assert sorted(p["revision"] for p in previews) == [1, 2]
        client.__exit__(None, None, None)


@pytest.mark.slow
def test_comments_written_in_kitsu_come_back_as_notes_once(kitsu_env, tmp_path):
    import gazu

    with Store(tmp_path / "ws.duckdb") as store:
        project = _small_project(store, tmp_path, f"harbor-{uuid.uuid4().hex[:6]}")
        with pytest.raises(NothingToTrack, match="publish it first"):
            kitsu.sync_notes(store, project)
        kitsu.publish(store, project, clips=False)
        linked = kitsu.links(store, project, kitsu_env.url)

        admin = _admin(kitsu_env)
        email, password = f"ada-{uuid.uuid4().hex[:6]}@example.com", "pw-" + uuid.uuid4().hex
        ada = gazu.person.new_person("Ada", "Lovelace", email, role="supervisor", password=password, client=admin)
        gazu.project.add_person_to_team(linked.project, ada, client=admin)
        with gazu.create_session(kitsu_env.url, email, password) as as_ada:
            task = linked.shots["SC020_SH0010"].task
            status = gazu.task.get_task(task, client=as_ada)["task_status_id"]
            gazu.task.add_comment(task, status, "The horizon tilts here: straighten the camera", client=as_ada)
            gazu.task.add_comment(task, status, "", client=as_ada)  # a status change only: no note

        back = kitsu.sync_notes(store, project)
        assert len(back.notes) == 1 and len(back.skipped) == 1
        note = store.note(project.id, back.notes[0]["id"])
        assert (note.shot, note.author, note.text) == ("SC020_SH0010", "Ada Lovelace (Kitsu)",
                                                       "The horizon tilts here: straighten the camera")
        assert note.suggested_category == "composition" and note.frame == 60  # the shot's first frame in the cut
        assert any(e.action == "from kitsu" for e in store.note_events(note.id))

        again = kitsu.sync_notes(store, project)
        assert again.notes == [] and again.already == 1
        republished = kitsu.publish(store, project, clips=False)
        assert republished.notes_posted == []  # a note that came from Kitsu is not posted back
        assert [n.text for n in store.notes(project.id)] == ["The horizon tilts here: straighten the camera"]
        assert len(gazu.task.all_comments_for_task(task, client=admin)) == 2
        admin.__exit__(None, None, None)


@pytest.mark.slow
def test_cli_and_studio_page_publish_and_sync_and_keep_no_credentials(kitsu_env, tmp_path):
    from typer.testing import CliRunner

    from aiuteur.cli import app
    from aiuteur.ui.studio_model import StudioModel
    from aiuteur.ui.tracking_model import TrackingModel

    workspace = tmp_path / "ws.duckdb"
    name = f"cli-{uuid.uuid4().hex[:6]}"
    with Store(workspace) as store:
        project = _small_project(store, tmp_path, name)
        review.add_note(store, project, "SC010_SH0010", "Hold the wide longer")
    runner = CliRunner()
    published = runner.invoke(app, ["kitsu-publish", name, "--scene", "1", "--workspace", str(workspace), "--json"])
    assert published.exit_code == 0, published.output
    report = json.loads(published.output)
    assert report["shots"] == 2 and len(report["previews_uploaded"]) == 2 and len(report["notes_posted"]) == 1
    synced = runner.invoke(app, ["kitsu-sync", name, "--workspace", str(workspace), "--json"])
    assert synced.exit_code == 0 and json.loads(synced.output)["notes"] == []
    shown = runner.invoke(app, ["kitsu-status", name, "--workspace", str(workspace)])
    assert "2/3 shot(s)" in shown.output and "2/3 current clip(s)" in shown.output

    studio = StudioModel(workspace=str(workspace))
    studio.refresh()
    studio.project = name
    page = TrackingModel(studio=studio)
    assert page.configured and "2/3 shot(s)" in page.status_line()
    assert page.publish() is not None and page.message.startswith("published to Kitsu")
    assert "3/3 shot(s)" in page.status_line() and "3/3 current clip(s)" in page.status_line()
    assert page.sync() is not None and "0 new note(s)" in page.message

    for output in (published.output, synced.output, shown.output, page.message, page.status_line()):
        assert kitsu_env.password not in output and kitsu_env.email not in output
    for file in tmp_path.glob("ws.duckdb*"):  # never stored: not in the database file nor its WAL
        data = file.read_bytes()
        assert kitsu_env.password.encode() not in data and kitsu_env.email.encode() not in data


@pytest.mark.slow
def test_a_wrong_password_is_refused_by_name_not_by_value(kitsu_env):
    wrong = "pw-" + uuid.uuid4().hex
    with pytest.raises(TrackerLoginRefused, match=r"\$AIUTEUR_KITSU_PASSWORD") as caught:
        kitsu.connect(kitsu.KitsuLogin(kitsu_env.url, kitsu_env.email, wrong))
    assert wrong not in str(caught.value)
