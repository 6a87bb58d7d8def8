//! Every error leaves the service as `application/problem+json` with a stable
//! code; extractors are wrapped so that bad bodies, queries and paths do too.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use riskdesk_api::{Problem, ProblemCode};

/// A handler's error: a problem to show the client, or an internal failure
/// whose detail goes to the log only.
#[derive(Debug)]
pub enum ApiError {
    Problem(Problem),
    Internal(anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> ApiError {
        ApiError::Problem(Problem::new(code, detail))
    }

    pub fn invalid(detail: impl Into<String>) -> ApiError {
        ApiError::new(ProblemCode::InvalidValue, detail)
    }

    pub fn not_found(what: impl std::fmt::Display) -> ApiError {
        ApiError::new(ProblemCode::NotFound, format!("{what} not found"))
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        ApiError::Internal(e.into())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        ApiError::Internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Problem(problem) => problem_response(problem),
            ApiError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                problem_response(Problem::new(
                    ProblemCode::Internal,
                    "the service failed unexpectedly; the details are in its log",
                ))
            }
        }
    }
}

pub fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(problem)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// `Json<T>` whose rejections are problems.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let detail = rejection.body_text();
    match rejection {
        JsonRejection::JsonSyntaxError(_) => ApiError::new(ProblemCode::MalformedJson, detail),
        JsonRejection::JsonDataError(_) => ApiError::new(ProblemCode::InvalidRequest, detail),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ProblemCode::UnsupportedMediaType,
            "expected a body with Content-Type: application/json",
        ),
        JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                ProblemCode::PayloadTooLarge,
                "the body is larger than 64 KiB",
            )
        }
        _ => ApiError::new(ProblemCode::InvalidRequest, detail),
    }
}

/// `Query<T>` whose rejections are problems.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Params(q.0))
            .map_err(|r: QueryRejection| ApiError::new(ProblemCode::InvalidRequest, r.body_text()))
    }
}

/// `Path<T>` whose rejections are problems.
#[derive(Debug)]
pub struct PathParam<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParam(p.0))
            .map_err(|r: PathRejection| ApiError::new(ProblemCode::InvalidRequest, r.body_text()))
    }
}

/// A text filter of a query as typed: trimmed, and blank is no filter.
pub fn text_filter(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}
