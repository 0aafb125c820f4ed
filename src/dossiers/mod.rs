//! Dossiers (hồ sơ): drafts with validated form data, submission with the national dossier code
//! and a lookup secret, reading, history and the public status lookup.

pub mod attachment_domain;
pub mod attachment_http;
pub mod attachment_service;
mod attachment_store;
pub mod domain;
pub mod error;
pub mod http;
pub mod intake;
pub mod lookup_cache;
pub mod receipt;
pub mod receipt_pdf;
pub mod service;
mod store;

pub use http::routes;
