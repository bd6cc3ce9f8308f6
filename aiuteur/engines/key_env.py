"""Which environment variables may hold each provider's API key — data only.

The key readers (`aiuteur.engines.providers.keys`, which re-exports `KEY_ENV`) and the secret
scrubber (`aiuteur.engines.secrets`) both need it; it lives here, importing nothing, so neither
imports the other (tests/unit/test_import_graph.py).
"""
from __future__ import annotations

#: provider -> environment variables that may hold its key, in the order the SDKs prefer them
KEY_ENV: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY",),
    "gemini": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    "imagen": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),  # Vertex AI express mode only (see VERTEX_PROVIDERS)
    "veo": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),  # Vertex AI express mode only
    "anthropic": ("ANTHROPIC_API_KEY",),
    "fal": ("FAL_KEY",),
    "openai-compatible": ("AIUTEUR_OPENAI_COMPATIBLE_API_KEY",),
    "elevenlabs": ("ELEVENLABS_API_KEY",),
}
