-- One authorization's SQL as the service sends it to PostgreSQL (copied from
-- pg_stat_statements, 2026-11-26): the service key, the account, the payment
-- context, then the write transaction of an approved payment without alerts.
-- The device and IP asked about have no history, so their look-backs are
-- empty. Measures what PostgreSQL alone can do, without the service
-- (docs/benchmarks.md, "What PostgreSQL alone does"). Into a scratch copy of a
-- generated portfolio, never a real one: it adds payments of 0.01 yuan.
--
--   pgbench -n -M prepared -c 50 -j 2 -T 20 -D first=<lowest account id> -D last=<highest> \
--       -D reads=1 -D pipelined=0 -f decision.sql <database>
--
-- reads=0: the write transaction alone; pipelined=1: every statement in one
-- round trip (pipeline mode), the least any client could send.
\set aid random(:first, :last)
\set ch random(1, 3)
\set seq random(1, 2000000000)
SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS now \gset
\if :pipelined
\startpipeline
\endif
\if :reads
SELECT id, key_hash, created_at, revoked_at FROM service_clients WHERE key_hash = 'nope';
SELECT a.id, a.customer_id, a.limit_fen, a.used_fen, a.frozen_fen, a.outstanding_fen, a.utilisation_bp, a.dpd, a.max_dpd_12m, a.on_time_bp, a.purchases_per_month, a.bill_to_limit_bp, a.score, a.scored_at, a.grade, a.status, a.bill_day, a.due_day, a.opened_at, a.version, c.name_masked, c.phone, c.city, c.name, c.national_id, c.home_lat, c.home_lon, c.age, c.occupation, c.income_band, c.kyc_level, c.night_login_bp, c.created_at AS customer_since FROM accounts a JOIN customers c ON c.id = a.customer_id WHERE a.id = :aid::bigint;
SELECT (SELECT CAST(json_agg(json_build_object('occurred_at', occurred_at, 'amount_fen', amount_fen, 'status', status, 'lat', lat, 'lon', lon, 'city', city)) AS TEXT) FROM transactions WHERE account_id = :aid::bigint AND kind = 'purchase' AND occurred_at > (:now::bigint-86400000) AND occurred_at <= :now::bigint) AS account, (SELECT CAST(json_agg(json_build_object('occurred_at', occurred_at, 'amount_fen', amount_fen, 'status', status, 'lat', lat, 'lon', lon, 'city', city)) AS TEXT) FROM transactions WHERE device_id = 'dev-absent' AND kind = 'purchase' AND occurred_at > (:now::bigint-86400000) AND occurred_at <= :now::bigint) AS device, (SELECT CAST(json_agg(json_build_object('occurred_at', occurred_at, 'amount_fen', amount_fen, 'status', status, 'lat', lat, 'lon', lon, 'city', city)) AS TEXT) FROM transactions WHERE ip = '10.99.99.99' AND kind = 'purchase' AND occurred_at > (:now::bigint-3600000) AND occurred_at <= :now::bigint) AS ip, (SELECT CAST(json_agg(amount_fen) AS TEXT) FROM (SELECT amount_fen FROM transactions WHERE account_id = :aid::bigint AND kind = 'purchase' AND status IN ('authorized', 'settled', 'refunded') AND occurred_at < :now::bigint ORDER BY occurred_at DESC LIMIT 50) AS recent) AS recent, (SELECT COUNT(*) FROM (SELECT 1 FROM transactions WHERE account_id = :aid::bigint AND device_id = 'dev-absent' AND occurred_at < :now::bigint LIMIT 1) AS seen) AS seen, (SELECT CAST(json_agg(json_build_object('id', id, 'kind', kind, 'value', value, 'reason', reason, 'created_by', created_by, 'created_at', created_at, 'expires_at', expires_at, 'removed_at', removed_at, 'removal_requested_by', removal_requested_by, 'removal_requested_at', removal_requested_at, 'removal_reason', removal_reason, 'removed_by', removed_by, 'version', version)) AS TEXT) FROM blacklist WHERE removed_at IS NULL AND (expires_at IS NULL OR expires_at > :now::bigint) AND (kind = 'geo_area' OR (kind = 'ip' AND value LIKE '%/%') OR (kind = 'device' AND value = 'dev-absent') OR (kind = 'ip' AND value = '10.99.99.99') OR (kind = 'merchant' AND value = 'm-none') OR (kind = 'phone' AND value = 'p') OR (kind = 'id' AND value = 'q') OR (kind = 'name' AND value = 'n'))) AS blacklist;
\endif
BEGIN;
SELECT status, limit_fen, used_fen, frozen_fen, (SELECT COUNT(*) FROM freezes WHERE account_id = a.id AND released_at IS NULL AND lapses_at <= :now::bigint), grade FROM accounts a WHERE id = :aid::bigint FOR UPDATE;
UPDATE accounts SET used_fen = used_fen + 1, utilisation_bp = CASE WHEN limit_fen = 0 THEN 0 ELSE (used_fen + 1) * 10000 / limit_fen END, version = version + 1 WHERE id = :aid::bigint AND limit_fen - used_fen - frozen_fen >= 1 RETURNING limit_fen - used_fen - frozen_fen, outstanding_fen;
INSERT INTO transactions (account_id, kind, order_id, merchant, category, channel, amount_fen, installments, device_id, ip, lat, lon, city, status, decision, rule_hits, occurred_at, decline_reason, grade) VALUES (:aid::bigint, 'purchase', 'pgb-' || :client_id::text || '-' || :now::bigint || '-' || :seq::text, 'm-none', 'dining', (ARRAY['in_app', 'mini_program', 'qr'])[:ch::int], 1, 1, 'dev-pgb-' || :seq::text, 'ip-' || :seq::text, 31.2, 121.4, '上海', 'authorized', 'approve', '[]', :now::bigint, NULL, (SELECT grade FROM accounts WHERE id = :aid::bigint)) RETURNING id;
INSERT INTO metric_authorizations (day, grade, city, channel, approved, review, declined, approved_fen) SELECT (t.occurred_at + 28800000) / 86400000, COALESCE(t.grade, ''), c.city, COALESCE(t.channel, ''), CASE WHEN t.decision = 'approve' THEN 1 ELSE 0 END, CASE WHEN t.decision = 'review' THEN 1 ELSE 0 END, CASE WHEN t.decision = 'decline' THEN 1 ELSE 0 END, CASE WHEN t.decision = 'decline' THEN 0 ELSE t.amount_fen END FROM transactions t JOIN accounts a ON a.id = t.account_id JOIN customers c ON c.id = a.customer_id WHERE t.decision IS NOT NULL AND t.id = (SELECT currval('transaction_ids')) AND t.occurred_at = :now::bigint ON CONFLICT (day, grade, city, channel) DO UPDATE SET approved = metric_authorizations.approved + excluded.approved, review = metric_authorizations.review + excluded.review, declined = metric_authorizations.declined + excluded.declined, approved_fen = metric_authorizations.approved_fen + excluded.approved_fen;
INSERT INTO idempotency (scope, key, request_hash, outcome, created_at) VALUES ('order', 'pgb-' || :client_id::text || '-' || :now::bigint || '-' || :seq::text, 'h', repeat('x', 140), :now::bigint);
COMMIT;
\if :pipelined
\endpipeline
\endif
