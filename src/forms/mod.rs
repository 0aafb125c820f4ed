//! The official one-stop forms (DOMAIN.md §1.3): the receipt (Mẫu 01), the supplement request
//! (02), the refusal (03), the apology with a new appointment (04), the control sheet (05), the
//! notice of stopping, and the agency's tracking book (06/07), each filled from the dossier, its
//! audit events and the catalogue, and printed as HTML pages or as DOCX documents from the
//! agency's own templates (the national ones by default).

pub mod docx;
pub mod domain;
pub mod error;
pub mod http;
pub mod placeholders;
pub mod service;
mod store;
pub mod template_service;
pub mod templates;

pub use http::routes;
