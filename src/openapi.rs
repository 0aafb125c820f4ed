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
        (name = "dossiers", description = "Dossiers: drafts, submission, reading, history, public lookup"),
        (name = "forms", description = "Official forms (Mẫu 01–07) as print-ready HTML"),
        (name = "indicators", description = "Indicators of Decision 766 and the resolutions' targets"),
        (name = "calendar", description = "Working-day calendar and deadlines"),
        (name = "admin", description = "Administration: agencies, staff, API clients, keys, personal-data log"),
        (name = "operations", description = "Health, readiness and metrics"),
    ),
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
                Scopes::from_iter([("dossiers:intake", "file dossiers received on the national portal")]),
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
