"""Render farm: local work handed to a farm as Open Job Description job templates (docs/farm.md).

`job_template` writes the template (one step per stage, a task per shot or scene, dependencies between
steps); `tasks` holds what each task runs — the same library calls the local pipeline makes, so a farm
render and a local one produce the same clips, and every paid call meets the same gates.
"""
from aiuteur.farm.tasks import FarmRefused, run_task
from aiuteur.farm.templates import FarmPlan, job_bundle, job_template, plan

__all__ = ["FarmPlan", "FarmRefused", "job_bundle", "job_template", "plan", "run_task"]
