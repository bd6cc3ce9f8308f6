"""Continuity: matching names to assets (rapidfuzz), the status-tag lexicon, advisory risks in a
script, and flags where a visual state is contradicted."""
from aiuteur.continuity.matching import MATCH_THRESHOLD, Match, best_match, normalise_name, similarity
from aiuteur.continuity.risks import analyse_script

__all__ = ["MATCH_THRESHOLD", "Match", "best_match", "normalise_name", "similarity", "analyse_script"]
