//! Customer profiles: the basic information the scorecard reads.

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
