//! Customer profiles: the basic information the scorecard reads.

use chrono::{DateTime, Utc};

use crate::geo::GeoPoint;

/// A customer. Name, phone and national ID are personal data: they leave the
/// service masked (see [`crate::pii`]).
#[derive(Clone, PartialEq)]
pub struct CustomerProfile {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub national_id: String,
    pub age: u8,
    pub occupation: Occupation,
    pub income_band: IncomeBand,
    pub city: String,
    pub home: GeoPoint,
    pub kyc_level: KycLevel,
    /// Share of logins between midnight and 5 a.m., in basis points.
    pub night_login_bp: u32,
    pub customer_since: DateTime<Utc>,
}

/// Personal data never prints, not even in a log line.
impl std::fmt::Debug for CustomerProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerProfile")
            .field("id", &self.id)
            .field("name", &crate::pii::mask_name(&self.name))
            .field("phone", &crate::pii::mask_phone(&self.phone))
            .field(
                "national_id",
                &crate::pii::mask_national_id(&self.national_id),
            )
            .field("age", &self.age)
            .field("city", &self.city)
            .finish_non_exhaustive()
    }
}

vocabulary! {
    /// Occupation as declared at onboarding.
    pub enum Occupation {
        CivilServant,
        Professional,
        OfficeWorker,
        Teacher,
        Healthcare,
        SelfEmployed,
        FactoryWorker,
        ServiceWorker,
        Student,
        Freelancer,
        Retired,
        Unemployed,
    }
}

vocabulary! {
    /// Monthly income band in CNY.
    pub enum IncomeBand {
        /// Under ¥3,000.
        Under3k,
        /// ¥3,000–¥8,000.
        From3kTo8k,
        /// ¥8,000–¥15,000.
        From8kTo15k,
        /// ¥15,000–¥30,000.
        From15kTo30k,
        /// Over ¥30,000.
        Over30k,
    }
}

vocabulary! {
    /// How thoroughly the customer's identity was verified.
    pub enum KycLevel {
        /// Phone number only.
        Basic,
        /// National ID checked against the registry.
        Verified,
        /// ID plus face match.
        Enhanced,
    }
}
