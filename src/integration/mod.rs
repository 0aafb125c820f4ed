//! Integration with the national public-service portal (Cổng DVCQG) and other systems: intake of
//! dossiers filed there (`POST /integration/dossiers`, API clients with scope `dossiers:intake`).

pub mod http;

pub use http::routes;
