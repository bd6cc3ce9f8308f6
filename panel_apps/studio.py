"""`panel serve panel_apps/studio.py` — the studio: projects, twelve-stage timeline, review.

The workspace comes from $AIUTEUR_WORKSPACE (default ./aiuteur.duckdb). Layout only: all logic is
in `aiuteur.ui`.
"""
import panel as pn

from aiuteur.store import default_workspace
from aiuteur.ui import StudioApp

pn.extension("tabulator", "modal", notifications=True)  # toasts: docs/review.md "Notifications"
StudioApp(str(default_workspace())).page().servable(title="aiuteur studio")
