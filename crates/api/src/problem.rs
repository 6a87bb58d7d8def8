//! Errors on the wire: RFC 9457 problem details with a stable code.

/// The closed set of error codes a client may match on. Messages are for
/// people; codes are for programs.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
    ts_rs::TS,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ProblemCode {
    /// The body is not valid JSON.
    MalformedJson,
    /// The body or query has an unknown field, a wrong type or a missing field.
    InvalidRequest,
    /// A value is well-formed but out of range or not allowed.
    InvalidValue,
    /// A paging cursor was altered, or used with other filters than the ones it came from.
    BadCursor,
    /// The body is larger than the service accepts.
    PayloadTooLarge,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// No such route or resource.
    NotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// No bearer token, or one the service does not know.
    Unauthenticated,
    /// The session expired (idle or absolute) or was signed out.
    SessionExpired,
    /// Wrong operator id, password or TOTP code. Deliberately says no more.
    InvalidCredentials,
    /// Too many sign-in requests, from this address or in all: retry after
    /// the `Retry-After` header's seconds.
    RateLimited,
    /// The password was a one-time one (an admin's initial password): the
    /// operator signs in again with a password of their own (`new_password`).
    PasswordChangeRequired,
    /// The operator's role does not allow this.
    Forbidden,
    /// The request took too long.
    Timeout,
    /// The record is not in a state that allows this (for example settling a declined payment).
    InvalidState,
    /// This idempotency key (an order, refund or repayment id) was used before with a different request.
    IdempotencyMismatch,
    /// A payment-platform notification failed its signature, timestamp, nonce or decryption check.
    BadNotification,
    /// A write without its `Idempotency-Key` header, or a change to a versioned record without the `version` it was based on.
    PreconditionRequired,
    /// The record changed since the version the change was based on; `current` holds it as it is now.
    StaleVersion,
    /// A request with this idempotency key is still being processed; retry the same request shortly.
    RequestInFlight,
    /// An equal record already exists (for example a live blacklist entry for the same value).
    Duplicate,
    /// The four-eyes rule: the person who made a request can never decide it.
    FourEyes,
    /// The decision needs a fresh TOTP code, and the one given was missing, wrong or already used.
    StepUpFailed,
    /// An unexpected failure inside the service; details are in its log, not here.
    Internal,
}

impl ProblemCode {
    pub fn status(self) -> u16 {
        match self {
            ProblemCode::MalformedJson
            | ProblemCode::InvalidRequest
            | ProblemCode::InvalidValue
            | ProblemCode::BadCursor => 400,
            ProblemCode::Unauthenticated
            | ProblemCode::SessionExpired
            | ProblemCode::InvalidCredentials => 401,
            ProblemCode::Forbidden | ProblemCode::PasswordChangeRequired => 403,
            ProblemCode::NotFound => 404,
            ProblemCode::MethodNotAllowed => 405,
            ProblemCode::Timeout => 408,
            ProblemCode::InvalidState => 409,
            ProblemCode::IdempotencyMismatch => 422,
            ProblemCode::BadNotification => 401,
            ProblemCode::PreconditionRequired => 428,
            ProblemCode::StaleVersion => 412,
            ProblemCode::RequestInFlight | ProblemCode::Duplicate => 409,
            ProblemCode::FourEyes | ProblemCode::StepUpFailed => 403,
            ProblemCode::PayloadTooLarge => 413,
            ProblemCode::UnsupportedMediaType => 415,
            ProblemCode::RateLimited => 429,
            ProblemCode::Internal => 500,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An `application/problem+json` body.
#[derive(
    Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct Problem {
    /// `urn:riskdesk:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: ProblemCode,
    /// What exactly was wrong, for the person reading it.
    pub detail: String,
    /// With `stale_version`: the record as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    #[ts(optional, type = "unknown")]
    pub current: Option<serde_json::Value>,
}

impl Problem {
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:riskdesk:problem:{}", code.as_str()),
            title: code.as_str().replace('_', " "),
            status: code.status(),
            code,
            detail: detail.into(),
            current: None,
        }
    }

    /// A `stale_version` problem carrying the record as it is now.
    pub fn stale(what: &str, current: impl serde::Serialize) -> Problem {
        Problem {
            current: serde_json::to_value(current).ok(),
            ..Problem::new(
                ProblemCode::StaleVersion,
                format!("the {what} changed since you loaded it; here it is as it is now"),
            )
        }
    }
}
