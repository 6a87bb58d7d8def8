-- A decision's write transaction alone, each statement its own round trip.
--
-- One authorization's SQL as the service sends it to PostgreSQL (copied from
-- pg_stat_statements, 2026-11-26): the service key, the account, the payment
-- context, then the write transaction of an approved payment without alerts.
-- The device and IP asked about have no history, so their look-backs are
-- empty. Measures what PostgreSQL alone can do, without the service
-- (docs/benchmarks.md, "What PostgreSQL alone does"). Into a scratch copy of a
-- generated portfolio, never a real one: it adds payments of 0.01 yuan.
--
--   pgbench -n -M prepared -c 50 -j 2 -T 20 -D first=<lowest account id> -D last=<highest> -f {this file} <database>
\set aid random(:first, :last)
\set ch random(1, 3)
\set seq random(1, 2000000000)
SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS now \gset
BEGIN;
SELECT status, limit_fen, used_fen, frozen_fen, (SELECT COUNT(*) FROM freezes WHERE account_id = a.id AND released_at IS NULL AND lapses_at <= :now::bigint), grade FROM accounts a WHERE id = :aid::bigint FOR UPDATE;
UPDATE accounts SET used_fen = used_fen + 1, utilisation_bp = CASE WHEN limit_fen = 0 THEN 0 ELSE (used_fen + 1) * 10000 / limit_fen END, version = version + 1 WHERE id = :aid::bigint AND limit_fen - used_fen - frozen_fen >= 1 RETURNING limit_fen - used_fen - frozen_fen, outstanding_fen;
INSERT INTO transactions (account_id, kind, order_id, merchant, category, channel, amount_fen, installments, device_id, ip, lat, lon, city, status, decision, rule_hits, occurred_at, decline_reason, grade) VALUES (:aid::bigint, 'purchase', 'pgb-' || :client_id::text || '-' || :now::bigint || '-' || :seq::text, 'm-none', 'dining', (ARRAY['in_app', 'mini_program', 'qr'])[:ch::int], 1, 1, 'dev-pgb-' || :seq::text, 'ip-' || :seq::text, 31.2, 121.4, '上海', 'authorized', 'approve', '[]', :now::bigint, NULL, (SELECT grade FROM accounts WHERE id = :aid::bigint)) RETURNING id;
INSERT INTO metric_authorizations (day, grade, city, channel, approved, review, declined, approved_fen) SELECT (t.occurred_at + 28800000) / 86400000, COALESCE(t.grade, ''), c.city, COALESCE(t.channel, ''), CASE WHEN t.decision = 'approve' THEN 1 ELSE 0 END, CASE WHEN t.decision = 'review' THEN 1 ELSE 0 END, CASE WHEN t.decision = 'decline' THEN 1 ELSE 0 END, CASE WHEN t.decision = 'decline' THEN 0 ELSE t.amount_fen END FROM transactions t JOIN accounts a ON a.id = t.account_id JOIN customers c ON c.id = a.customer_id WHERE t.decision IS NOT NULL AND t.id = (SELECT currval('transaction_ids')) AND t.occurred_at = :now::bigint ON CONFLICT (day, grade, city, channel) DO UPDATE SET approved = metric_authorizations.approved + excluded.approved, review = metric_authorizations.review + excluded.review, declined = metric_authorizations.declined + excluded.declined, approved_fen = metric_authorizations.approved_fen + excluded.approved_fen;
INSERT INTO idempotency (scope, key, request_hash, outcome, created_at) VALUES ('order', 'pgb-' || :client_id::text || '-' || :now::bigint || '-' || :seq::text, 'h', repeat('x', 140), :now::bigint);
COMMIT;
