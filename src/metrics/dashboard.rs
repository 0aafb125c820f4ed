//! `GET /dashboard`: the indicator dashboard, a page with its script compiled into the binary (no
//! CDN). The script is served from `/dashboard.js` rather than inline because the CSP allows
//! only our own scripts (`script-src 'self'`).

use actix_web::{get, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

const PAGE: &str = include_str!("assets/dashboard.html");
const SCRIPT: &str = include_str!("assets/dashboard.js");

/// Registers the dashboard routes (outside `/api/v1`).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(dashboard).service(dashboard_script);
}

/// The indicator dashboard: each 766 indicator against its target (SVG bars), the late
/// dossiers, and the online services that received no online dossier. Takes the query of
/// `GET /api/v1/indicators` (`from`, `to`, `agency`, `level`, `field`) and passes it on.
#[utoipa::path(tag = "indicators", operation_id = "dashboard", security(()),
    responses((status = 200, description = "The dashboard page", body = String, content_type = "text/html")))]
#[get("/dashboard")]
async fn dashboard() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(PAGE)
}

/// The dashboard's script.
#[utoipa::path(tag = "indicators", operation_id = "dashboard_script", security(()),
    responses((status = 200, description = "JavaScript", body = String, content_type = "text/javascript")))]
#[get("/dashboard.js")]
async fn dashboard_script() -> HttpResponse {
    HttpResponse::Ok().content_type("text/javascript; charset=utf-8").body(SCRIPT)
}
