-- What the rule that froze part of a line found (JSON, as `alerts.findings`),
-- for the engine's freezes; an officer's freeze has its reason only.
ALTER TABLE freezes ADD COLUMN findings TEXT;
