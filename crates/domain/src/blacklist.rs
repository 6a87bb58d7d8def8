//! Blacklist entries: what they match and for how long.

use crate::evidence::Finding;
use std::net::IpAddr;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;

use crate::geo::GeoPoint;

/// One blacklist entry.
#[derive(Clone, Debug, PartialEq)]
pub struct BlacklistEntry {
    pub id: i64,
    pub kind: BlacklistKind,
    /// The normalised value: an id, a phone, a hash, an IP or CIDR, an area.
    pub value: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl BlacklistEntry {
    /// Whether the entry is in force at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|expires| expires > now)
    }
}

vocabulary! {
    /// What a blacklist entry matches.
    pub enum BlacklistKind {
        Customer,
        Device,
        Phone,
        /// A keyed hash (HMAC-SHA256, the service's index key) of the national
        /// ID: the number itself is never listed.
        NationalIdHash,
        /// A single IP address or a CIDR block.
        Ip,
        Merchant,
        /// A city, or a centre and radius.
        GeoArea,
    }
}

/// What an entry's value means, parsed once so that matching is exact.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A customer id, device id, phone, national-ID hash or merchant name,
    /// matched by equality.
    Exact(BlacklistKind, String),
    /// An address or a block (a single address is a /32 or /128 block).
    Ip(IpNet),
    /// `city:深圳`: any payment located in that city.
    City(String),
    /// `22.2783,114.1747,5km`: any payment within the radius of the centre.
    Circle { centre: GeoPoint, radius_km: f64 },
}

/// Why a blacklist value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} value {value:?}: {why}")]
pub struct TargetError {
    pub kind: &'static str,
    pub value: String,
    pub why: &'static str,
}

impl Target {
    pub fn parse(kind: BlacklistKind, value: &str) -> Result<Target, TargetError> {
        let refuse = |why| TargetError {
            kind: kind.as_str(),
            value: value.to_owned(),
            why,
        };
        match kind {
            BlacklistKind::Ip => {
                let net = IpNet::from_str(value)
                    .or_else(|_| IpAddr::from_str(value).map(IpNet::from))
                    .map_err(|_| refuse("expected an IP address or a CIDR block"))?;
                Ok(Target::Ip(net.trunc()))
            }
            BlacklistKind::GeoArea => {
                if let Some(city) = value.strip_prefix("city:") {
                    return match city.trim() {
                        "" => Err(refuse("expected a city name after city:")),
                        city => Ok(Target::City(city.to_owned())),
                    };
                }
                let parts: Vec<&str> = value.split(',').map(str::trim).collect();
                let [lat, lon, radius] = parts[..] else {
                    return Err(refuse("expected city:NAME or LAT,LON,RADIUSkm"));
                };
                let number = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite());
                let lat = number(lat).filter(|v| (-90.0..=90.0).contains(v));
                let lon = number(lon).filter(|v| (-180.0..=180.0).contains(v));
                let radius_km = radius
                    .strip_suffix("km")
                    .and_then(number)
                    .filter(|r| *r > 0.0 && *r <= 2_000.0);
                match (lat, lon, radius_km) {
                    (Some(lat), Some(lon), Some(radius_km)) => Ok(Target::Circle {
                        centre: GeoPoint { lat, lon },
                        radius_km,
                    }),
                    _ => Err(refuse(
                        "latitude −90…90, longitude −180…180 and a radius of 0–2,000 km",
                    )),
                }
            }
            _ if value.trim().is_empty() => Err(refuse("empty value")),
            _ => Ok(Target::Exact(kind, value.to_owned())),
        }
    }
}

