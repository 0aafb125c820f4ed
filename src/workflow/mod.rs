//! The one-stop workflow: the state machine ([`domain`]), the one function that changes a
//! dossier's state ([`service::apply`]), and the audit chain every change appends to.

pub mod actions;
pub mod desk;
pub mod domain;
pub mod error;
pub mod http;
pub mod payments;
pub mod results;
pub mod service;
mod store;
