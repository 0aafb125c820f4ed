//! National-portal integration. TEMPORARY for the `sync` branch: the intake endpoint's author
//! owns this file; merge by adding `pub mod sync;` and the `sync::routes(cfg)` call.

pub mod sync;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the integration routes.
pub fn routes(cfg: &mut ServiceConfig) {
    sync::routes(cfg);
}
