"""The capsule application log: which capsule version went into which generation (text stages) or
which version (assembled image/video prompts). Logging the same application twice writes one row,
so re-runs that reuse cached work do not inflate the log."""
from __future__ import annotations

import uuid

from aiuteur.capsules.models import StyleLock
from aiuteur.models.project import Project
from aiuteur.models.versions import Version
from aiuteur.store import Store
from aiuteur.store.database import utcnow


def log_application(store: Store, project: Project, style: Version, *, stage: str, generation_id: str | None = None,
                    target_version_id: str | None = None) -> bool:
    """Record that the style lock `style` was applied; False when this exact application is logged."""
    lock = style.model(StyleLock)
    if store.capsule_application_logged(style.id, generation_id, target_version_id):
        return False
    store.insert_capsule_application(
        [f"app_{uuid.uuid4().hex[:12]}", project.id, lock.kind, lock.name, lock.source, lock.version, style.id,
         stage, generation_id, target_version_id, utcnow()])
    return True


def applications(store: Store, project: Project, *, kind: str | None = None) -> list[dict]:
    """Every logged application for the project, oldest first."""
    return store.capsule_application_rows(project.id, kind=kind)
