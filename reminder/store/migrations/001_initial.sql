-- The first schema of the PostgreSQL store. Columns hold what is queried or locked (keys,
-- status, lease, times); the rest of a record is its JSON form (reminder.store.records), the
-- same the TinyDB files keep, so both stores read and write one shape.

CREATE TABLE deliveries (
    key             text PRIMARY KEY,           -- unit/channel/day: one message per unit per day
    day             date NOT NULL,
    recipient       text NOT NULL,
    channel         text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'retry', 'sent', 'failed', 'dead')),
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL,
    -- The lease: the pass holding it, the worker (store instance) that took it, until when
    -- (the database clock), and where that process runs. All NULL when nobody holds it.
    lease_owner     text,
    lease_worker    integer,
    lease_until     timestamptz,
    lease_host      text,
    lease_pid       integer,
    record          jsonb NOT NULL,             -- the rest, in the records' JSON form
    -- The transaction that last wrote the row: readers keep what they decoded and fetch only
    -- rows written since the oldest transaction still running at their previous read.
    writer          xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX deliveries_unfinished ON deliveries (day, created_at)
    WHERE status IN ('pending', 'retry');
CREATE INDEX deliveries_day ON deliveries (day, created_at);
CREATE INDEX deliveries_lease_owner ON deliveries (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE INDEX deliveries_writer ON deliveries (writer);

-- Worker ids: each store instance takes one and holds pg_advisory_lock(namespace, id) for its
-- life. A lease whose worker no longer holds that lock belongs to a process that has ended
-- (killed, crashed, connection lost): it is free without waiting for lease_until.
CREATE SEQUENCE worker_ids AS integer MINVALUE 1 CYCLE;

CREATE TABLE ack_events (
    id          bigserial PRIMARY KEY,          -- the order events were recorded in
    plan        text NOT NULL,
    task        text NOT NULL,
    unit        text NOT NULL,
    at          timestamptz NOT NULL,
    record      jsonb NOT NULL,
    writer      xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX ack_events_pair ON ack_events (plan, task, unit);
CREATE INDEX ack_events_writer ON ack_events (writer);

CREATE TABLE channel_state (
    name        text PRIMARY KEY,
    version     integer NOT NULL,
    record      jsonb NOT NULL
);

CREATE TABLE digest_runs (
    week        text PRIMARY KEY,               -- "2025-W26": one digest per week
    sent_at     timestamptz NOT NULL,
    record      jsonb NOT NULL
);

-- Small keyed records of other features (reminder.store.records.RecordKind).
CREATE TABLE records (
    kind        text NOT NULL,
    key         text NOT NULL,
    seq         bigserial,
    record      jsonb NOT NULL,
    PRIMARY KEY (kind, key)
);

-- What the health check writes (one row, rewritten): proves the database takes writes.
CREATE TABLE health_probe (
    id          integer PRIMARY KEY,
    at          timestamptz NOT NULL
);
