//! `form_templates` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "form_templates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub form: String,
    #[sea_orm(column_type = "Blob")]
    pub content: Vec<u8>,
    pub sha256: String,
    pub size: i64,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
