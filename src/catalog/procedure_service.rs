//! Procedure use cases: create, replace, read and list the catalogue of procedures (TTHC).

use anyhow::Context;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};

use super::error::CatalogError;
use super::procedure_domain::{Procedure, ProcedureFilter};
use super::procedure_store as store;
use crate::db::begin_write;
use crate::domain_types::Invalid;
use crate::http::pagination::Page;

/// The procedure with this code, with its agencies, if any.
///
/// # Errors
/// [`CatalogError::Unexpected`] on storage failure, [`CatalogError::StoredProcedureInvalid`] when a
/// stored JSON column does not read back.
pub async fn find_procedure(db: &impl ConnectionTrait, code: &str) -> Result<Option<Procedure>, CatalogError> {
    store::find_procedure(db, code).await
}

/// Validates `procedure`, then checks inside `txn` that every agency exists. Unknown agencies are
/// reported as `agencies[i]`, by their position in the request.
async fn checked(txn: &DatabaseTransaction, procedure: Procedure) -> Result<Procedure, CatalogError> {
    let procedure = procedure.validated().map_err(CatalogError::ProcedureInvalid)?;
    let existing = store::existing_agencies(txn, &procedure.agencies).await?;
    let unknown: Vec<Invalid> = procedure
        .agencies
        .iter()
        .enumerate()
        .filter(|(_, code)| !existing.contains(*code))
        .map(|(i, code)| Invalid::new(format!("agencies[{i}]"), format!("no agency has the code {code}")))
        .collect();
    if unknown.is_empty() {
        Ok(procedure)
    } else {
        Err(CatalogError::ProcedureInvalid(unknown))
    }
}

/// Adds a procedure to the catalogue and returns it as stored.
///
/// # Errors
/// [`CatalogError::ProcedureInvalid`] (every broken rule, unknown agencies),
/// [`CatalogError::ProcedureExists`].
pub async fn create_procedure(db: &DatabaseConnection, procedure: Procedure) -> Result<Procedure, CatalogError> {
    let txn = begin_write(db).await.context("begin create_procedure")?;
    let procedure = checked(&txn, procedure).await?;
    store::insert_procedure(&txn, &procedure, Utc::now()).await?;
    let stored = store::find_procedure(&txn, &procedure.code).await?;
    txn.commit().await.context("commit create_procedure")?;
    stored.ok_or(CatalogError::ProcedureNotFound(procedure.code))
}

/// Replaces every attribute of an existing procedure, its agencies included, and returns it as
/// stored.
///
/// # Errors
/// [`CatalogError::ProcedureNotFound`] and the failures of [`create_procedure`] but the conflict.
pub async fn update_procedure(db: &DatabaseConnection, procedure: Procedure) -> Result<Procedure, CatalogError> {
    let txn = begin_write(db).await.context("begin update_procedure")?;
    if store::find_procedure(&txn, &procedure.code).await?.is_none() {
        return Err(CatalogError::ProcedureNotFound(procedure.code));
    }
    let procedure = checked(&txn, procedure).await?;
    store::update_procedure(&txn, &procedure, Utc::now()).await?;
    let stored = store::find_procedure(&txn, &procedure.code).await?;
    txn.commit().await.context("commit update_procedure")?;
    stored.ok_or(CatalogError::ProcedureNotFound(procedure.code))
}

/// Creates the procedure, or replaces it when it differs from the stored one; says whether
/// anything was written. For loading reference data such as the demo catalogue.
///
/// # Errors
/// As [`create_procedure`].
pub async fn upsert_procedure(db: &DatabaseConnection, procedure: Procedure) -> Result<bool, CatalogError> {
    let txn = begin_write(db).await.context("begin upsert_procedure")?;
    let mut procedure = checked(&txn, procedure).await?;
    // The store returns agencies sorted; compare like with like.
    procedure.agencies.sort();
    let written = match store::find_procedure(&txn, &procedure.code).await? {
        Some(existing) if existing == procedure => false,
        Some(_) => {
            store::update_procedure(&txn, &procedure, Utc::now()).await?;
            true
        }
        None => {
            store::insert_procedure(&txn, &procedure, Utc::now()).await?;
            true
        }
    };
    txn.commit().await.context("commit upsert_procedure")?;
    Ok(written)
}

/// A page of procedures matching every filter, sorted by code, and the total number of matches.
///
/// # Errors
/// [`CatalogError::Unexpected`] on storage failure.
pub async fn list_procedures(
    db: &DatabaseConnection,
    filter: &ProcedureFilter,
    page: Page,
) -> Result<(Vec<Procedure>, u64), CatalogError> {
    store::list_procedures(db, filter, page).await
}
