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
    let (_, mut api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::startup::routes)
        .split_for_parts();
    page_examples(&mut api);
    problem_examples(&mut api);
    api
}

/// The two problems every operation that needs a token shares, as the API words them: a client
/// sees the real `code` for 401 and 403 instead of the one `ProblemDetails` example (a 404).
/// Public operations answer 401 and 403 for their own reasons (bad credentials, unverified
/// e-mail, a bad signature), so they keep the generic example; so do the other statuses, whose
/// codes differ from one operation to the next.
fn problem_examples(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::RefOr;
    let shared = |status: &str, scope: Option<&str>| -> Option<serde_json::Value> {
        let (title, detail, code) = match (status, scope) {
            ("401", _) => (
                "Unauthorized",
                "authentication is required: send a valid bearer access token".to_owned(),
                "identity_unauthenticated",
            ),
            ("403", None) => {
                ("Forbidden", "this operation is not allowed for the caller".to_owned(), "identity_forbidden")
            }
            ("403", Some(scope)) => {
                ("Forbidden", format!("the caller's token lacks the scope {scope}"), "identity_missing_scope")
            }
            _ => return None,
        };
        Some(serde_json::json!({
            "type": "about:blank", "title": title, "status": status.parse::<u16>().ok(), "detail": detail,
            "code": code, "request_id": "01a22a35-3742-75db-94d7-55a396a0c513"
        }))
    };
    for item in api.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            let public =
                operation.security.as_ref().is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
            // An operation for API clients refuses a token without its scope.
            let scope = serde_json::to_value(&operation.security).ok().and_then(|security| {
                security.as_array()?.iter().find_map(|r| r["client_credentials"][0].as_str().map(str::to_owned))
            });
            for (status, response) in operation.responses.responses.iter_mut() {
                let RefOr::T(response) = response else { continue };
                let example = if public { None } else { shared(status, scope.as_deref()) };
                if let (Some(example), Some(problem)) = (example, response.content.get_mut(crate::error::PROBLEM_JSON))
                {
                    problem.example.get_or_insert(example);
                }
            }
        }
    }
}

