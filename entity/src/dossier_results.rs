//! `dossier_results` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub status: String,
    pub decision: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub proposed_by: Option<Uuid>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<i64>,
    pub sha256: Option<String>,
    pub storage_key: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub signature: Option<String>,
    pub key_id: Option<String>,
    pub issued_by: Option<Uuid>,
    pub issued_at: Option<DateTimeWithTimeZone>,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
