"""The offline engines: free, deterministic, no network. The pipeline's defaults."""
from aiuteur.engines.offline.animatic import AnimaticRenderer
from aiuteur.engines.offline.draft_writer import DraftWriter
from aiuteur.engines.offline.storyboard import StoryboardRenderer

__all__ = ["DraftWriter", "StoryboardRenderer", "AnimaticRenderer"]
