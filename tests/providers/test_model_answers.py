"""A poor answer through the real OpenAI SDK (LangChain structured output, over HTTP, against the
OpenAI fake) is kept and flagged per shot and field: never a failed stage, never a model's id."""
from __future__ import annotations

import dataclasses
import json

import pytest

from aiuteur import Engines, open_store, start_project
from aiuteur.engines.registry import get_engine
from aiuteur.models.project import ProjectConfig
from aiuteur.models.shots import ShotList
from aiuteur.pipeline import run
from aiuteur.stages import shots
from aiuteur.stages.gates import StageError
from aiuteur.stages.status import project_status
from tests.conftest import LIGHTHOUSE
from tests.fakes.oracle import DraftOracle

COMMON = {"lens": "35mm", "camera_move": "static", "framing": "wide", "location": "LIGHTHOUSE", "sound": "wind",
          "action": "The beam turns."}
#: what a careless model might send: its own repeated ids and a wrong scene, NaN (JSON's `NaN`
#: token, which Python's parsers accept), a negative and a 90 s duration, someone not in the scene
POOR = {"shots": [
    {**COMMON, "shot_id": "S1", "scene": 9, "duration": float("nan"), "shot_type": "wide"},
    {**COMMON, "shot_id": "S1", "scene": 9, "duration": -3, "shot_type": "medium"},
    {**COMMON, "shot_id": "S1", "scene": 9, "duration": 90, "shot_type": "close-up", "characters": ["NOBODY KNOWN"]},
]}


def test_a_poor_shot_answer_from_the_openai_sdk_is_flagged_at_the_gate(fake_openai, tmp_path):
    oracle = DraftOracle()  # every other stage gets the draft writer's answer, over the same HTTP

    def respond(ask):
        return POOR if ask.schema_name == "ShotListDraft" else oracle.respond(ask)

    fake_openai.control.respond("text", respond)
    engines = dataclasses.replace(Engines.offline(), text=oracle.wrap(get_engine("text", "openai:gpt-4.1-mini")))
    with open_store(tmp_path / "ws.duckdb") as store:
        project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light", target_minutes=0.75))
        with pytest.raises(StageError, match=r"SC010_SH0010: the engine gave nan s"):
            run(store, project, engines, until="shots")  # stops at the shot gate, for a person
        head = store.head(project, shots.key(1))
        sheet = head.model(ShotList)
        assert head.generation_id is not None and head.status == "draft"
        assert sheet.ids == ["SC010_SH0010", "SC010_SH0020", "SC010_SH0030"] and {s.scene for s in sheet.shots} == {1}
        assert [s.duration for s in sheet.shots] == [2.0, 2.0, 8.0]
        assert {(f.item, f.field) for f in sheet.answer_flags} >= {
            ("SC010_SH0010", "duration"), ("SC010_SH0020", "duration"), ("SC010_SH0030", "duration"),
            ("SC010_SH0030", "characters")}
        assert {(p.shot_id, p.field) for p in shots.check(store, project, 1)} >= {
            ("SC010_SH0010", "duration"), ("SC010_SH0030", "characters")}
        status = {s.slug: s for s in project_status(store, project)}["shots"]
        assert any("SC010_SH0030: characters: NOBODY KNOWN is not in scene 1" in f for f in status.answer_flags)

    # what the model was asked for: a draft without the ids and scene the code assigns
    asked = [json.loads(r.body) for r in fake_openai.control.of("chat")]
    formats = [a["response_format"]["json_schema"] for a in asked if "response_format" in a]
    drafts = [f["schema"] for f in formats if f["name"] == "ShotListDraft"]
    assert len(drafts) == 1  # one answer, taken as it came: no retry, no second purchase
    shot_fields = next(d for name, d in drafts[0]["$defs"].items() if name == "DraftShot")["properties"]
    assert "shot_id" not in shot_fields and "scene" not in shot_fields and "duration" in shot_fields