/// The value an operator typed, in the one form it is listed and matched in:
/// phones as 11 digits (spaces, dashes and a +86 prefix dropped), national
/// IDs as their hash (the ID's check character verified first), IP addresses
/// and blocks in canonical form, areas as `city:NAME` or `LAT,LON,Rkm`.
pub fn normalise(kind: BlacklistKind, raw: &str) -> Result<String, TargetError> {
    let value = raw.trim();
    let refuse = |why| TargetError {
        kind: kind.as_str(),
        value: raw.to_owned(),
        why,
    };
    if value.is_empty() {
        return Err(refuse("empty value"));
    }
    match kind {
        BlacklistKind::Customer => match value.parse::<i64>() {
            Ok(id) if id > 0 => Ok(id.to_string()),
            _ => Err(refuse("expected a customer id (a positive number)")),
        },
        BlacklistKind::Phone => {
            let digits: String = value
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
                .collect();
            let digits = ["+86", "0086", "86"]
                .iter()
                .find_map(|p| digits.strip_prefix(p).filter(|d| d.len() == 11))
                .unwrap_or(&digits);
            let mobile = digits.len() == 11
                && digits.starts_with('1')
                && matches!(digits.as_bytes()[1], b'3'..=b'9')
                && digits.chars().all(|c| c.is_ascii_digit());
            if mobile {
                Ok(digits.to_owned())
            } else {
                Err(refuse(
                    "expected a mainland mobile number: 11 digits starting 13–19",
                ))
            }
        }
        BlacklistKind::NationalIdHash => {
            if value.len() == 64 && value.chars().all(|c| c.is_ascii_hexdigit()) {
                return Ok(value.to_ascii_lowercase());
            }
            let id = value.to_ascii_uppercase();
            if id.len() != 18 || !id.is_ascii() {
                return Err(refuse("expected an 18-character resident ID (or its hash)"));
            }
            // The ID itself: the service lists it as its keyed hash, which
            // only the service can compute.
            match crate::pii::national_id_check(&id[..17]) {
                Some(check) if id.ends_with(check) => Ok(id),
                Some(_) => Err(refuse("the ID's check character does not match its digits")),
                None => Err(refuse("the first 17 characters of an ID are digits")),
            }
        }
        BlacklistKind::Ip => match Target::parse(kind, value)? {
            Target::Ip(net) if net.prefix_len() == net.max_prefix_len() => {
                Ok(net.addr().to_string())
            }
            Target::Ip(net) => Ok(net.to_string()),
            _ => unreachable!("an IP kind parses to an IP target"),
        },
        BlacklistKind::GeoArea => match Target::parse(kind, value)? {
            Target::City(city) => Ok(format!("city:{city}")),
            Target::Circle { centre, radius_km } => Ok(format!(
                "{},{},{}km",
                decimal(centre.lat, 4),
                decimal(centre.lon, 4),
                decimal(radius_km, 1)
            )),
            _ => unreachable!("an area kind parses to an area target"),
        },
        BlacklistKind::Device | BlacklistKind::Merchant => {
            if value.chars().count() > 128 || value.chars().any(char::is_control) {
                Err(refuse("at most 128 characters, no control characters"))
            } else {
                Ok(value.to_owned())
            }
        }
    }
}

/// `value` rounded to `places`, without trailing zeros: 5.0 → "5".
fn decimal(value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Everything about one payment that a blacklist entry could name.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe<'a> {
    pub customer_id: i64,
    pub phone: &'a str,
    pub national_id_hash: &'a str,
    pub device_id: &'a str,
    pub ip: IpAddr,
    pub merchant: &'a str,
    pub point: Option<GeoPoint>,
    pub city: Option<&'a str>,
}

