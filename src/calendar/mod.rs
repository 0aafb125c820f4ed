//! The working-day calendar (holidays, make-up Saturdays, office hours) and the deadline engine
//! that turns a reception time and a processing time into a due time, with its explanation.

pub mod domain;
pub mod error;
pub mod http;
pub mod service;
mod store;

pub use http::routes;
