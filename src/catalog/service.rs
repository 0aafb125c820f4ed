//! Catalogue use cases.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::error::CatalogError;
use super::store;
pub use super::store::Agency;
use crate::http::pagination::Page;

/// The agency with this code, if any.
///
/// # Errors
/// [`CatalogError::Unexpected`] on storage failure.
pub async fn find_agency(db: &impl ConnectionTrait, code: &str) -> Result<Option<Agency>, CatalogError> {
    store::find_agency(db, code).await
}

async fn check(db: &impl ConnectionTrait, agency: &Agency) -> Result<(), CatalogError> {
    if let (Some(from), Some(to)) = (agency.valid_from, agency.valid_to) {
        if to < from {
            return Err(CatalogError::ValidityReversed);
        }
    }
    if let Some(parent) = &agency.parent_code {
        if parent == &agency.code {
            return Err(CatalogError::ParentIsSelf);
        }
        if store::find_agency(db, parent).await?.is_none() {
            return Err(CatalogError::ParentNotFound(parent.clone()));
        }
    }
    Ok(())
}

/// Registers a new agency.
///
/// # Errors
/// [`CatalogError::AgencyExists`], [`CatalogError::ParentNotFound`], [`CatalogError::ValidityReversed`].
pub async fn create_agency(db: &DatabaseConnection, agency: Agency) -> Result<Agency, CatalogError> {
    check(db, &agency).await?;
    store::insert_agency(db, &agency, Utc::now()).await?;
    Ok(agency)
}

/// Replaces an agency's name, level, parent and validity.
///
/// # Errors
/// [`CatalogError::AgencyNotFound`] and the checks of [`create_agency`].
pub async fn update_agency(db: &DatabaseConnection, agency: Agency) -> Result<Agency, CatalogError> {
    if store::find_agency(db, &agency.code).await?.is_none() {
        return Err(CatalogError::AgencyNotFound(agency.code));
    }
    check(db, &agency).await?;
    store::update_agency(db, &agency, Utc::now()).await?;
    Ok(agency)
}

/// A page of agencies, optionally of one level or under one parent.
///
/// # Errors
/// [`CatalogError::Unexpected`] on storage failure.
pub async fn list_agencies(
    db: &DatabaseConnection,
    level: Option<super::domain::AgencyLevel>,
    parent: Option<&str>,
    page: Page,
) -> Result<(Vec<Agency>, u64), CatalogError> {
    store::list_agencies(db, level, parent, page).await
}
