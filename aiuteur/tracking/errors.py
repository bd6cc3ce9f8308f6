"""Typed errors of production tracking: what a person can act on (a missing setting, a refused
login, a server out of reach). None of them ever carries the password or the e-mail's password
pair: messages name the environment variables, not their values."""
from __future__ import annotations


class TrackingError(Exception):
    """Publishing to, or reading from, the production tracker could not be done as asked."""


class TrackerNotConfigured(TrackingError):
    """The tracker's URL, e-mail or password is not in the environment."""


class TrackerLoginRefused(TrackingError):
    """The tracker refused the e-mail and password from the environment."""


class TrackerUnreachable(TrackingError):
    """No answer from the tracker's URL (down, wrong address, or a proxy in the way)."""


class TrackerRefused(TrackingError):
    """The tracker answered a request with an error (permissions, bad data, a server fault)."""


class NothingToTrack(TrackingError):
    """The project has nothing the tracker can hold yet (no shot list), or was never published."""


__all__ = ["TrackingError", "TrackerNotConfigured", "TrackerLoginRefused", "TrackerUnreachable", "TrackerRefused",
           "NothingToTrack"]
