"""Every paid asset image is sent as a reference with at least one frame request, or not bought
(issue 10, part 3): a character the film only hears (TOMAS, a drowned brother on a radio; the
RADIO OPERATOR of Kestrel Two) gets a voice but no image, and a prop a shot's action shows goes
with that shot's frames. Checked on the references each frames version recorded, over full
offline runs of the sample idea and of data/screenplays/kestrel_two.fountain."""
from __future__ import annotations

import pytest

from aiuteur import Engines, open_store, run
from aiuteur.models.assets import Asset
from aiuteur.models.media import ShotFrames
from aiuteur.stages import asset_usage, assets, frames, shots, voices
from tests.integration.test_production_kestrel import import_kestrel


def _sent_to_frames(store, project) -> set[str]:
    """The sha256 of every image any frames version of the film was made with (every take, not only heads)."""
    sent: set[str] = set()
    for shot in shots.all_shots(store, project):
        for version in store.history(project, frames.key(shot.shot_id)):
            sent |= {r.sha256 for refs in version.model(ShotFrames).references.values() for r in refs}
    return sent


def _images_made(store, project) -> dict[str, str]:
    """slug -> sha256 of every asset image stage 5 made (every version of every master asset)."""
    made: dict[str, str] = {}
    for key in store.heads(project, assets.PREFIX):
        for version in store.history(project, key):
            asset = version.model(Asset)
            if asset.image is not None:
                made[f"{asset.slug}@v{version.number}"] = asset.image.sha256
    return made


def _assert_every_image_is_used(store, project) -> None:
    made, sent = _images_made(store, project), _sent_to_frames(store, project)
    assert made and sent
    never_sent = sorted(slug for slug, sha in made.items() if sha not in sent)
    assert never_sent == [], f"asset images bought but never sent to a frame request: {never_sent}"
    assert asset_usage.unused_images(store, project) == []


def test_the_sample_idea_buys_no_image_for_the_voice_on_the_radio(demo_run):
    workspace, _, _ = demo_run
    with open_store(workspace) as store:
        project = store.get_project("lighthouse")
        tomas = store.require_head(project, "asset/char-tomas").model(Asset)
        assert tomas.image is None and tomas.description  # described, not drawn
        assert "TOMAS" in voices.all_voices(store, project)  # he keeps his voice
        assert store.require_head(project, "asset/char-elsa").model(Asset).image is not None
        _assert_every_image_is_used(store, project)


def test_an_image_no_frame_uses_is_reported(demo_run, tmp_path):
    import shutil

    workspace, _, _ = demo_run
    shutil.copy(workspace, tmp_path / "ws.duckdb")
    shutil.copytree(workspace.with_name("ws.media"), tmp_path / "ws.media")
    with open_store(tmp_path / "ws.duckdb") as store:
        project = store.get_project("lighthouse")
        # a person draws TOMAS anyway: bought, and no shot shows him
        assets.regenerate_image(store, project, Engines.offline(), "char-tomas", "as he was at twenty", unlock=True)
        unused = asset_usage.unused_images(store, project)
        assert [(u.slug, u.kind) for u in unused] == [("char-tomas", "character")]
        assert "no shot shows it" in unused[0].reason


@pytest.mark.slow
def test_kestrel_two_sends_every_asset_image_it_bought(tmp_path):
    with open_store(tmp_path / "ws.duckdb") as store:
        project = import_kestrel(store)
        run(store, project, Engines.offline(), until="frames")
        operator = store.require_head(project, "asset/char-radio-operator").model(Asset)
        assert operator.image is None  # only ever a voice on the air
        assert store.require_head(project, "asset/char-ansel").model(Asset).image is not None  # heard, then found
        _assert_every_image_is_used(store, project)


def test_who_is_only_heard_is_read_from_cues_action_and_the_idea():
    from aiuteur.continuity import extraction
    from aiuteur.stages.script import from_fountain

    script = from_fountain("""INT. KITCHEN - NIGHT

Ida listens to the radio. A voice: Pa's.

PA (ON RADIO)
Ida? Can you hear me?

NED (O.S.)
Dinner!

IDA
(into the phone)
Wait.

MOM
(on the phone)
I'm outside.

EXT. YARD - NIGHT

Ned walks in with a lantern.

NED
You heard him too.
""")
    parsed = extraction.extract(script)
    # PA: heard on a radio, never shown; NED: off screen once, then walks in; MOM: only on the phone
    assert assets.heard_only(script, parsed) == {"PA", "MOM"}
    shown = from_fountain(script.fountain.replace("Ida listens to the radio.", "Pa sits by the stove."))
    assert assets.heard_only(shown, extraction.extract(shown)) == {"MOM"}  # Pa is seen now
    # dead per the idea: a mention in action does not put him on screen
    assert assets.heard_only(shown, extraction.extract(shown), "Ida hears her dead father Pa.") == {"PA", "MOM"}
