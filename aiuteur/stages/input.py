"""Stage 1 — input: an idea, staged source files, or both, with a validated configuration, become a
new project. The mode follows from the inputs (see `aiuteur.ingest.decide_mode`):

* *expand* — only an idea: every later stage is generated from it;
* *adapt* — prose, notes, a world bible...: they feed the treatment (stage 2) beside the idea;
* *import* — a screenplay (Fountain, FDX or a screenplay PDF): it becomes the stage 4 script
  directly, scenes parsed, and stages 2-3 are marked imported (locked, kind `imported`).

Everything is validated before anything is written: the argument types, the project name
(`aiuteur.validate.check_name`), the idea (no control characters or escape sequences; three words
or more, counted also in scripts written without spaces), the files (regular files only, type by
content, size, encoding), the configuration per field (including the style capsule names), and an
imported screenplay's scenes. Then the project, the locked input version, the style locks and any imported versions are
written in one transaction.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from pydantic import ValidationError

from aiuteur.capsules.lock import check_config_styles, lock_from_config
from aiuteur.ingest import StagedFile, decide_mode, read_sources
from aiuteur.models.project import Project, ProjectConfig
from aiuteur.models.story import InputMode, SourceDocument, StoryInput
from aiuteur.models.versions import Version
from aiuteur.stages import script as script_stage
from aiuteur.stages.gates import StageError
from aiuteur.store import Store
from aiuteur.validate import WrongType, check_name, require_type

KEY = "input"
Source = StagedFile | str | Path


class InputRejected(StageError):
    """Stage 1 input that cannot be used; `fields` maps each field (`config.title`, `idea`,
    `sources[1]`...) to its problem."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))


def config_errors(data: dict[str, Any], store: Store | None = None) -> dict[str, str]:
    """Per-field problems of a configuration given as plain data (a form): `{}` when it is valid."""
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as exc:
        return {"config." + ".".join(str(p) for p in e["loc"]): e["msg"] for e in exc.errors()}
    return check_config_styles(store, config) if store is not None else {}


def title_from_idea(idea: str, words: int = 5) -> str:
    """A working title from the idea's first words (its first sentence's start in scripts written
    without spaces), at most 60 characters: what `aiuteur demo` uses when no title is given."""
    require_type(idea, str, "idea")
    first = " ".join(idea.split()[:words])
    for stop in "。！？":
        if stop in first[1:]:
            first = first[: first.index(stop, 1)]
    return first[:60].strip() or "Untitled"


def _sequence(value: object, name: str) -> list:
    """A list of files or labels; a lone string is refused (it would be read letter by letter)."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, Path, StagedFile)) or not isinstance(value, (list, tuple)):
        raise WrongType(f"{name}: expected a list, got {type(value).__name__}; wrap a single item in a list")
    return list(value)


def _check_arguments(store: Store, name: str | None, idea: str, config: ProjectConfig | None) -> None:
    require_type(store, Store, "store")
    if name is not None:
        check_name(name, "project name")
    require_type(idea, str, "idea")
    if config is not None:
        require_type(config, ProjectConfig, "config")


def stage_files(files: Sequence[Source], labels: Sequence[str | None] | None = None) -> list[StagedFile]:
    """Paths (or already staged files) in order, each with its label (`labels[i]`, else its own)."""
    files = _sequence(files, "files")
    labels = _sequence(labels, "labels")
    for i, item in enumerate(files):
        require_type(item, (StagedFile, str, Path), f"files[{i}]")
    if len(labels) > len(files):
        raise InputRejected({"labels": f"{len(labels)} labels for {len(files)} files"})
    staged = []
    for i, item in enumerate(files):
        label = labels[i] if i < len(labels) else None
        if isinstance(item, StagedFile):
            staged.append(item if label is None else StagedFile(item.name, item.data, label))
        else:
            staged.append(StagedFile.from_path(item, label))
    return staged


def prepare(store: Store, idea: str, config: ProjectConfig, files: Sequence[Source] = (),
            labels: Sequence[str | None] | None = None, mode: InputMode | None = None) -> StoryInput:
    """Everything stage 1 validates, with nothing written: the `StoryInput` to commit."""
    _check_arguments(store, None, idea, config)
    require_type(config, ProjectConfig, "config")
    sources: list[SourceDocument] = read_sources(stage_files(files, labels)) if files else []
    chosen = decide_mode(idea, sources, mode)
    story = StoryInput(idea=idea, config=config, sources=sources, mode=chosen)
    problems = check_config_styles(store, config)
    if problems:
        raise InputRejected(problems)
    if chosen == "import":
        screenplay = story.screenplay_source
        assert screenplay is not None  # StoryInput validated it
        script_stage.from_fountain(screenplay.text, source=screenplay.name)
    return story


def start(store: Store, name: str, idea: str = "", config: ProjectConfig | None = None, *,
          files: Sequence[Source] = (), labels: Sequence[str | None] | None = None, mode: InputMode | None = None,
          author: str = "user") -> tuple[Project, Version]:
    """Create the project and its locked input version in one step; invalid input creates nothing."""
    _check_arguments(store, name, idea, config)
    name = check_name(name, "project name")
    config = config or ProjectConfig(title=name)
    story = prepare(store, idea, config, files, labels, mode)
    with store.db.transaction():
        project = store.create_project(name, config)
        version = store.commit(project, KEY, story, status="locked", author=author,
                               message=_message(story))
        lock_from_config(store, project, config, author=author)
        if story.mode == "import":
            script_stage.import_screenplay(store, project, version, story.screenplay_source, author=author)  # type: ignore[arg-type]
    return project, version


def _message(story: StoryInput) -> str:
    if not story.sources:
        return "idea entered"
    names = ", ".join(f"{s.name} ({s.label})" for s in story.sources)
    return f"{story.mode}: " + ("idea + " if story.idea else "") + names


def story_input(store: Store, project: Project) -> StoryInput:
    require_type(project, Project, "project")
    return store.require_head(project, KEY).model(StoryInput)


def revise(store: Store, project: Project, idea: str, config: ProjectConfig | None = None, *,
           files: Sequence[Source] | None = None, labels: Sequence[str | None] | None = None,
           mode: InputMode | None = None, author: str = "user") -> Version:
    """A changed idea, config or set of files: a new input version; everything made from the old one
    turns stale. `files=None` keeps the current sources."""
    _check_arguments(store, None, idea, config)
    require_type(project, Project, "project")
    current = story_input(store, project)
    config = config or current.config
    if files is None:
        sources = list(current.sources)
        chosen = decide_mode(idea, sources, mode or (current.mode if current.mode != "import" else None))
        story = StoryInput(idea=idea, config=config, sources=sources, mode=chosen)
        if check_config_styles(store, config):
            raise InputRejected(check_config_styles(store, config))
    else:
        story = prepare(store, idea, config, files, labels, mode)
    if story == current:
        return store.require_head(project, KEY)
    with store.db.transaction():
        if story.config != current.config:
            store.update_config(project, story.config)
            project = store.get_project(project.id)
            lock_from_config(store, project, story.config, author=author)
        return store.commit(project, KEY, story, status="locked", author=author, message="input revised")
