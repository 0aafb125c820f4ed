//! `dossier_sequences` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossier_sequences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    pub last_number: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
