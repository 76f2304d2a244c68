"""Japanese distress assessment: ``assess(text) -> Assessment(level, categories, evidence)``.

Pure domain code (no Telegram, no database). Rules live in ``lexicon.toml``.
"""

from .assessor import Assessment, Assessor, Evidence, assess, assess_many, default_assessor
from .levels import CATEGORIES, Level

__all__ = [
    "CATEGORIES",
    "Assessment",
    "Assessor",
    "Evidence",
    "Level",
    "assess",
    "assess_many",
    "default_assessor",
]
