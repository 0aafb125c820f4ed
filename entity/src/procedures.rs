//! `procedures` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procedures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub name_search: String,
    pub field: String,
    pub online_level: String,
    pub eligible_full_online: bool,
    pub processing_value: Option<i32>,
    pub processing_unit: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub fees: String,
    #[sea_orm(column_type = "Text")]
    pub documents: String,
    pub result_is_document: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub result_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub form_schema: String,
    #[sea_orm(column_type = "Text")]
    pub legal_basis: String,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
    pub approval_required: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub channel_overrides: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::procedure_agencies::Entity")]
    ProcedureAgencies,
}

impl Related<super::procedure_agencies::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProcedureAgencies.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
