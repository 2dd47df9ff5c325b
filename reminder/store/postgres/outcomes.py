"""Recording send outcomes in the PostgreSQL store: one connection of the recorder's own, one
prepared statement, and group commit for concurrent senders.

Each caller of ``OutcomeRecorder.record`` returns only once its outcome is committed (so a
worker killed at any moment loses no outcome it has returned from, and re-sends at most the
messages in flight). When several senders record at once (the email pool's threads), the one
that finds the recorder idle leads: it takes every outcome waiting, applies them in one
transaction, commits, wakes the others, and the next waiting caller leads the next batch. A
single sender pays one autocommit statement per outcome.

The connection commits with ``synchronous_commit`` off (session setting): a killed worker loses
nothing, since the server has the commit; a crash of the database server itself may lose the
last fraction of a second of outcomes, whose messages are then sent again. Nothing is
pipelined past an unacknowledged commit: a batch's statements and its COMMIT are all answered
before any of its callers returns.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from reminder.errors import StoreError
from reminder.store.postgres.base import Base, Conn, _dumps, _iso
from reminder.store.records import ERROR_HISTORY, Outcome, error_to_json

# ``apply_outcome`` inside the server: merge the outcome's fields into the row's ``outcome``
# (never its ``record``: the message and items stay as written, so the update is small), append
# the error (if any) to the last ``keep`` errors kept, end the lease. Returns the key when the
# row changed; a key not returned was either applied already or does not exist.
_APPLY_OUTCOME = """
UPDATE deliveries SET
    writer = pg_current_xact_id(),
    status = %(status)s,
    next_attempt_at = %(next)s,
    lease_owner = NULL, lease_worker = NULL, lease_until = NULL,
    lease_host = NULL, lease_pid = NULL,
    outcome = outcome || %(patch)s || CASE
        WHEN %(error)s::jsonb IS NULL THEN '{}'::jsonb
        ELSE jsonb_build_object('errors', COALESCE((
            SELECT jsonb_agg(e.value ORDER BY e.n)
            FROM jsonb_array_elements(COALESCE(outcome->'errors', '[]')) WITH ORDINALITY e(value, n)
            WHERE e.n > jsonb_array_length(COALESCE(outcome->'errors', '[]')) - %(keep)s
        ), '[]'::jsonb) || %(error)s::jsonb)
    END
WHERE key = %(key)s
  -- Idempotent, as apply_outcome is: the same outcome applied again changes nothing.
  AND NOT (
    (outcome->>'attempts')::integer IS NOT DISTINCT FROM %(attempts)s
    AND (outcome->>'last_attempt_at')::timestamptz IS NOT DISTINCT FROM %(at)s
  )
RETURNING key
"""


def outcome_patch(outcome: Outcome) -> dict[str, Any]:
    """The fields ``outcome`` sets in its delivery's stored ``outcome`` (``apply_outcome``'s
    rule in stored form), the error history aside."""
    patch: dict[str, Any] = {
        "status": outcome.status,
        "attempts": outcome.attempts,
        "first_attempt_at": _iso(outcome.first_attempt_at),
        "last_attempt_at": outcome.at.isoformat(),
        "next_attempt_at": _iso(outcome.next_attempt_at),
        "last_error": None if outcome.error is None else error_to_json(outcome.error),
        "claim": None,
    }
    if outcome.status == "sent":
        patch["sent_at"] = outcome.at.isoformat()
        patch["receipt"] = (
            None
            if outcome.receipt is None
            else {"id": outcome.receipt.provider_id, "detail": outcome.receipt.detail}
        )
    return patch


def parameters(outcome: Outcome) -> dict[str, Any]:
    """The parameters of ``_APPLY_OUTCOME`` for ``outcome``."""
    return {
        "key": outcome.key,
        "status": outcome.status,
        "next": outcome.next_attempt_at,
        "patch": Jsonb(outcome_patch(outcome), dumps=_dumps),
        "error": (
            None if outcome.error is None else Jsonb([error_to_json(outcome.error)], dumps=_dumps)
        ),
        "attempts": outcome.attempts,
        "at": outcome.at,
        "keep": ERROR_HISTORY - 1,
    }


@dataclass(eq=False)
class _Waiting:
    """One caller's outcome, until a batch has committed it (or failed)."""

    outcome: Outcome
    done: bool = False
    error: StoreError | None = None


