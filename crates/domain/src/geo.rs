//! Distances on the Earth's surface, for the LBS rules.

/// A point in WGS-84 degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

const EARTH_RADIUS_KM: f64 = 6_371.0;

impl GeoPoint {
    /// Great-circle distance by the haversine formula, in kilometres.
    pub fn distance_km(self, other: GeoPoint) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_to_shanghai_is_about_1070_km() {
        let beijing = GeoPoint {
            lat: 39.9042,
            lon: 116.4074,
        };
        let shanghai = GeoPoint {
            lat: 31.2304,
            lon: 121.4737,
        };
        let d = beijing.distance_km(shanghai);
        assert!((1_060.0..1_075.0).contains(&d), "{d}");
        assert!(beijing.distance_km(beijing).abs() < 1e-9);
    }
}