/// Gives each list envelope (`Paginated_*`, which utoipa makes from the generic `Paginated<T>`
/// with `T` inlined) an example built from its item's example: one item on the first page. It
/// runs on the finished document because the envelopes only exist once the routes are collected.
fn page_examples(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    use utoipa::openapi::RefOr;
    let Some(components) = api.components.as_mut() else { return };
    for (name, schema) in components.schemas.iter_mut() {
        let RefOr::T(Schema::Object(page)) = schema else { continue };
        if !name.starts_with("Paginated_") || page.example.is_some() {
            continue;
        }
        let item = match page.properties.get("items") {
            Some(RefOr::T(Schema::Array(list))) => match &list.items {
                ArrayItems::RefOrSchema(item) => match item.as_ref() {
                    RefOr::T(Schema::Object(item)) => item.example.clone(),
                    _ => None,
                },
                ArrayItems::False => None,
            },
            _ => None,
        };
        if let Some(item) = item {
            page.example = Some(serde_json::json!({"items": [item], "page": 1, "per_page": 20, "total": 1}));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a media type shows an example: its own `example`/`examples`, or its schema's
    /// (following `$ref`s), which is what Swagger UI and schemathesis fall back to.
    fn has_example(media: &serde_json::Value, schemas: &serde_json::Value) -> bool {
        if media.get("example").is_some() || media.get("examples").is_some() {
            return true;
        }
        let mut schema = &media["schema"];
        while let Some(target) = schema["$ref"].as_str() {
            schema = &schemas[target.trim_start_matches("#/components/schemas/")];
        }
        schema.get("example").is_some() || schema.get("examples").is_some()
    }

    /// What integrators rely on: every operation is named, summarised, tagged, says how it is
    /// authorised (`[{}]` marks it public), documents every error as a problem document, and
    /// shows an example of its JSON request body and of its JSON success response. Lists every
    /// gap at once, so that the whole list can be closed in one go.
    #[test]
    fn every_operation_is_documented_for_integrators() {
        let api = serde_json::to_value(document()).unwrap();
        let schemas = &api["components"]["schemas"];
        let mut ids = std::collections::HashSet::new();
        let mut gaps = Vec::new();
        for (path, item) in api["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let here = format!("{} {path}", method.to_uppercase());
                match op["operationId"].as_str() {
                    Some(id) if !ids.insert(id.to_owned()) => gaps.push(format!("{here}: operationId {id} used twice")),
                    Some(_) => {}
                    None => gaps.push(format!("{here}: no operationId")),
                }
                if op["summary"].as_str().is_none_or(str::is_empty) {
                    gaps.push(format!("{here}: no summary"));
                }
                if op["tags"].as_array().is_none_or(Vec::is_empty) {
                    gaps.push(format!("{here}: no tag"));
                }
                if op["security"].as_array().is_none_or(Vec::is_empty) {
                    gaps.push(format!("{here}: no security requirement (`security(())` for a public operation)"));
                }
                // A multipart upload has a file in it: there is no JSON to show.
                for (media_type, media) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                    if media_type.contains("json") && !has_example(media, schemas) {
                        gaps.push(format!("{here}: no example of the {media_type} request body"));
                    }
                }
                for (status, response) in op["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        let problem = &response["content"]["application/problem+json"]["schema"]["$ref"];
                        if problem != "#/components/schemas/ProblemDetails" {
                            gaps.push(format!("{here} {status}: not a problem document"));
                        }
                    } else if status.starts_with('2') {
                        for (media_type, media) in response["content"].as_object().into_iter().flatten() {
                            if media_type.contains("json") && !has_example(media, schemas) {
                                gaps.push(format!("{here} {status}: no example of the {media_type} response"));
                            }
                        }
                    }
                }
            }
        }
        assert!(gaps.is_empty(), "{} gaps:\n{}", gaps.len(), gaps.join("\n"));
        assert!(ids.len() > 50, "{} operations", ids.len());
    }

    /// The schemas made strict: an object schema with `properties` admits no other property, so
    /// that an example with a misspelt or stale field name fails. The one `allOf` (a response
    /// that extends another) is checked as a whole, its parts lenient.
    fn strict(value: &serde_json::Value, lenient: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Object(map) if map.contains_key("allOf") => {
                let parts = map["allOf"].as_array().into_iter().flatten().map(|part| match part["$ref"].as_str() {
                    Some(target) => lenient[target.trim_start_matches("#/components/schemas/")].clone(),
                    None => part.clone(),
                });
                let mut whole = map.clone();
                whole.insert("allOf".into(), Value::Array(parts.collect()));
                whole.insert("unevaluatedProperties".into(), Value::Bool(false));
                Value::Object(whole)
            }
            Value::Object(map) => {
                let mut out: serde_json::Map<String, Value> =
                    map.iter().map(|(key, inner)| (key.clone(), strict(inner, lenient))).collect();
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    out.insert("additionalProperties".into(), Value::Bool(false));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(|inner| strict(inner, lenient)).collect()),
            other => other.clone(),
        }
    }

    /// Every schema node in `value` that carries an example, with where it is.
    fn schema_examples<'a>(
        value: &'a serde_json::Value,
        at: String,
        found: &mut Vec<(String, &'a serde_json::Value, &'a serde_json::Value)>,
    ) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(example) = map.get("example") {
                    found.push((at.clone(), value, example));
                }
                for example in map.get("examples").and_then(|e| e.as_array()).into_iter().flatten() {
                    found.push((at.clone(), value, example));
                }
                for (key, inner) in map {
                    if key != "example" && key != "examples" {
                        schema_examples(inner, format!("{at}/{key}"), found);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, inner) in items.iter().enumerate() {
                    schema_examples(inner, format!("{at}/{i}"), found);
                }
            }
            _ => {}
        }
    }

    /// An example that does not match its schema teaches integrators the wrong thing and makes
    /// schemathesis send requests the API rightly refuses: every example, on a schema, a field,
    /// a parameter or a media type, is valid against its (strict) schema, formats included.
    #[test]
    fn every_example_is_valid_against_its_schema() {
        let api = serde_json::to_value(document()).unwrap();
        let lenient = &api["components"]["schemas"];
        let components = serde_json::json!({ "schemas": strict(lenient, lenient) });
        let mut found = Vec::new();
        schema_examples(lenient, "#/components/schemas".into(), &mut found);
        for (path, item) in api["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let at = format!("{method} {path}");
                for parameter in op["parameters"].as_array().into_iter().flatten() {
                    if let Some(example) = parameter.get("example") {
                        found.push((format!("{at} parameter {}", parameter["name"]), &parameter["schema"], example));
                    }
                }
                let bodies = std::iter::once((format!("{at} request"), &op["requestBody"])).chain(
                    op["responses"].as_object().into_iter().flatten().map(|(status, r)| (format!("{at} {status}"), r)),
                );
                for (at, body) in bodies {
                    for (media_type, media) in body["content"].as_object().into_iter().flatten() {
                        if let Some(example) = media.get("example") {
                            found.push((format!("{at} {media_type}"), &media["schema"], example));
                        }
                        for (name, named) in media["examples"].as_object().into_iter().flatten() {
                            found.push((format!("{at} {media_type} {name}"), &media["schema"], &named["value"]));
                        }
                    }
                }
            }
        }
        let mut wrong = Vec::new();
        for (at, schema, example) in &found {
            let root = serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": components,
                "allOf": [strict(schema, lenient)],
            });
            let validator = jsonschema::options().should_validate_formats(true).build(&root).unwrap();
            for error in validator.iter_errors(example) {
                wrong.push(format!("{at}: {} at {}", error, error.instance_path()));
            }
        }
        assert!(wrong.is_empty(), "{} wrong examples:\n{}", wrong.len(), wrong.join("\n"));
        assert!(found.len() > 20, "only {} examples", found.len());
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
