//! `procedure_agencies` table: which agencies perform which procedure.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procedure_agencies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub procedure_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub agency_code: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::procedures::Entity",
        from = "Column::ProcedureCode",
        to = "super::procedures::Column::Code",
        on_delete = "Cascade"
    )]
    Procedures,
    #[sea_orm(
        belongs_to = "super::agencies::Entity",
        from = "Column::AgencyCode",
        to = "super::agencies::Column::Code"
    )]
    Agencies,
}

impl Related<super::procedures::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Procedures.def()
    }
}

impl Related<super::agencies::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agencies.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
