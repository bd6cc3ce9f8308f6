"""The studio on a PostgreSQL workspace whose URL carries a password: the page shows the workspace
with the password masked (the served page is seen by everyone who signs in)."""
from __future__ import annotations

import panel as pn

from aiuteur.ui.studio import StudioApp


def _texts(objects) -> list[str]:
    """Every Markdown/HTML text among a template area's objects, however deeply nested."""
    found = []
    for top in objects:
        if not hasattr(top, "select"):
            continue
        found += [str(obj.object) for obj in top.select(pn.pane.Markdown) + top.select(pn.pane.HTML)]
    return found


def test_the_sidebar_masks_the_password_of_a_postgres_workspace(postgres_url):
    secret = "s3cret-Pa55"
    url = postgres_url.replace("://aiuteur@", f"://aiuteur:{secret}@", 1)
    assert secret in url  # the throwaway server trusts local users: the password is carried, not checked
    page = StudioApp(url).page()
    texts = [t for part in (page.sidebar, page.main, page.header) for t in _texts(part)]
    workspace = [t for t in texts if t.startswith("Workspace:")]
    assert workspace and "aiuteur:***@" in workspace[0], workspace
    assert not any(secret in t for t in texts)