class OutcomeRecorder:
    """``Store.record_outcome`` for ``PostgresStore`` (see the module docstring). Thread-safe."""

    def __init__(self, store: Base, url: str) -> None:
        self._store = store
        self._url = url
        self._conn: Conn | None = None
        self._cond = threading.Condition()
        self._waiting: list[_Waiting] = []
        self._leading = False
        #: Transactions committed (a batch of one is one autocommit statement); for tests.
        self.batches = 0

    def waiting(self) -> int:
        """How many outcomes wait for the batch in progress to end (for tests)."""
        with self._cond:
            return len(self._waiting)

    def record(self, outcome: Outcome) -> None:
        """Commit ``outcome``, alone or in a batch with others recorded meanwhile; return once it
        is committed. ``StoreError`` when it could not be, or when no delivery has its key."""
        me = _Waiting(outcome)
        with self._cond:
            self._waiting.append(me)
        while self._lead_or_wait(me):
            pass
        if me.error is not None:
            raise me.error

    def _lead_or_wait(self, me: _Waiting) -> bool:
        """Wait while another caller leads; if ``me`` is not done by then, lead one batch (which
        may leave ``me`` waiting: a second outcome of a delivery already in it). Whether ``me``
        still waits."""
        with self._cond:
            while self._leading and not me.done:
                self._cond.wait()
            if me.done:
                return False
            self._leading = True
            batch = self._take_batch()
        # Until the batch commits, every outcome in it counts as not recorded.
        failed = StoreError(
            f"{self._store.describe()}: không ghi được kết quả gửi — thư sẽ được gửi lại"
        )
        errors = {w.outcome.key: failed for w in batch}
        try:
            errors = self._commit([w.outcome for w in batch])
        except StoreError as exc:
            errors = {w.outcome.key: StoreError(str(exc)) for w in batch}
        finally:
            with self._cond:
                for w in batch:
                    w.error = errors.get(w.outcome.key)
                    w.done = True
                self._leading = False
                self._cond.notify_all()
        return not me.done

    def _take_batch(self) -> list[_Waiting]:
        """The outcomes waiting, at most one per delivery (an outcome of a delivery already in
        the batch waits for the next one, so each delivery's outcomes apply in order)."""
        batch: list[_Waiting] = []
        rest: list[_Waiting] = []
        keys: set[str] = set()
        for w in self._waiting:
            if w.outcome.key in keys:
                rest.append(w)
            else:
                keys.add(w.outcome.key)
                batch.append(w)
        self._waiting = rest
        return batch

    def _connection(self) -> Conn:
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._conn is not None:
                self._conn.close()
            self._conn = psycopg.connect(
                self._url,
                autocommit=True,
                connect_timeout=10,
                options="-c synchronous_commit=off",
            )
        return self._conn

    def _commit(self, outcomes: Sequence[Outcome]) -> dict[str, StoreError]:
        """Apply ``outcomes`` (of distinct deliveries) in one transaction: one statement in
        autocommit, or several sent with their BEGIN and COMMIT at once, every answer read
        before returning. The errors of those whose delivery does not exist."""
        with self._store._errors("ghi kết quả gửi"):
            conn = self._connection()
            with conn.cursor() as cur:
                if len(outcomes) == 1:
                    cur.execute(_APPLY_OUTCOME, parameters(outcomes[0]), prepare=True)
                    changed = {str(row[0]) for row in cur.fetchall()}
                else:
                    with conn.pipeline(), conn.transaction():
                        cur.executemany(
                            _APPLY_OUTCOME, [parameters(o) for o in outcomes], returning=True
                        )
                    changed = set()
                    while True:
                        changed.update(str(row[0]) for row in cur.fetchall())
                        if not cur.nextset():
                            break
                unchanged = [o.key for o in outcomes if o.key not in changed]
                existing = self._existing(cur, unchanged)
            self.batches += 1
        return {
            key: StoreError(
                f"{self._store.describe()}: kết quả gửi cho {key} nhưng không có thư đó"
                " — báo lỗi này cho người phát triển"
            )
            for key in unchanged
            if key not in existing
        }

    @staticmethod
    def _existing(cur: psycopg.Cursor[Any], keys: list[str]) -> set[str]:
        if not keys:
            return set()
        cur.execute("SELECT key FROM deliveries WHERE key = ANY(%s)", [keys])
        return {str(row[0]) for row in cur.fetchall()}

    def close(self) -> None:
        """Close the connection (outcomes already returned from are committed)."""
        with self._cond:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
