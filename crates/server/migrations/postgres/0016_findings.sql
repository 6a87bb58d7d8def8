-- What a rule found, as values (JSON: `riskdesk_domain::evidence::Finding`
-- each), rendered by each reader in their language; `evidence` keeps the
-- English sentence. Alerts raised before this have none.
ALTER TABLE alerts ADD COLUMN findings TEXT;
