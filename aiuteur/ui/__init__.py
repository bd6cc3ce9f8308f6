"""Panel components over the library, for notebooks and for the apps in panel_apps/."""
from aiuteur.ui.studio import StudioApp, stage_timeline_html
from aiuteur.ui.studio_model import StudioModel

__all__ = ["StudioApp", "StudioModel", "stage_timeline_html"]
