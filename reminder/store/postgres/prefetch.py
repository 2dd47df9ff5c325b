"""Reading ahead: an iterator consumed by a thread of its own, a few items ahead of the caller
(``Prefetch``). The delivery log fetches rows this way, so the database renders the next rows
while this process encodes the ones it has (the socket wait releases the GIL)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

#: What the reading thread puts last: the source ended, or the exception it raised.
_END = object()


class Prefetch(Generic[T]):
    """Iterate ``source`` in a thread, ``ahead`` items ahead of the caller; the caller gets
    the items in order, then whatever ``source`` raised. Leaving the ``with`` block early stops
    the thread (``source`` is closed there, ending its transaction) and waits for it."""

    def __init__(self, source: Iterator[T], ahead: int = 3) -> None:
        self._source = source
        self._items: queue.Queue[object] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="prefetch", daemon=True)

    def _put(self, item: object) -> bool:
        """Hand ``item`` over unless the caller has stopped; False when it has."""
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    break
        except BaseException as exc:  # handed to the caller, raised there
            self._error = exc
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()
            self._put(_END)

    def __enter__(self) -> Iterator[T]:
        self._thread.start()
        return self._iterate()

    def _iterate(self) -> Iterator[T]:
        while True:
            item = self._items.get()
            if item is _END:
                if self._error is not None:
                    raise self._error
                return
            yield item  # type: ignore[misc]

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
