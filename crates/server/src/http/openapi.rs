//! The OpenAPI document's frame, and the responses every route shares.
//!
//! Handlers declare what they answer themselves; `complete` adds what the
//! layers around them answer (a bad parameter or body, no or a wrong
//! credential, a timeout, a failure), so that the document names every
//! status the service can send, each problem as `application/problem+json`.

use riskdesk_api::ProblemCode;
use riskdesk_api::decisions::IDEMPOTENCY_KEY;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use super::decide;
use super::paging::PAGING;

/// The document's frame: the routes add their paths to it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "RiskDesk risk service",
        description = "Credit accounts, transactions, fraud alerts and operator decisions for a \
            consumer credit line spent through a payment platform's checkout. Errors are \
            application/problem+json with a stable `code`. Lists use keyset paging: pass \
            `next_cursor` back as `cursor` with the same filters.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    // Referred to by the lists' `sort` parameters.
    components(schemas(riskdesk_api::lists::AccountSort, riskdesk_api::lists::AlertSort)),
    tags(
        (name = "auth", description = "Operator sign-in with password and TOTP"),
        (name = "accounts", description = "Credit accounts and their transactions"),
        (name = "investigations", description = "Accounts linked to one, and the rings they form"),
        (name = "alerts", description = "The fraud-alert queue"),
        (name = "blacklist"), (name = "limits"), (name = "disputes"),
        (name = "audit", description = "The audit trail as a hash chain with signed checkpoints"),
        (name = "admin", description = "Operators, their sessions and the service clients, for admins"),
        (name = "metrics", description = "Portfolio metrics for the managers' dashboard, from rollups"),
        (name = "rules", description = "The fraud rules as versioned records: drafts, shadow, publish under four eyes"),
        (name = "payments", description = "The payment channel: authorizations and the ledger, for service clients"),
        (name = "service"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "service_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A service client's key (the payment platform), not an operator's token",
                    ))
                    .build(),
            ),
        );
    }
}

/// How problems are sent (RFC 9457).
const PROBLEM_JSON: &str = "application/problem+json";

/// Adds to every operation the problems the layers around its handler can
/// send, and sends every problem as `application/problem+json`.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    closed_variants(doc);
    for (path, item) in &mut doc.paths.paths {
        let names_a_record = path.contains('{');
        // The exports and the queue's counts answer for every row.
        let unpaged = path.ends_with(".csv") || path == "/v1/alerts/counts";
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            if unpaged && let Some(parameters) = &mut operation.parameters {
                parameters.retain(|p| !PAGING.contains(&p.name.as_str()));
            }
            complete_operation(operation, names_a_record);
        }
    }
}

/// The steps an operator sends (`TriageAction`, `DisputeAction`,
/// `OperatorChangeAction`) are enums tagged by `type` whose variants refuse
/// unknown fields (serde's `deny_unknown_fields`), which utoipa does not say
/// of a variant: each variant object says it here, so that the document
/// describes what the service accepts.
fn closed_variants(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{AdditionalProperties, Schema};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for schema in components.schemas.values_mut() {
        let RefOr::T(Schema::OneOf(one_of)) = schema else {
            continue;
        };
        for variant in &mut one_of.items {
            if let RefOr::T(Schema::Object(object)) = variant
                && object.properties.contains_key("type")
            {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

fn complete_operation(operation: &mut Operation, names_a_record: bool) {
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let takes_input = !parameters.is_empty() || operation.request_body.is_some();
    let decision = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Header && is_write_key(&p.name));
    let schemes = security_schemes(operation);
    let mut shared = vec![ProblemCode::Timeout, ProblemCode::Internal];
    if takes_input {
        shared.extend([ProblemCode::InvalidRequest, ProblemCode::InvalidValue]);
    }
    if operation.request_body.is_some() {
        shared.extend([
            ProblemCode::MalformedJson,
            ProblemCode::PayloadTooLarge,
            ProblemCode::UnsupportedMediaType,
        ]);
    }
    if names_a_record {
        shared.push(ProblemCode::NotFound);
    }
    if !schemes.is_empty() {
        shared.extend([ProblemCode::Unauthenticated, ProblemCode::SessionExpired]);
    }
    if schemes.iter().any(|s| s == "bearer") {
        shared.push(ProblemCode::Forbidden);
    }
    if decision {
        shared.extend([
            ProblemCode::PreconditionRequired,
            ProblemCode::RequestInFlight,
            ProblemCode::IdempotencyMismatch,
        ]);
    }
    let mut by_status = std::collections::BTreeMap::<u16, Vec<ProblemCode>>::new();
    for code in shared {
        by_status.entry(code.status()).or_default().push(code);
    }
    let responses = &mut operation.responses.responses;
    for (status, codes) in by_status {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem_response(&codes));
    }
    for response in responses.values_mut() {
        if let RefOr::T(response) = response
            && response
                .content
                .get("application/json")
                .is_some_and(is_problem)
            && let Some(content) = response.content.shift_remove("application/json")
        {
            response.content.insert(PROBLEM_JSON.to_owned(), content);
        }
    }
    if let Some(parameters) = &mut operation.parameters {
        for parameter in parameters.iter_mut().filter(|p| is_write_key(&p.name)) {
            parameter.schema = Some(RefOr::T(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(decide::WRITE_KEY_PATTERN))
                    .into(),
            ));
        }
    }
}

/// The names of the security schemes the operation takes.
fn security_schemes(operation: &Operation) -> Vec<String> {
    let requirements = serde_json::to_value(&operation.security).unwrap_or_default();
    let mut names = Vec::new();
    for requirement in requirements.as_array().into_iter().flatten() {
        names.extend(
            requirement
                .as_object()
                .into_iter()
                .flat_map(|o| o.keys().cloned()),
        );
    }
    names
}

fn is_problem(content: &utoipa::openapi::Content) -> bool {
    matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"))
}

fn is_write_key(name: &str) -> bool {
    name.eq_ignore_ascii_case(IDEMPOTENCY_KEY)
}

/// A problem response described by the codes it may carry.
fn problem_response(codes: &[ProblemCode]) -> RefOr<utoipa::openapi::Response> {
    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    ResponseBuilder::new()
        .description(format!("A problem: {}", names.join(", ")))
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .into()
}
