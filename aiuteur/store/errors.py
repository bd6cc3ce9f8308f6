"""Typed errors of the store; messages say what to do next."""


class StoreError(Exception):
    """Base of everything the store raises on purpose."""


class WorkspaceDamaged(StoreError):
    """The workspace file cannot be read or written: truncated, damaged, or the disk failed."""


class ProjectNotFound(StoreError):
    pass


class ProjectExists(StoreError):
    pass


class ConfirmationRequired(StoreError):
    pass


class VersionNotFound(StoreError):
    pass


class BranchError(StoreError):
    pass
