//! `national_code_mappings` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "national_code_mappings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub procedure_code: String,
    /// Empty for the procedure's own code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub document_key: String,
    pub national_code: String,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
