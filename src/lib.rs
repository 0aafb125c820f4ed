//! motcua — backend of a Vietnamese provincial online public-service portal (cổng dịch vụ công).
//!
//! See DESIGN.md for the architecture: each capability folder owns its HTTP handlers, use cases,
//! domain rules and storage; `startup` wires them into one actix-web application.

// Tests may unwrap: a panic there is a failed assertion.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod announcements;
pub mod calendar;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain_types;
pub mod dossiers;
pub mod error;
pub mod forms;
pub mod http;
pub mod identity;
pub mod integration;
pub mod jobs;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod workflow;
