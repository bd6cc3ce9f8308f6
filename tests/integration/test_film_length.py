"""The offline pipeline honours `--minutes`: the shot lists add up to about the target length
(a 30-second film is not three minutes long), and a longer target gives a longer film."""
from __future__ import annotations

import pytest

from aiuteur import open_store, run, start_project
from aiuteur.models.project import ProjectConfig
from aiuteur.stages.confirm import all_shots
from tests.conftest import LIGHTHOUSE


def _planned_seconds(tmp_path, minutes: float) -> tuple[float, int]:
    with open_store(tmp_path / f"ws-{minutes}.duckdb") as store:
        project, _ = start_project(store, "film", LIGHTHOUSE, ProjectConfig(title="The Last Light",
                                                                             target_minutes=minutes))
        run(store, project, until="shots", auto_lock=True)
        shots = all_shots(store, project)
        return sum(s.duration for s in shots), len({s.scene for s in shots})


@pytest.mark.parametrize("minutes, low, high", [(0.5, 20, 50), (1.0, 45, 95)])
def test_a_short_target_gives_a_short_film(tmp_path, minutes, low, high):
    seconds, scenes = _planned_seconds(tmp_path, minutes)
    assert low <= seconds <= high, f"{minutes} min planned as {seconds:.1f} s"
    assert scenes == 8  # every beat keeps its scene, however short


def test_a_longer_target_gives_a_longer_film(tmp_path):
    lengths = [_planned_seconds(tmp_path, m)[0] for m in (0.5, 1.0, 2.0)]
    assert lengths == sorted(lengths) and lengths[-1] > 2 * lengths[0], lengths
