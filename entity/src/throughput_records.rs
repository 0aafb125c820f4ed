//! `throughput_records` table: per-day counters of dossier transitions, sharded.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "throughput_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub procedure_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub shard: i16,
    pub received: i64,
    pub received_online: i64,
    pub finished: i64,
    pub finished_on_time: i64,
    pub finished_late: i64,
    pub resolved: i64,
    pub returned: i64,
    pub returned_electronic: i64,
    pub fully_online: i64,
    pub charged: i64,
    pub paid_online: i64,
    pub paid_cash: i64,
    pub supplement_requests: i64,
    pub apologies: i64,
    pub rated_satisfied: i64,
    pub rated_neutral: i64,
    pub rated_unsatisfied: i64,
    pub withdrawn: i64,
    pub refused: i64,
    pub stopped: i64,
    pub returned_digitised: i64,
    pub returned_digitised_electronic: i64,
    pub synced: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
