//! `dossiers` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossiers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: Option<String>,
    pub lookup_secret: Option<String>,
    pub procedure_code: String,
    pub agency_code: String,
    pub applicant_id: Uuid,
    pub state: String,
    pub resume_state: Option<String>,
    pub channel: String,
    pub form_data: String,
    pub version: i32,
    pub submitted_at: Option<DateTimeWithTimeZone>,
    pub received_at: Option<DateTimeWithTimeZone>,
    pub due_at: Option<DateTimeWithTimeZone>,
    pub resolved_at: Option<DateTimeWithTimeZone>,
    pub returned_at: Option<DateTimeWithTimeZone>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