impl Target {
    /// What entry `entry` (this target) found in the payment, or `None`.
    pub fn matches(&self, entry: i64, probe: &Probe<'_>) -> Option<Finding> {
        match self {
            Target::Exact(kind, value) => {
                let hit = match kind {
                    BlacklistKind::Customer => probe.customer_id.to_string() == *value,
                    BlacklistKind::Device => probe.device_id == value,
                    BlacklistKind::Phone => probe.phone == value,
                    BlacklistKind::NationalIdHash => probe.national_id_hash == value,
                    BlacklistKind::Merchant => probe.merchant == value,
                    BlacklistKind::Ip | BlacklistKind::GeoArea => false,
                };
                let shown = match kind {
                    BlacklistKind::Phone => crate::pii::mask_phone(value),
                    BlacklistKind::NationalIdHash => String::new(),
                    _ => value.clone(),
                };
                hit.then_some(Finding::Blacklisted {
                    entry,
                    kind: *kind,
                    value: shown,
                })
            }
            Target::Ip(net) => net
                .contains(&probe.ip)
                .then(|| Finding::BlacklistedAddress {
                    entry,
                    ip: probe.ip.to_string(),
                    net: net.to_string(),
                }),
            Target::City(city) => {
                (probe.city == Some(city.as_str())).then(|| Finding::BlacklistedCity {
                    entry,
                    city: city.clone(),
                })
            }
            Target::Circle { centre, radius_km } => {
                let distance = centre.distance_km(probe.point?);
                (distance <= *radius_km).then(|| Finding::BlacklistedArea {
                    entry,
                    km: (distance * 10.0).round() / 10.0,
                    radius_km: *radius_km,
                })
            }
        }
    }
}

/// The steps of a blacklist entry's removal under four eyes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemovalStep {
    Request,
    Approve,
    Reject,
}

/// Why a step of an entry's removal was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalRefusal {
    #[error("the entry was already removed")]
    Removed,
    #[error("{0} already asked to remove this entry")]
    Asked(String),
    #[error("nobody asked to remove this entry")]
    NobodyAsked,
    #[error("you asked for this removal; a second person must approve it")]
    OwnRequest,
}

