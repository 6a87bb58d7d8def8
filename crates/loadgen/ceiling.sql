-- The backtest job's three large reads of history, as the service sends them
-- (the last 31 days: the 30-day window and a margin for the look-back) — for
-- `riskdesk-loadgen --beside`: the database's own cost of a backtest.
SELECT CAST(json_group_array(json_array(id, account_id, kind, order_id, merchant, category, amount_fen, device_id, ip, lat, lon, city, status, occurred_at, rule_hits, rules_version)) AS TEXT) FROM transactions WHERE occurred_at >= (strftime('%s','now') - 31*86400) * 1000 AND occurred_at < strftime('%s','now') * 1000;
SELECT CAST(json_group_array(json_array(account_id, occurred_at, amount_fen)) AS TEXT) FROM transactions WHERE kind = 'purchase' AND status IN ('authorized', 'settled', 'refunded') AND occurred_at < (strftime('%s','now') - 31*86400) * 1000;
SELECT CAST(json_group_array(json_array(account_id, device_id)) AS TEXT) FROM (SELECT account_id, device_id FROM transactions WHERE device_id IS NOT NULL AND occurred_at < (strftime('%s','now') - 31*86400) * 1000 GROUP BY account_id, device_id) AS seen;
