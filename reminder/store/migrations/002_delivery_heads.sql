-- What the state of pairs and the delivery log read, apart from the message bodies: a
-- delivery's record without its rendered message (``head``), and one row per item a delivery
-- carries (``delivery_items``), so that "the latest delivery of each (plan, task, unit) as of
-- a moment" is one indexed query instead of decoding the year's messages
-- (reminder.store.bearing says what is read). Both are kept by triggers on ``deliveries``:
-- the program's writes do not change.

ALTER TABLE deliveries ADD COLUMN head jsonb;
UPDATE deliveries SET head = record - 'message';

CREATE FUNCTION deliveries_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.head := NEW.record - 'message';
    RETURN NEW;
END
$$;
-- Leases change only the lease columns: the head is rewritten with the record alone.
CREATE TRIGGER deliveries_head BEFORE INSERT OR UPDATE OF record ON deliveries
    FOR EACH ROW EXECUTE FUNCTION deliveries_head();

-- A delivery's items never change once it is written.
CREATE TABLE delivery_items (
    key         text NOT NULL,
    plan        text NOT NULL,
    task        text NOT NULL,
    unit        text NOT NULL,
    escalation  boolean NOT NULL,               -- a message to the council about the pair
    day         date NOT NULL,
    created_at  timestamptz NOT NULL
);
INSERT INTO delivery_items (key, plan, task, unit, escalation, day, created_at)
    SELECT d.key, i->>'plan', i->>'task', i->>'unit', (i->>'kind') = 'escalation',
           d.day, d.created_at
    FROM deliveries d, jsonb_array_elements(d.record->'items') AS i;
CREATE INDEX delivery_items_latest
    ON delivery_items (plan, task, unit, day DESC, created_at DESC, key DESC)
    WHERE NOT escalation;
CREATE INDEX delivery_items_escalations ON delivery_items (plan, task, unit) WHERE escalation;

-- AFTER: only rows actually inserted (a key that existed, ON CONFLICT DO NOTHING, adds none).
CREATE FUNCTION deliveries_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO delivery_items (key, plan, task, unit, escalation, day, created_at)
        SELECT NEW.key, i->>'plan', i->>'task', i->>'unit', (i->>'kind') = 'escalation',
               NEW.day, NEW.created_at
        FROM jsonb_array_elements(NEW.record->'items') AS i;
    RETURN NULL;
END
$$;
CREATE TRIGGER deliveries_items AFTER INSERT ON deliveries
    FOR EACH ROW EXECUTE FUNCTION deliveries_items();

-- The latest acknowledgment of each pair as of a moment.
CREATE INDEX ack_events_latest ON ack_events (plan, task, unit, at DESC, id DESC);
