//! Blacklist entries: what they match and for how long.

use chrono::{DateTime, Utc};

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
