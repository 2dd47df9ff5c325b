"""Pausing Python's cyclic garbage collector while a command builds many short-lived,
acyclic objects (a province's pairs, rows, log lines). Kept apart from ``reminder.state`` so
that commands which do not compute state (``deliveries``) use it without importing that."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: reading and building a province's ~120,000
    pairs and their rows (none of them in a reference cycle) otherwise sets off collections
    that walk the whole heap again and again (about a second of ``status``). Reference
    counting still frees everything; the collector resumes (if it ran before) on the way
    out, with what the block made moved to the oldest generation first (``gc.freeze`` then
    ``gc.unfreeze``): the first young collection after it would otherwise walk all of it
    (0.2 s at a province), and a full collection still does. Nests."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
