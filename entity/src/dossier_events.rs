//! `dossier_events` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub seq: i32,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub from_state: String,
    pub to_state: String,
    pub note: Option<String>,
    pub data: String,
    pub at: DateTimeWithTimeZone,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
