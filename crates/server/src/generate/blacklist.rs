//! The demo's blacklist: phones, national IDs, devices, IP blocks and
//! circles around places, some of them expired.

use super::*;

impl World {
    pub(super) fn blacklist(&mut self) -> Vec<BlacklistRow> {
        let now = self.params.as_of_ms;
        let mut rows = Vec::new();
        let push = |rows: &mut Vec<BlacklistRow>,
                    kind: &str,
                    value: String,
                    reason: &str,
                    expires: Option<i64>| {
            rows.push(BlacklistRow {
                id: rows.len() as i64 + 1,
                kind: kind.to_owned(),
                value,
                reason: reason.to_owned(),
                created_by: "officer.li".to_owned(),
                created_at: now - 200 * DAY + rows.len() as i64 * HOUR,
                expires_at: expires,
                removed_at: None,
                removal_requested_by: None,
                removal_requested_at: None,
                removal_reason: None,
                removed_by: None,
                version: 1,
            });
        };
        for m in data::BLACKLISTED_MERCHANTS {
            push(&mut rows, "merchant", (*m).to_owned(), "套现商户", None);
        }
        for d in self.blacklisted_devices.clone() {
            push(&mut rows, "device", d, "设备关联欺诈", None);
        }
        for i in 0..30 {
            let phone = format!(
                "1{}{:09}",
                self.rng.random_range(3..10),
                self.rng.random_range(0..1_000_000_000u32)
            );
            let expires = (i % 3 == 0).then(|| now + (i64::from(i) - 10) * 10 * DAY);
            push(&mut rows, "phone", phone, "中介代办", expires);
        }
        for i in 0..15u8 {
            push(
                &mut rows,
                "ip",
                format!("103.{}.{}.0/24", 20 + i, self.rng.random_range(0..255)),
                "代理池",
                None,
            );
            push(
                &mut rows,
                "ip",
                format!(
                    "45.{}.{}.{}",
                    60 + i,
                    self.rng.random_range(0..255),
                    self.rng.random_range(1..255)
                ),
                "撞库来源",
                Some(now + 90 * DAY),
            );
        }
        push(
            &mut rows,
            "geo_area",
            "22.2783,114.1747,5km".to_owned(),
            "跨境套现热点",
            None,
        );
        push(
            &mut rows,
            "geo_area",
            "city:拉萨".to_owned(),
            "临时地区管控",
            Some(now + 30 * DAY),
        );
        let mut listed = std::collections::HashSet::new();
        for _ in 0..10 {
            let customer = 1_000_000 + i64::from(self.rng.random_range(0..self.params.customers));
            // A value is listed once (a small portfolio draws repeats).
            if !listed.insert(customer) {
                continue;
            }
            push(
                &mut rows,
                "customer",
                customer.to_string(),
                "多头借贷",
                None,
            );
        }
        for i in 0..20u32 {
            push(
                &mut rows,
                "national_id_hash",
                // The ID itself: the store lists it as its keyed hash.
                format!("4101{i:014}"),
                "身份冒用",
                None,
            );
        }
        rows
    }
}