/// Whether `actor` may take `step` on an entry (`removed` already or not,
/// its removal asked for by `requested_by`): one person asks, another
/// approves; either may reject.
pub fn may_remove(
    step: RemovalStep,
    removed: bool,
    requested_by: Option<&str>,
    actor: &str,
) -> Result<(), RemovalRefusal> {
    match (step, requested_by) {
        _ if removed => Err(RemovalRefusal::Removed),
        (RemovalStep::Request, Some(by)) => Err(RemovalRefusal::Asked(by.to_owned())),
        (RemovalStep::Approve | RemovalStep::Reject, None) => Err(RemovalRefusal::NobodyAsked),
        (RemovalStep::Approve, Some(by)) if by == actor => Err(RemovalRefusal::OwnRequest),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_listed_in_one_normal_form() {
        use BlacklistKind::*;
        let ok = |kind, raw: &str| normalise(kind, raw).unwrap();
        assert_eq!(ok(Phone, "+86 138-1234-5678"), "13812345678");
        assert_eq!(ok(Phone, "0086 13812345678"), "13812345678");
        assert_eq!(ok(Phone, " 138 1234 5678 "), "13812345678");
        assert!(normalise(Phone, "12812345678").is_err());
        assert!(normalise(Phone, "1381234567").is_err());
        assert_eq!(
            ok(NationalIdHash, "11010519491231002x"),
            "11010519491231002X"
        );
        let hash = "ab".repeat(32);
        assert_eq!(ok(NationalIdHash, &hash.to_uppercase()), hash);
        let wrong_check = normalise(NationalIdHash, "110105194912310021").unwrap_err();
        assert_eq!(
            wrong_check.why,
            "the ID's check character does not match its digits"
        );
        assert_eq!(ok(Ip, " 10.1.2.3 "), "10.1.2.3");
        assert_eq!(ok(Ip, "10.1.2.3/24"), "10.1.2.0/24");
        assert_eq!(ok(Ip, "2001:DB8::1/32"), "2001:db8::/32");
        assert!(normalise(Ip, "10.1.2.300").is_err());
        assert_eq!(ok(GeoArea, "city: 深圳 "), "city:深圳");
        assert_eq!(
            ok(GeoArea, "22.27834, 114.17469, 5.00km"),
            "22.2783,114.1747,5km"
        );
        assert!(normalise(GeoArea, "95,114,5km").is_err());
        assert_eq!(ok(Customer, "0001000042"), "1000042");
        assert!(normalise(Customer, "-3").is_err());
        assert_eq!(ok(Merchant, " 某游戏充值 "), "某游戏充值");
        assert!(normalise(Device, "").is_err());
        assert!(normalise(Device, "a\u{7}b").is_err());
    }

    fn probe() -> Probe<'static> {
        Probe {
            customer_id: 1_000_042,
            phone: "13812345678",
            national_id_hash: "ab12",
            device_id: "dev-1",
            ip: "103.21.7.9".parse().unwrap(),
            merchant: "某游戏充值",
            point: Some(GeoPoint {
                lat: 22.30,
                lon: 114.17,
            }),
            city: Some("香港"),
        }
    }

    /// What entry #7, listing `value`, finds in the payment, in English.
    fn hit(kind: BlacklistKind, value: &str) -> Option<String> {
        Target::parse(kind, value)
            .unwrap()
            .matches(7, &probe())
            .map(|f| f.english())
    }

    #[test]
    fn every_kind_matches_what_it_names_and_nothing_else() {
        use BlacklistKind::*;
        assert!(hit(Customer, "1000042").is_some());
        assert!(hit(Customer, "1000043").is_none());
        assert!(hit(Device, "dev-1").is_some());
        assert!(hit(Phone, "13812345678").is_some());
        assert!(hit(Phone, "13812345679").is_none());
        assert!(hit(NationalIdHash, "ab12").is_some());
        assert!(hit(Merchant, "某游戏充值").is_some());
        assert!(hit(Ip, "103.21.7.9").is_some());
        assert!(hit(Ip, "103.21.7.10").is_none());
        assert!(hit(GeoArea, "city:香港").is_some());
        assert!(hit(GeoArea, "city:深圳").is_none());
    }

    #[test]
    fn cidr_blocks_match_their_addresses_only() {
        let inside = Target::parse(BlacklistKind::Ip, "103.21.7.0/24")
            .unwrap()
            .matches(7, &probe());
        assert_eq!(
            inside,
            Some(Finding::BlacklistedAddress {
                entry: 7,
                ip: "103.21.7.9".to_owned(),
                net: "103.21.7.0/24".to_owned()
            })
        );
        assert_eq!(
            hit(BlacklistKind::Ip, "103.21.7.0/24").unwrap(),
            "IP 103.21.7.9 is in blacklisted 103.21.7.0/24 (entry #7)"
        );
        assert!(hit(BlacklistKind::Ip, "103.21.7.10/31").is_none());
        assert!(hit(BlacklistKind::Ip, "103.21.7.8/30").is_some());
        // A block written with host bits set means the block.
        assert_eq!(
            Target::parse(BlacklistKind::Ip, "103.21.7.9/24").unwrap(),
            Target::parse(BlacklistKind::Ip, "103.21.7.0/24").unwrap()
        );
        assert!(hit(BlacklistKind::Ip, "2001:db8::/32").is_none());
    }

    #[test]
    fn a_circle_matches_inside_its_radius() {
        // 22.2783,114.1747 → 22.30,114.17 is about 2.46 km.
        assert!(hit(BlacklistKind::GeoArea, "22.2783,114.1747,2.5km").is_some());
        assert!(hit(BlacklistKind::GeoArea, "22.2783,114.1747,2.4km").is_none());
        let evidence = hit(BlacklistKind::GeoArea, "22.2783,114.1747,5km").unwrap();
        assert_eq!(
            evidence,
            "payment 2.5 km from the centre of a blacklisted 5 km area (entry #7)"
        );
    }

    #[test]
    fn malformed_values_are_refused_with_the_reason() {
        for (kind, value) in [
            (BlacklistKind::Ip, "103.21.7"),
            (BlacklistKind::Ip, "103.21.7.0/33"),
            (BlacklistKind::GeoArea, "22.2,114.1"),
            (BlacklistKind::GeoArea, "95,114.1,5km"),
            (BlacklistKind::GeoArea, "22.2,114.1,5"),
            (BlacklistKind::GeoArea, "22.2,114.1,-1km"),
            (BlacklistKind::GeoArea, "city: "),
            (BlacklistKind::Device, " "),
        ] {
            let error = Target::parse(kind, value).unwrap_err();
            assert_eq!(error.value, value);
        }
    }
}
