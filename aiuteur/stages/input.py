"""Stage 1 — input: a validated idea and project configuration become a new project."""
from __future__ import annotations

from aiuteur.models.project import Project, ProjectConfig
from aiuteur.models.story import StoryInput
from aiuteur.models.versions import Version
from aiuteur.store import Store

KEY = "input"


def start(store: Store, name: str, idea: str, config: ProjectConfig | None = None) -> tuple[Project, Version]:
    """Create the project and its locked input version in one step; invalid input creates nothing."""
    config = config or ProjectConfig(title=name)
    story = StoryInput(idea=idea, config=config)  # validates before anything is written
    with store.db.transaction():
        project = store.create_project(name, config)
        version = store.commit(project, KEY, story, status="locked", author="user", message="idea entered")
    return project, version


def story_input(store: Store, project: Project) -> StoryInput:
    return store.require_head(project, KEY).model(StoryInput)


def revise(store: Store, project: Project, idea: str, config: ProjectConfig | None = None,
           *, author: str = "user") -> Version:
    """A changed idea or config: a new input version; everything made from the old one turns stale."""
    current = story_input(store, project)
    story = StoryInput(idea=idea, config=config or current.config)
    if story == current:
        return store.require_head(project, KEY)
    with store.db.transaction():
        if story.config != current.config:
            store.update_config(project, story.config)
        return store.commit(project, KEY, story, status="locked", author=author, message="idea revised")
