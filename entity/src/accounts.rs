//! `accounts` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    #[sea_orm(unique)]
    pub email: String,
    #[sea_orm(unique)]
    pub national_id: Option<String>,
    pub full_name: String,
    pub phone: Option<String>,
    pub password_hash: String,
    pub email_verified_at: Option<DateTimeWithTimeZone>,
    pub agency_code: Option<String>,
    pub roles: String,
    pub active: bool,
    pub privacy_notice_version: Option<String>,
    pub privacy_consent_at: Option<DateTimeWithTimeZone>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
