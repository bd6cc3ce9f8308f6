"""Projects in a workspace: create, list, get by name or id, rename, delete (with confirmation)."""
from __future__ import annotations

import json
import uuid

from aiuteur.models.project import Project, ProjectConfig
from aiuteur.store.database import Database, utcnow
from aiuteur.store.errors import ConfirmationRequired, ProjectExists, ProjectNotFound



class ProjectsMixin:
    db: Database

    def create_project(self, name: str, config: ProjectConfig) -> Project:
        name = name.strip()
        if not name:
            raise ValueError("a project needs a name")
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
        """A project by its name or its id; the error lists what exists."""
        if isinstance(name_or_id, Project):
            name_or_id = name_or_id.id
        row = self._project_row(name_or_id)
        if row is None:
            known = ", ".join(p.name for p in self.list_projects()) or "none yet"
            raise ProjectNotFound(f"no project {name_or_id!r} in {self.db.path} (projects: {known})")
        return self._project(row)

    def rename_project(self, name_or_id: str | Project, new_name: str) -> Project:
        project = self.get_project(name_or_id)
        new_name = new_name.strip()
        if not new_name:
            raise ValueError("the new name must not be blank")
        if self._project_row(new_name) is not None:
            raise ProjectExists(f"a project named {new_name!r} already exists")
        with self.db.transaction():
            self.db.execute("UPDATE projects SET name = ? WHERE id = ?", [new_name, project.id])
            self.audit(project.id, "project.rename", {"from": project.name, "to": new_name})
        return self.get_project(project.id)

    def update_config(self, name_or_id: str | Project, config: ProjectConfig) -> Project:
        project = self.get_project(name_or_id)
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
            "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'project_id'")
        return sorted(name for (name,) in rows if name != "audit_log")

    def audit(self, project_id: str | None, action: str, detail: dict) -> None:
        self.db.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?)",
            [f"aud_{uuid.uuid4().hex[:12]}", project_id, action, json.dumps(detail, default=str), utcnow()],
        )

    def _project_row(self, name_or_id: str) -> dict | None:
        rows = self.db.rows("SELECT * FROM projects WHERE id = ? OR name = ?", [name_or_id, name_or_id])
        return rows[0] if rows else None

    @staticmethod
    def _project(row: dict) -> Project:
        return Project(
            id=row["id"],
            name=row["name"],
            config=ProjectConfig.model_validate_json(row["config"]),
            branch=row["branch"],
            created_at=row["created_at"],
        )
