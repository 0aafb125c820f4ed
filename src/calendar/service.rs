//! Calendar use cases: the stored official calendar, its edits, and deadlines computed with it.

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::DatabaseConnection;

use super::domain::{self, CalendarYear, Deadline, OfficeHours, ProcessingTime, WorkingCalendar};
use super::error::CalendarServiceError;
use super::store;
pub use super::store::StoredYear;
use crate::catalog;

/// The official calendars shipped with motcua (DOMAIN.md §6.2; 2027 provisional).
const OFFICIAL_CALENDAR_JSON: &str = include_str!("../../seed/calendar.json");
const OFFICIAL_SOURCE: &str = "official civil-service calendar shipped with motcua (seed/calendar.json)";

/// Loads the shipped official calendars into an empty database, so deadlines are right from the
/// first start. Existing data (an administrator's edits) is never overwritten.
///
/// # Errors
/// When the shipped file is invalid or storage fails.
pub async fn seed_official_if_empty(db: &DatabaseConnection) -> Result<usize, CalendarServiceError> {
    if store::count_years(db).await? > 0 {
        return Ok(0);
    }
    let calendar = WorkingCalendar::from_calendar_json(OFFICIAL_CALENDAR_JSON)?;
    let now = Utc::now();
    let mut stored = 0;
    for year in calendar.years() {
        store::save_year(db, year, Some(OFFICIAL_SOURCE.to_owned()), now).await?;
        stored += 1;
    }
    Ok(stored)
}

/// The working calendar with every stored year.
///
/// # Errors
/// On storage failure or stored data that no longer validates.
pub async fn working_calendar(db: &DatabaseConnection) -> Result<WorkingCalendar, CalendarServiceError> {
    let years = store::all_years(db).await?.into_iter().map(|s| s.year);
    Ok(WorkingCalendar::from_years(years)?)
}

/// One stored year.
///
/// # Errors
/// [`CalendarServiceError::YearNotFound`].
pub async fn find_year(db: &DatabaseConnection, year: i32) -> Result<StoredYear, CalendarServiceError> {
    store::find_year(db, year).await?.ok_or(CalendarServiceError::YearNotFound(year))
}

/// Replaces (or adds) one year of the calendar after validating it.
///
/// # Errors
/// [`CalendarServiceError::Invalid`] with the first rule broken.
pub async fn put_year(
    db: &DatabaseConnection,
    year: CalendarYear,
    source: Option<String>,
) -> Result<StoredYear, CalendarServiceError> {
    year.validate()?;
    store::save_year(db, &year, source, Utc::now()).await?;
    find_year(db, year.year).await
}

/// Office hours of an agency: its own, or the default commune schedule.
///
/// # Errors
/// [`CalendarServiceError::AgencyNotFound`].
pub async fn office_hours(db: &DatabaseConnection, agency_code: &str) -> Result<OfficeHours, CalendarServiceError> {
    let agency = catalog::service::find_agency(db, agency_code)
        .await
        .map_err(|e| anyhow::anyhow!("find agency: {e}"))?
        .ok_or_else(|| CalendarServiceError::AgencyNotFound(agency_code.to_owned()))?;
    Ok(agency.office_hours.unwrap_or_default())
}

/// The due time of a dossier received at `received_at` by `agency_code` (default office hours
/// when `None`), with its explanation.
///
/// # Errors
/// [`CalendarServiceError::AgencyNotFound`], [`CalendarServiceError::Invalid`].
pub async fn deadline(
    db: &DatabaseConnection,
    agency_code: Option<&str>,
    received_at: DateTime<FixedOffset>,
    time: ProcessingTime,
) -> Result<Deadline, CalendarServiceError> {
    let hours = match agency_code {
        Some(code) => office_hours(db, code).await?,
        None => OfficeHours::default(),
    };
    let calendar = working_calendar(db).await?;
    Ok(domain::due_at(&calendar, &hours, received_at, time)?)
}
