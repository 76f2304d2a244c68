"""Levels and categories of worry, shared by the assessor and the escalation ladder."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CATEGORIES", "Level"]

# The fixed multi-label set; order is the order categories are reported in.
CATEGORIES: tuple[str, ...] = (
    "suicide",
    "self_harm",
    "violence",
    "medical",
    "food",
    "money",
    "housing",
    "loneliness",
    "mood",
    "sleep",
    "health",
    "abuse",
    "addiction",
    "legal",
    "help_request",
)

_RANKS = {"none": 0, "watch": 1, "high": 2, "urgent": 3}


class Level(StrEnum):
    """How worried the team should be. Compares by severity: ``Level.HIGH > Level.WATCH``."""

    NONE = "none"
    WATCH = "watch"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 for none up to 3 for urgent (the ladder maps urgent→P1, high→P2, watch→P3)."""
        return _RANKS[self.value]

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Level):
            return self.rank < other.rank
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, Level):
            return self.rank <= other.rank
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, Level):
            return self.rank > other.rank
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, Level):
            return self.rank >= other.rank
        return NotImplemented
