"""Projects in a workspace: create, list, get by name or id, rename, delete (with confirmation).

Names are checked at the edge (`aiuteur.validate.check_name`): one line, no control characters,
at most `MAX_NAME_CHARS`. `name_for_title` turns a title into a name a person can type.
"""
from __future__ import annotations

import hashlib
import unicodedata
import uuid

from aiuteur.models.project import Project, ProjectConfig
from aiuteur.store.database import Database, utcnow
from aiuteur.store.errors import ConfirmationRequired, ProjectExists, ProjectNotFound
from aiuteur.validate import check_name, require_type, safe_text

#: validation context for what was stored: rules added later do not make old rows unreadable
STORED = {"stored": True}
#: a slug is cut to this many characters (at a hyphen when it can)
SLUG_CHARS = 60


def name_for_title(title: str) -> str:
    """A project name from a title: lower case, words joined by hyphens, accents dropped, letters
    of any script kept ("Lantern Keepers" -> `lantern-keepers`, "灯台" -> `灯台`). A title with no
    letter or digit at all (only emoji or punctuation) becomes `film-` and six hex digits of its
    hash, so two such titles still get two different names."""
    require_type(title, str, "title")
    kept: list[str] = []
    for c in title.lower():
        kind = unicodedata.category(c)[0]
        # a mark counts only on a letter (a Thai vowel, a dakuten), not on an emoji (U+FE0F)
        word = kind in "LN" or kind == "M" and bool(kept) and kept[-1] != " "
        kept.append(_fold(c) if word else " ")
    slug = "-".join("".join(kept).split())
    if len(slug) > SLUG_CHARS:
        cut = slug[:SLUG_CHARS]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[SLUG_CHARS // 2:] else cut
    if slug:
        return slug.strip("-")
    return "film-" + hashlib.sha256(title.strip().encode("utf-8")).hexdigest()[:6]


def _fold(c: str) -> str:
    """A Latin letter without its accent ("é" -> "e"); every other letter or mark as it is."""
    base = unicodedata.normalize("NFKD", c)[0]
    return base if base.isascii() and base.isalnum() else c


class ProjectsMixin:
    db: Database

    def create_project(self, name: str, config: ProjectConfig) -> Project:
        name = check_name(name, "project name")
        require_type(config, ProjectConfig, "config")
        if self._project_row(name) is not None:
            raise ProjectExists(f"a project named {name!r} already exists in {self.db.path}; pick another name")
        project = Project(id=f"prj_{uuid.uuid4().hex[:12]}", name=name, config=config, created_at=utcnow())
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO projects VALUES (?, ?, ?, ?, ?)",
                [project.id, project.name, config.model_dump_json(), "main", project.created_at],
            )
            self.db.execute(
                "INSERT INTO branches VALUES (?, ?, ?, ?, ?)", [project.id, "main", None, "first branch", utcnow()]
            )
            self.audit(project.id, "project.create", {"name": name})
        return project

    def list_projects(self) -> list[Project]:
        return [self._project(row) for row in self.db.rows("SELECT * FROM projects ORDER BY created_at")]

    def get_project(self, name_or_id: str | Project) -> Project:
        """A project by its name, its id, or the title it was created with (`aiuteur new "Lantern
        Keepers"` then `aiuteur run "Lantern Keepers"`); a name or id wins over a title, and a title
        matches with case and spacing ignored. The error lists what exists, or, when several
        projects share the title, those projects (name them by name or id)."""
        if isinstance(name_or_id, Project):
            name_or_id = name_or_id.id
        require_type(name_or_id, str, "project (a name, an id or a Project)")
        safe_text(name_or_id, "project", multiline=False)
        row = self._project_row(name_or_id)
        if row is not None:
            return self._project(row)
        every = self.list_projects()
        wanted = " ".join(name_or_id.split()).casefold()
        titled = [p for p in every if " ".join(p.config.title.split()).casefold() == wanted] if wanted else []
        if len(titled) == 1:
            return titled[0]
        if titled:
            listed = ", ".join(f"{p.name} ({p.id})" for p in titled)
            raise ProjectNotFound(f"{len(titled)} projects in {self.db.path} have the title {name_or_id!r}: "
                                  f"{listed}; name one by its name or id")
        known = ", ".join(p.name for p in every) or "none yet"
        raise ProjectNotFound(f"no project {name_or_id!r} in {self.db.path} (projects: {known})")

    def rename_project(self, name_or_id: str | Project, new_name: str) -> Project:
        project = self.get_project(name_or_id)
        new_name = check_name(new_name, "new project name")
        if self._project_row(new_name) is not None:
            raise ProjectExists(f"a project named {new_name!r} already exists")
        with self.db.transaction():
            self.db.execute("UPDATE projects SET name = ? WHERE id = ?", [new_name, project.id])
            self.audit(project.id, "project.rename", {"from": project.name, "to": new_name})
        return self.get_project(project.id)

    def update_config(self, name_or_id: str | Project, config: ProjectConfig) -> Project:
        project = self.get_project(name_or_id)
        require_type(config, ProjectConfig, "config")
        with self.db.transaction():
            self.db.execute("UPDATE projects SET config = ? WHERE id = ?", [config.model_dump_json(), project.id])
            self.audit(project.id, "project.config", config.model_dump(mode="json"))
        return self.get_project(project.id)

    def delete_project(self, name_or_id: str | Project, *, confirm: bool = False) -> None:
        """Deletes the project's rows (media files stay: they may be shared by content)."""
        project = self.get_project(name_or_id)
        if not confirm:
            raise ConfirmationRequired(
                f"deleting project {project.name!r} removes all its versions; pass confirm=True (CLI: --yes)"
            )
        with self.db.transaction():
            for table in self._project_tables():
                self.db.execute(f"DELETE FROM {table} WHERE project_id = ?", [project.id])
            self.db.execute("DELETE FROM projects WHERE id = ?", [project.id])
            self.audit(project.id, "project.delete", {"name": project.name})
        self.__dict__.get("_version_cache", {}).clear()

    def _project_tables(self) -> list[str]:
        """Every table with a `project_id` column (later migrations add some), except the audit log."""
        rows = self.db.fetchall(
            "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'project_id' "
            "AND table_schema = current_schema()")
        return sorted(name for (name,) in rows if name != "audit_log")

    def _project_row(self, name_or_id: str) -> dict | None:
        rows = self.db.rows("SELECT * FROM projects WHERE id = ? OR name = ?", [name_or_id, name_or_id])
        return rows[0] if rows else None

    @staticmethod
    def _project(row: dict) -> Project:
        return Project(
            id=row["id"],
            name=row["name"],
            config=ProjectConfig.model_validate_json(row["config"], context=STORED),
            branch=row["branch"],
            created_at=row["created_at"],
        )
