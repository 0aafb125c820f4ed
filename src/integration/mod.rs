//! Integration with the national public-service portal (Cổng DVCQG) and other systems: intake of
//! dossiers filed there (`POST /integration/dossiers`, API clients with scope `dossiers:intake`),
//! the outbound status sync (`DongBoHoSoMC`, `CapNhatTienDoHoSoMC`) and signed webhooks, both
//! through the outbox.

pub mod http;
pub mod sync;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the integration routes.
pub fn routes(cfg: &mut ServiceConfig) {
    http::routes(cfg);
    sync::routes(cfg);
}
