//! Black-box HTTP tests: each test spawns the application on port 0 with a fresh database
//! (a temporary SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL` is set).
#![allow(clippy::unwrap_used)]

mod attachments;
mod calendar;
mod catalog;
mod catalog_import;
mod desk;
mod dossiers;
mod fake_portal;
mod forms;
mod forms_docx;
mod foundation;
mod helpers;
mod identity;
mod indicators;
mod integration;
mod national_sync;
mod notifications;
mod object_store;
mod payment_reconciliation;
mod processing;
mod records;
mod smtp_sink;
mod targets;
mod workflow;
