//! Blacklist entries: what they match and for how long.

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
