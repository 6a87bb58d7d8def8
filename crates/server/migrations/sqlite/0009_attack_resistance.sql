-- Attack resistance.

-- Lockouts grow (1, 5, 30 minutes) instead of repeating: how many in a row
-- the operator has had since their last successful sign-in.
ALTER TABLE operators ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
-- Wrong step-up codes in a row: at five, the session ends.
ALTER TABLE operators ADD COLUMN step_up_failures INTEGER NOT NULL DEFAULT 0;
