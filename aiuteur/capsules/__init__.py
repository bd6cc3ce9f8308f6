"""Style capsules: writing and visual libraries shared across projects, shipped presets, the
deterministic prompt-injection rule, a project's locked styles and the application log."""
from aiuteur.capsules.inject import render, visual_block, writing_block
from aiuteur.capsules.library import (
    CapsuleError, add_reference_image, capsule_history, create_capsule, delete_capsule, edit_capsule, get_capsule,
    list_capsules, preset_dir, presets,
)
from aiuteur.capsules.lock import KEYS, lock_style, locked_style, style_text
from aiuteur.capsules.log import applications, log_application
from aiuteur.capsules.models import CapsuleVersion, ReferenceImage, StyleLock, VisualCapsule, WritingCapsule

__all__ = [
    "CapsuleError", "CapsuleVersion", "ReferenceImage", "StyleLock", "VisualCapsule", "WritingCapsule",
    "add_reference_image", "capsule_history", "create_capsule", "delete_capsule", "edit_capsule", "get_capsule",
    "list_capsules", "preset_dir", "presets", "render", "visual_block", "writing_block",
    "KEYS", "lock_style", "locked_style", "style_text", "applications", "log_application",
]
