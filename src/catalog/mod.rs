//! The catalogue: agencies (QCVN 102 codes, levels, parents). Procedures, fees, required documents
//! and form schemas join them here (issue 4).

pub mod domain;
pub mod error;
pub mod http;
pub mod service;
mod store;

pub use http::routes;
