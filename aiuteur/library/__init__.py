"""The global asset library: characters, locations and props shared by every project in a workspace.

Search and filter by name, kind and tag; import an entry into a project (the project's copy
remembers the library version it came from); promote a project's asset into the library; delete
an entry only when no project uses it (the refusal lists the projects).
"""
from aiuteur.library.library import (
    LibraryError, LibraryInUse, add, delete, get, history, import_asset, promote, search, usage,
)
from aiuteur.library.models import LibraryAsset, LibraryUsage

__all__ = ["LibraryAsset", "LibraryError", "LibraryInUse", "LibraryUsage", "add", "delete", "get", "history",
           "import_asset", "promote", "search", "usage"]
