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
    pub assignee_id: Option<Uuid>,
    pub statutory_due_at: Option<DateTimeWithTimeZone>,
    pub paused_at: Option<DateTimeWithTimeZone>,
    pub supplement_requests: i32,
    pub supplement_seconds: i64,
    pub apologies: i32,
    pub finished_at: Option<DateTimeWithTimeZone>,
    pub decision: Option<String>,
    pub fee_total: i64,
    pub payment_method: Option<String>,
    pub paid_at: Option<DateTimeWithTimeZone>,
    pub return_method: Option<String>,
    pub rating: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeWithTimeZone>,
    pub external_id: Option<String>,
    pub vneid_authenticated: bool,
    pub handling_agency_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
