//! Blacklist entries: what they match and for how long.

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
        /// A SHA-256 hash of the national ID: the number itself is never listed.
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
    /// What matched, in words with numbers, or `None`.
    pub fn matches(&self, probe: &Probe<'_>) -> Option<String> {
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
                    BlacklistKind::NationalIdHash => "national ID".to_owned(),
                    _ => value.clone(),
                };
                hit.then(|| format!("{} {shown} is blacklisted", kind.as_str()))
            }
            Target::Ip(net) => net
                .contains(&probe.ip)
                .then(|| format!("IP {} is in blacklisted {net}", probe.ip)),
            Target::City(city) => (probe.city == Some(city.as_str()))
                .then(|| format!("payment in blacklisted area city:{city}")),
            Target::Circle { centre, radius_km } => {
                let distance = centre.distance_km(probe.point?);
                (distance <= *radius_km).then(|| {
                    format!(
                        "payment {distance:.1} km from the centre of a blacklisted \
                         {radius_km} km area"
                    )
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn hit(kind: BlacklistKind, value: &str) -> Option<String> {
        Target::parse(kind, value).unwrap().matches(&probe())
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
        let inside = hit(BlacklistKind::Ip, "103.21.7.0/24").unwrap();
        assert_eq!(inside, "IP 103.21.7.9 is in blacklisted 103.21.7.0/24");
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
            "payment 2.5 km from the centre of a blacklisted 5 km area"
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
