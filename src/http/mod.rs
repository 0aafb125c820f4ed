//! HTTP plumbing shared by every capability: request ids, middleware, extractor configuration,
//! operational metrics, health and the OpenAPI document.

pub mod extractors;
pub mod html;
pub mod json;
pub mod metrics;
pub mod middleware;
pub mod ops;
pub mod pagination;
pub mod request_id;
