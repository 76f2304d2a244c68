"""Keeping the garbage collector away from the heap that lives as long as the process.

After start-up the bot holds ~100k long-lived objects (modules, PTB, SQLAlchemy, the distress
lexicon). A full collection walks all of them — 40–100 ms on a shared 2-core machine, and the
event loop stands still meanwhile — and busy work such as a 100k-people sweep triggers one
every few thousand people. Frozen, they are skipped: full collections only walk what was
allocated since.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect once, then move every surviving object out of the collector's generations."""
    gc.collect()
    gc.freeze()
