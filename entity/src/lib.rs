//! sea-orm entities only: one module per table, no business logic.

pub mod accounts;
pub mod agencies;
pub mod api_clients;
pub mod attachments;
pub mod calendar_years;
pub mod dossier_events;
pub mod dossier_results;
pub mod dossier_sequences;
pub mod dossiers;
pub mod email_verifications;
pub mod form_templates;
pub mod idempotency_keys;
pub mod login_throttles;
pub mod national_code_mappings;
pub mod national_sync_states;
pub mod outbox_jobs;
pub mod payments;
pub mod personal_data_access_log;
pub mod procedure_agencies;
pub mod procedures;
pub mod refresh_tokens;
pub mod result_signing_keys;
pub mod signing_keys;
pub mod targets;
pub mod throughput_records;
pub mod webhook_subscriptions;
