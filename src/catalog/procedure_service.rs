//! Procedure use cases: create, replace, read and list the catalogue of procedures (TTHC), and
//! import them from the national TTHC database's records.

use anyhow::Context;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};

use super::error::CatalogError;
use super::import_domain::{changed_fields, procedure_from_record, AgencyMapping};
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

/// The name of the procedure `code`, if it exists (one column: for notices on the write path).
///
/// # Errors
/// On storage failure.
pub async fn find_procedure_name(db: &impl ConnectionTrait, code: &str) -> Result<Option<String>, CatalogError> {
    store::find_procedure_name(db, code).await
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

/// What the import did (or, on a dry run, would do) with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    /// A new procedure.
    Created,
    /// An existing procedure changed; `changes` names what.
    Updated,
    /// The record says what the catalogue already holds: nothing written.
    Unchanged,
    /// The record has errors; nothing written for it.
    Failed,
}

/// One record's line of the import report.
#[derive(Debug, Clone)]
pub struct ImportedRecord {
    /// Position of the record in the file, from 0.
    pub index: usize,
    /// Its procedure code, when it has one.
    pub code: Option<String>,
    pub outcome: ImportOutcome,
    /// The attributes that changed (updated only).
    pub changes: Vec<&'static str>,
    /// Every problem of a failed record, each naming its field.
    pub errors: Vec<Invalid>,
}

/// Imports procedures in the national TTHC database's shape: each record creates or updates one
/// procedure in its own transaction, an unchanged one is not rewritten, and a bad one is
/// reported with its errors while the others go on. A dry run writes nothing and reports what
/// would happen. Records repeating an earlier record's code fail.
///
/// # Errors
/// [`CatalogError::Unexpected`] on storage failure (records already imported stay imported).
pub async fn import_procedures(
    db: &DatabaseConnection,
    records: &[serde_json::Value],
    agencies: &AgencyMapping,
    dry_run: bool,
) -> Result<Vec<ImportedRecord>, CatalogError> {
    let mut report = Vec::with_capacity(records.len());
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let line = import_one(db, index, record, agencies, dry_run, &mut seen).await?;
        report.push(line);
    }
    Ok(report)
}

async fn import_one(
    db: &DatabaseConnection,
    index: usize,
    record: &serde_json::Value,
    agencies: &AgencyMapping,
    dry_run: bool,
    seen: &mut std::collections::HashMap<String, usize>,
) -> Result<ImportedRecord, CatalogError> {
    let code = ["MATTHC", "MaTTHC"]
        .iter()
        .find_map(|k| record.get(*k).and_then(serde_json::Value::as_str))
        .map(|c| c.trim().to_owned());
    let failed = |errors: Vec<Invalid>| ImportedRecord {
        index,
        code: code.clone(),
        outcome: ImportOutcome::Failed,
        changes: Vec::new(),
        errors,
    };
    if let Some(first) = code.as_ref().and_then(|c| seen.get(c)) {
        return Ok(failed(vec![Invalid::new("MATTHC", format!("repeats the code of record {first}"))]));
    }
    if let Some(c) = &code {
        seen.insert(c.clone(), index);
    }
    let txn = begin_write(db).await.context("begin import_procedure")?;
    let existing = match &code {
        Some(c) => store::find_procedure(&txn, c).await?,
        None => None,
    };
    let procedure = match procedure_from_record(record, existing.as_ref(), agencies) {
        Ok(p) => p,
        Err(errors) => return Ok(failed(errors)),
    };
    let mut procedure = match checked(&txn, procedure).await {
        Ok(p) => p,
        Err(CatalogError::ProcedureInvalid(errors)) => return Ok(failed(errors)),
        Err(e) => return Err(e),
    };
    procedure.agencies.sort();
    let (outcome, changes) = match &existing {
        None => (ImportOutcome::Created, Vec::new()),
        Some(old) => match changed_fields(old, &procedure) {
            changes if changes.is_empty() => (ImportOutcome::Unchanged, changes),
            changes => (ImportOutcome::Updated, changes),
        },
    };
    if !dry_run {
        match outcome {
            ImportOutcome::Created => store::insert_procedure(&txn, &procedure, Utc::now()).await?,
            ImportOutcome::Updated => store::update_procedure(&txn, &procedure, Utc::now()).await?,
            ImportOutcome::Unchanged | ImportOutcome::Failed => {}
        }
        txn.commit().await.context("commit import_procedure")?;
    }
    Ok(ImportedRecord { index, code: Some(procedure.code), outcome, changes, errors: Vec::new() })
}
