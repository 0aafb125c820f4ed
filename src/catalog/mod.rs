//! The catalogue: agencies (QCVN 102 codes, levels, parents) and the procedures (TTHC) they
//! perform, with fees, required documents, form schemas and a diacritics-insensitive search.

pub mod domain;
pub mod error;
pub mod http;
pub mod import_domain;
pub mod procedure_domain;
pub mod procedure_http;
pub mod procedure_seed;
pub mod procedure_service;
mod procedure_store;
pub mod service;
mod store;

pub use http::routes;
