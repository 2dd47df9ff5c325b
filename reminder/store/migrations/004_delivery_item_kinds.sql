-- The kind of each item a delivery carries (open, before_due, due, overdue, escalation) beside
-- its pair in ``delivery_items``: what the state of pairs reads of the deliveries
-- (reminder.store.bearing.pair_deliveries: each pair's last delivery with the kind it carried,
-- and its escalations) is then chosen from this table and fetched from the scalar columns and
-- the outcome of ``deliveries``, without decoding any delivery's record. The table is rebuilt
-- from the heads (its rows never change once written); ``escalation`` now follows from ``kind``.

DROP TABLE delivery_items;
CREATE TABLE delivery_items (
    key         text NOT NULL,
    plan        text NOT NULL,
    task        text NOT NULL,
    unit        text NOT NULL,
    kind        text NOT NULL,
    escalation  boolean GENERATED ALWAYS AS (kind = 'escalation') STORED,
    day         date NOT NULL,
    created_at  timestamptz NOT NULL
);
INSERT INTO delivery_items (key, plan, task, unit, kind, day, created_at)
    SELECT d.key, i->>'plan', i->>'task', i->>'unit', i->>'kind', d.day, d.created_at
    FROM deliveries d, jsonb_array_elements(d.head->'items') AS i;
-- ``kind`` last: the latest delivery of a pair is found in the index, and read from it alone.
CREATE INDEX delivery_items_latest
    ON delivery_items (plan, task, unit, day DESC, created_at DESC, key DESC, kind)
    WHERE NOT escalation;
CREATE INDEX delivery_items_escalations ON delivery_items (plan, task, unit) WHERE escalation;
ANALYZE delivery_items;

CREATE OR REPLACE FUNCTION deliveries_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO delivery_items (key, plan, task, unit, kind, day, created_at)
        SELECT NEW.key, i->>'plan', i->>'task', i->>'unit', i->>'kind', NEW.day, NEW.created_at
        FROM jsonb_array_elements(NEW.record->'items') AS i;
    RETURN NULL;
END
$$;
