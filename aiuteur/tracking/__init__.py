"""Production tracking: a project's shots, clips and review notes in the studio's tracker, and the
tracker's notes back in aiuteur's review. One tracker today, Kitsu (Zou) through `gazu`
(`aiuteur.tracking.kitsu`, the `kitsu` extra); guide: docs/tracking.md.

    from aiuteur.tracking import kitsu
    report = kitsu.publish(store, project)      # login from $AIUTEUR_KITSU_URL/_EMAIL/_PASSWORD
    back = kitsu.sync_notes(store, project)     # Kitsu comments -> review notes, once
"""
from __future__ import annotations

from aiuteur.tracking.errors import (
    NothingToTrack, TrackerLoginRefused, TrackerNotConfigured, TrackerRefused, TrackerUnreachable, TrackingError,
)

__all__ = ["TrackingError", "TrackerNotConfigured", "TrackerLoginRefused", "TrackerUnreachable", "TrackerRefused",
           "NothingToTrack"]
