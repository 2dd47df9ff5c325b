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
    lease_owner     text,                       -- the pass holding it, NULL when none
    lease_worker    integer,                     -- its worker id (see workers), NULL when none
    lease_until     timestamptz,                -- judged by the database clock
    created_at      timestamptz NOT NULL,
    record          jsonb NOT NULL
);
CREATE INDEX deliveries_unfinished ON deliveries (status) WHERE status IN ('pending', 'retry');
CREATE INDEX deliveries_day ON deliveries (day);

CREATE TABLE ack_events (
    id          bigserial PRIMARY KEY,          -- the order events were recorded in
    plan        text NOT NULL,
    task        text NOT NULL,
    unit        text NOT NULL,
    at          timestamptz NOT NULL,
    record      jsonb NOT NULL
);
CREATE INDEX ack_events_pair ON ack_events (plan, task, unit);

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

-- A worker claims a week's digest before sending it, so two workers never both send it; a
-- claim whose worker is gone or whose time ran out is taken over.
CREATE TABLE digest_claims (
    week        text PRIMARY KEY,
    owner       text NOT NULL,
    worker      integer NOT NULL,
    until       timestamptz NOT NULL
);

-- Small keyed records of other features (reminder.store.records.RecordKind).
CREATE TABLE records (
    kind        text NOT NULL,
    key         text NOT NULL,
    seq         bigserial,
    record      jsonb NOT NULL,
    PRIMARY KEY (kind, key)
);

-- Each store instance (process) takes a worker id and holds a session advisory lock on it for
-- its life: a lease whose worker no longer holds its lock belongs to a process that has ended
-- (killed, crashed, connection lost), and is taken over without waiting for lease_until.
CREATE SEQUENCE worker_ids AS integer MINVALUE 1 CYCLE;
