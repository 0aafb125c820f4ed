//! The one migration set, for SQLite and PostgreSQL alike: portable types only, never `entity`.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_signing_keys;
mod m20261125_000002_create_identity;
mod m20261125_000003_create_calendar;
mod m20261125_000004_create_procedures;
mod m20261125_000005_create_dossiers;
mod m20261125_000006_create_attachments;
mod m20261125_000007_create_targets;
mod m20261129_000008_add_dossier_processing;
mod m20261129_000009_add_dossier_intake;
mod m20261129_000020_create_outbox_jobs;
mod m20261129_000030_create_throughput_records;
mod m20261130_000040_create_national_sync_states;
mod m20261130_000041_create_webhook_subscriptions;
mod m20261130_000042_add_digitised_records;
mod m20261130_000043_add_procedure_channel_overrides;
mod m20261130_000044_add_handling_agency;
mod m20261130_000045_create_national_code_mappings;
mod m20261130_000100_create_form_templates;
mod m20261130_000300_add_national_sync_records;
mod m20261130_000301_create_open_dossier_records;
mod m20261130_000302_create_throughput_months;
mod m20261130_000500_perf_outbox_claim_by_kind;
mod m20261201_000600_create_throughput_pair_months;
mod m20261201_000601_create_open_dossier_counts;
mod m20261201_000700_announce_dossier_changes;
mod m20261201_000701_announce_catalogue_changes;
mod m20261202_000800_outbox_claim_in_index_order;
mod summed_copy;

/// Applies the migrations in order.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_signing_keys::Migration),
            Box::new(m20261125_000002_create_identity::Migration),
            Box::new(m20261125_000003_create_calendar::Migration),
            Box::new(m20261125_000004_create_procedures::Migration),
            Box::new(m20261125_000005_create_dossiers::Migration),
            Box::new(m20261125_000006_create_attachments::Migration),
            Box::new(m20261125_000007_create_targets::Migration),
            Box::new(m20261129_000008_add_dossier_processing::Migration),
            Box::new(m20261129_000009_add_dossier_intake::Migration),
            Box::new(m20261129_000020_create_outbox_jobs::Migration),
            Box::new(m20261129_000030_create_throughput_records::Migration),
            Box::new(m20261130_000040_create_national_sync_states::Migration),
            Box::new(m20261130_000041_create_webhook_subscriptions::Migration),
            Box::new(m20261130_000042_add_digitised_records::Migration),
            Box::new(m20261130_000043_add_procedure_channel_overrides::Migration),
            Box::new(m20261130_000044_add_handling_agency::Migration),
            Box::new(m20261130_000045_create_national_code_mappings::Migration),
            Box::new(m20261130_000100_create_form_templates::Migration),
            Box::new(m20261130_000300_add_national_sync_records::Migration),
            Box::new(m20261130_000301_create_open_dossier_records::Migration),
            Box::new(m20261130_000302_create_throughput_months::Migration),
            Box::new(m20261130_000500_perf_outbox_claim_by_kind::Migration),
            Box::new(m20261201_000600_create_throughput_pair_months::Migration),
            Box::new(m20261201_000601_create_open_dossier_counts::Migration),
            Box::new(m20261201_000700_announce_dossier_changes::Migration),
            Box::new(m20261201_000701_announce_catalogue_changes::Migration),
            Box::new(m20261202_000800_outbox_claim_in_index_order::Migration),
        ]
    }
}
