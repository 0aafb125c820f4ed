//! Identity and access: citizens, staff and API clients; argon2id passwords; JWT access tokens
//! with rotating refresh tokens; the one authorization layer ([`extract`]); the personal-data
//! access log.

pub mod domain;
pub mod error;
pub mod extract;
pub mod http;
pub mod password;
pub mod service;
mod store;
pub mod tokens;

pub use http::routes;
