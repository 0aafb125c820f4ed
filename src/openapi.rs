//! The OpenAPI 3.1 document, collected from the handlers themselves by utoipa-actix-web: there is
//! no hand-kept list of paths. `openapi/motcua.json` is this document, checked by a test.

use utoipa::openapi::security::{ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

/// Base document: info, tags and security schemes; paths are added from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "motcua — cổng dịch vụ công (one-stop public services)",
        description = "Backend of a provincial online public-service portal: citizens submit dossiers, \
one-stop desk staff process them, the national portal integrates, and the Decision 766 indicators are computed live. \
Errors are RFC 9457 `application/problem+json` with a stable `code` and the `request_id`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    tags(
        (name = "identity", description = "Registration, sign-in, tokens and the caller"),
        (name = "catalog", description = "Agencies and procedures"),
        (name = "dossiers", description = "Dossiers: drafts, submission, reading, actions, history, results, payments"),
        (name = "desk", description = "The one-stop desk: work queue, walk-in and postal registration"),
        (name = "public", description = "Public checks without personal data: dossier lookup, result verification"),
        (name = "payments", description = "Payment providers' signed callbacks"),
        (name = "forms", description = "Official forms (Mẫu 01–07) as print-ready HTML or DOCX from per-agency templates"),
        (name = "indicators", description = "Indicators of Decision 766 and the resolutions' targets"),
        (name = "calendar", description = "Working-day calendar and deadlines"),
        (name = "admin", description = "Administration: agencies, staff, API clients, keys, personal-data log"),
        (name = "integration", description = "National-portal intake, outbound sync and webhooks for integrators"),
        (name = "operations", description = "Health, readiness and metrics"),
    ),
    // Schemas referenced only from path parameters, which utoipa-actix-web does not collect.
    components(schemas(crate::forms::domain::FormKind, crate::forms::placeholders::OfficialForm, crate::forms::http::FormFormat)),
    modifiers(&SecuritySchemes),
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        components.add_security_scheme(
            "client_credentials",
            SecurityScheme::OAuth2(OAuth2::new([Flow::ClientCredentials(ClientCredentials::new(
                "/api/v1/auth/token",
                Scopes::from_iter(crate::identity::domain::KNOWN_SCOPES),
            ))])),
        );
    }
}

/// The complete document, as served at `/openapi.json` and committed at `openapi/motcua.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::startup::routes)
        .split_for_parts();
    api
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What integrators rely on: every operation is named, summarised and tagged, and every
    /// error it documents is a problem document.
    #[test]
    fn every_operation_has_an_id_a_summary_a_tag_and_problem_errors() {
        let api = serde_json::to_value(document()).unwrap();
        let mut ids = std::collections::HashSet::new();
        for (path, item) in api["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let here = format!("{method} {path}");
                let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{here}: no operationId"));
                assert!(ids.insert(id.to_owned()), "{here}: operationId {id} used twice");
                assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{here}: no summary");
                assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{here}: no tag");
                for (status, response) in op["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        let problem = &response["content"]["application/problem+json"]["schema"]["$ref"];
                        assert_eq!(problem, "#/components/schemas/ProblemDetails", "{here} {status}: not a problem");
                    }
                }
            }
        }
        assert!(ids.len() > 50, "{} operations", ids.len());
    }

    fn refs<'a>(value: &'a serde_json::Value, found: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner.as_str()) {
                        ("$ref", Some(target)) => found.push(target),
                        _ => refs(inner, found),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|inner| refs(inner, found)),
            _ => {}
        }
    }

    #[test]
    fn every_schema_reference_resolves() {
        let api = serde_json::to_value(document()).unwrap();
        let mut found = Vec::new();
        refs(&api, &mut found);
        for target in found {
            let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("odd $ref {target}"));
            assert!(api["components"]["schemas"].get(name).is_some(), "$ref {target} points nowhere");
        }
    }
}
