//! The only place the catalogue touches the database.

use chrono::{DateTime, NaiveDate, Utc};
use entity::agencies;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, SqlErr,
};

use super::domain::AgencyLevel;
use super::error::CatalogError;
use crate::calendar::domain::OfficeHours;
use crate::http::pagination::Page;

/// An agency as the catalogue sees it.
#[derive(Debug, Clone)]
pub struct Agency {
    pub code: String,
    pub name: String,
    pub level: AgencyLevel,
    pub parent_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// The desk's own sessions; `None`: the default commune schedule.
    pub office_hours: Option<OfficeHours>,
}

impl TryFrom<agencies::Model> for Agency {
    type Error = CatalogError;

    fn try_from(m: agencies::Model) -> Result<Self, CatalogError> {
        let level = AgencyLevel::parse(&m.level)
            .ok_or_else(|| anyhow::anyhow!("agency {} has unknown level {}", m.code, m.level))?;
        let office_hours = m
            .office_hours
            .as_deref()
            .map(serde_json::from_str::<OfficeHours>)
            .transpose()
            .map_err(|e| anyhow::anyhow!("agency {} has invalid stored office hours: {e}", m.code))?;
        Ok(Self {
            code: m.code,
            name: m.name,
            level,
            parent_code: m.parent_code,
            valid_from: m.valid_from,
            valid_to: m.valid_to,
            office_hours,
        })
    }
}

fn office_hours_json(agency: &Agency) -> Result<Option<String>, CatalogError> {
    let json = agency.office_hours.as_ref().map(serde_json::to_string).transpose();
    Ok(json.map_err(|e| anyhow::anyhow!("write office hours: {e}"))?)
}

pub(super) async fn find_agency(db: &impl ConnectionTrait, code: &str) -> Result<Option<Agency>, CatalogError> {
    agencies::Entity::find_by_id(code.to_owned()).one(db).await?.map(Agency::try_from).transpose()
}

pub(super) async fn insert_agency(
    db: &impl ConnectionTrait,
    agency: &Agency,
    now: DateTime<Utc>,
) -> Result<(), CatalogError> {
    agencies::ActiveModel {
        code: Set(agency.code.clone()),
        name: Set(agency.name.clone()),
        level: Set(agency.level.as_str().to_owned()),
        parent_code: Set(agency.parent_code.clone()),
        valid_from: Set(agency.valid_from),
        valid_to: Set(agency.valid_to),
        office_hours: Set(office_hours_json(agency)?),
        created_at: Set(now.fixed_offset()),
        updated_at: Set(now.fixed_offset()),
    }
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => CatalogError::AgencyExists(agency.code.clone()),
        _ => CatalogError::from(e),
    })?;
    Ok(())
}

pub(super) async fn update_agency(
    db: &impl ConnectionTrait,
    agency: &Agency,
    now: DateTime<Utc>,
) -> Result<(), CatalogError> {
    agencies::ActiveModel {
        code: Set(agency.code.clone()),
        name: Set(agency.name.clone()),
        level: Set(agency.level.as_str().to_owned()),
        parent_code: Set(agency.parent_code.clone()),
        valid_from: Set(agency.valid_from),
        valid_to: Set(agency.valid_to),
        office_hours: Set(office_hours_json(agency)?),
        updated_at: Set(now.fixed_offset()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub(super) async fn list_agencies(
    db: &impl ConnectionTrait,
    level: Option<AgencyLevel>,
    parent: Option<&str>,
    page: Page,
) -> Result<(Vec<Agency>, u64), CatalogError> {
    let mut query = agencies::Entity::find();
    if let Some(level) = level {
        query = query.filter(agencies::Column::Level.eq(level.as_str()));
    }
    if let Some(parent) = parent {
        query = query.filter(agencies::Column::ParentCode.eq(parent));
    }
    let total = query.clone().count(db).await?;
    let rows = query.order_by_asc(agencies::Column::Code).offset(page.offset()).limit(page.per_page).all(db).await?;
    Ok((rows.into_iter().map(Agency::try_from).collect::<Result<_, _>>()?, total))
}
