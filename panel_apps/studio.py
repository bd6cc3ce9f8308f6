"""`panel serve panel_apps/studio.py` — the studio: projects, twelve-stage timeline, review, every page.

The workspace comes from $AIUTEUR_WORKSPACE (default ./aiuteur.duckdb). Served with logins
(`aiuteur studio --users FILE`, or `panel serve ... --auth-module aiuteur/ui/auth.py`), the
signed-in user (`pn.state.user`) is the author of every change made here and of its audit-log
row. Layout only: all logic is in `aiuteur.ui`.
"""
import panel as pn

from aiuteur.store import default_workspace
from aiuteur.ui import StudioApp

pn.extension("tabulator", "modal", notifications=True)  # toasts: docs/review.md "Notifications"
StudioApp(str(default_workspace()), user=pn.state.user).page().servable(title="aiuteur studio")
