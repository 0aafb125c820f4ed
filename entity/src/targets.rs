//! `targets` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub indicator: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    pub target: f64,
    pub source: String,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
