//! The only place the calendar touches the database.

use std::collections::BTreeSet;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use entity::calendar_years;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, Set};

use super::domain::CalendarYear;
use super::error::CalendarServiceError;

/// A stored year with its provenance.
pub struct StoredYear {
    pub year: CalendarYear,
    pub source: Option<String>,
    pub updated_at: DateTime<Utc>,
}

fn dates(json: &str, year: i32) -> Result<BTreeSet<NaiveDate>, CalendarServiceError> {
    Ok(serde_json::from_str(json).with_context(|| format!("read stored calendar {year}"))?)
}

fn to_stored(m: calendar_years::Model) -> Result<StoredYear, CalendarServiceError> {
    let year = CalendarYear {
        year: m.year,
        holidays: dates(&m.holidays, m.year)?,
        makeup_working_days: dates(&m.makeup_working_days, m.year)?,
    };
    Ok(StoredYear { year, source: m.source, updated_at: m.updated_at.with_timezone(&Utc) })
}

pub(super) async fn count_years(db: &impl ConnectionTrait) -> Result<u64, CalendarServiceError> {
    Ok(calendar_years::Entity::find().count(db).await?)
}

pub(super) async fn find_year(
    db: &impl ConnectionTrait,
    year: i32,
) -> Result<Option<StoredYear>, CalendarServiceError> {
    calendar_years::Entity::find_by_id(year).one(db).await?.map(to_stored).transpose()
}

pub(super) async fn all_years(db: &impl ConnectionTrait) -> Result<Vec<StoredYear>, CalendarServiceError> {
    let rows = calendar_years::Entity::find().order_by_asc(calendar_years::Column::Year).all(db).await?;
    rows.into_iter().map(to_stored).collect()
}

pub(super) async fn save_year(
    db: &impl ConnectionTrait,
    year: &CalendarYear,
    source: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), CalendarServiceError> {
    let model = calendar_years::ActiveModel {
        year: Set(year.year),
        holidays: Set(serde_json::to_string(&year.holidays).context("write holidays")?),
        makeup_working_days: Set(serde_json::to_string(&year.makeup_working_days).context("write make-up days")?),
        source: Set(source),
        updated_at: Set(now.fixed_offset()),
    };
    calendar_years::Entity::insert(model)
        .on_conflict(
            OnConflict::column(calendar_years::Column::Year)
                .update_columns([
                    calendar_years::Column::Holidays,
                    calendar_years::Column::MakeupWorkingDays,
                    calendar_years::Column::Source,
                    calendar_years::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}
