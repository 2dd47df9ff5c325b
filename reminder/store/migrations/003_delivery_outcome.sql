-- A delivery's outcome fields (status, attempts, times, receipt, errors: what apply_outcome
-- changes) move out of `record` into a column of their own. Recording an outcome then
-- rewrites this small value only, not the message and items (kilobytes, stored compressed
-- out of line), and a reader that already holds a delivery fetches only its outcome.
-- Readers merge `outcome` over `record` (and over `head`, which the trigger of migration 002
-- recomputes from `record` here, so it loses the moved fields too).

ALTER TABLE deliveries ADD COLUMN outcome jsonb NOT NULL DEFAULT '{}'::jsonb;

UPDATE deliveries SET
    outcome = (
        SELECT COALESCE(jsonb_object_agg(f.key, f.value), '{}'::jsonb)
        FROM jsonb_each(record) f
        WHERE f.key IN ('status', 'attempts', 'first_attempt_at', 'last_attempt_at',
                        'next_attempt_at', 'sent_at', 'receipt', 'last_error', 'errors', 'claim')
    ),
    record = record - ARRAY['status', 'attempts', 'first_attempt_at', 'last_attempt_at',
                            'next_attempt_at', 'sent_at', 'receipt', 'last_error', 'errors',
                            'claim'];

