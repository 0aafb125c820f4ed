//! The only place the sync touches the database: its own `national_sync_states`, read-only looks
//! at `accounts` (the applicant's identifiers, the actor's name), `attachments` (removed ones too,
//! which other capabilities hide), `dossier_events`, `dossiers` and the `national_sync` jobs of
//! `outbox_jobs`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    accounts, attachments, dossier_events, dossiers, national_code_mappings, national_sync_states, outbox_jobs,
    webhook_subscriptions,
};
use sea_orm::sea_query::{Cond, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use super::domain::{ordering_key, CodeMappings, DocumentFacts, NATIONAL_SYNC_JOB};
use crate::http::pagination::Page;

type StoreResult<T> = Result<T, sea_orm::DbErr>;

/// The national codes of a procedure and its documents.
pub(super) async fn find_mappings(db: &impl ConnectionTrait, procedure_code: &str) -> StoreResult<CodeMappings> {
    let rows = national_code_mappings::Entity::find()
        .filter(national_code_mappings::Column::ProcedureCode.eq(procedure_code))
        .all(db)
        .await?;
    let mut mappings = CodeMappings::default();
    for row in rows {
        if row.document_key.is_empty() {
            mappings.procedure = Some(row.national_code);
        } else {
            mappings.documents.insert(row.document_key, row.national_code);
        }
    }
    Ok(mappings)
}

/// Every mapping row, by procedure then document key: (procedure code, document key or "", national code).
pub(super) async fn list_mappings(db: &impl ConnectionTrait) -> StoreResult<Vec<(String, String, String)>> {
    Ok(national_code_mappings::Entity::find()
        .order_by_asc(national_code_mappings::Column::ProcedureCode)
        .order_by_asc(national_code_mappings::Column::DocumentKey)
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.procedure_code, r.document_key, r.national_code))
        .collect())
}

/// Sets one mapping (document key "" for the procedure's own code), replacing an earlier one.
pub(super) async fn upsert_mapping(
    db: &impl ConnectionTrait,
    procedure_code: &str,
    document_key: &str,
    national_code: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    national_code_mappings::Entity::insert(national_code_mappings::ActiveModel {
        procedure_code: Set(procedure_code.to_owned()),
        document_key: Set(document_key.to_owned()),
        national_code: Set(national_code.to_owned()),
        updated_at: Set(now.fixed_offset()),
    })
    .on_conflict(
        OnConflict::columns([
            national_code_mappings::Column::ProcedureCode,
            national_code_mappings::Column::DocumentKey,
        ])
        .update_columns([national_code_mappings::Column::NationalCode, national_code_mappings::Column::UpdatedAt])
        .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// The identifiers of an account: name, national id, e-mail, phone.
pub(super) struct AccountFacts {
    pub full_name: String,
    pub national_id: Option<String>,
    pub email: String,
    pub phone: Option<String>,
}

pub(super) async fn find_account(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<AccountFacts>> {
    Ok(accounts::Entity::find_by_id(id).one(db).await?.map(|a| AccountFacts {
        full_name: a.full_name,
        national_id: a.national_id,
        email: a.email,
        phone: a.phone,
    }))
}

/// Every attachment of a dossier, removed ones included (the portal is told they are gone).
pub(super) async fn find_documents(db: &impl ConnectionTrait, dossier_id: Uuid) -> StoreResult<Vec<DocumentFacts>> {
    Ok(attachments::Entity::find()
        .filter(attachments::Column::DossierId.eq(dossier_id))
        .order_by_asc(attachments::Column::CreatedAt)
        .order_by_asc(attachments::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| DocumentFacts {
            id: a.id,
            document_key: a.document_key,
            file_name: a.file_name,
            deleted: a.deleted_at.is_some(),
        })
        .collect())
}

/// One audit event of a dossier.
pub(super) async fn find_event(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    seq: i32,
) -> StoreResult<Option<dossier_events::Model>> {
    dossier_events::Entity::find()
        .filter(dossier_events::Column::DossierId.eq(dossier_id))
        .filter(dossier_events::Column::Seq.eq(seq))
        .one(db)
        .await
}

/// A dossier's sync row.
pub(super) async fn find_state(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> StoreResult<Option<national_sync_states::Model>> {
    national_sync_states::Entity::find_by_id(dossier_id).one(db).await
}

/// Creates the sync row of a dossier when its first sync job is enqueued, so the admin sees
/// dossiers whose jobs never ran. An existing row is left alone.
pub(super) async fn insert_state_if_absent(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let row = national_sync_states::ActiveModel {
        dossier_id: Set(dossier_id),
        last_status: Set(None),
        last_event_seq: Set(None),
        synced_at: Set(None),
        last_error: Set(None),
        last_error_at: Set(None),
        updated_at: Set(now.fixed_offset()),
    };
    national_sync_states::Entity::insert(row)
        .on_conflict_do_nothing_on([national_sync_states::Column::DossierId])
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Records that the portal accepted the dossier at `status` (after event `seq`); clears the error.
/// Returns whether this is the first acceptance since the dossier's reception (a status other
/// than 1), which the 766 synchronisation indicator counts once: decided by a conditional UPDATE
/// of the dossier's row, so two runs of its jobs can never both count it.
pub(super) async fn record_success(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    status: i32,
    seq: i32,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    use national_sync_states::Column as C;
    insert_state_if_absent(db, dossier_id, now).await?;
    let not_yet_since_reception =
        Cond::any().add(C::SyncedAt.is_null()).add(C::LastStatus.is_null()).add(C::LastStatus.eq(1));
    let first = national_sync_states::Entity::update_many()
        .col_expr(C::LastStatus, Expr::value(status))
        .col_expr(C::LastEventSeq, Expr::value(seq))
        .col_expr(C::SyncedAt, Expr::value(now.fixed_offset()))
        .col_expr(C::LastError, Expr::value(Option::<String>::None))
        .col_expr(C::LastErrorAt, Expr::value(Option::<sea_orm::prelude::DateTimeWithTimeZone>::None))
        .col_expr(C::UpdatedAt, Expr::value(now.fixed_offset()))
        .filter(C::DossierId.eq(dossier_id))
        .filter(not_yet_since_reception)
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if first {
        return Ok(status != 1);
    }
    let row = national_sync_states::ActiveModel {
        dossier_id: Set(dossier_id),
        last_status: Set(Some(status)),
        last_event_seq: Set(Some(seq)),
        synced_at: Set(Some(now.fixed_offset())),
        last_error: Set(None),
        last_error_at: Set(None),
        updated_at: Set(now.fixed_offset()),
    };
    upsert(db, row, &[C::LastStatus, C::LastEventSeq, C::SyncedAt, C::LastError, C::LastErrorAt, C::UpdatedAt]).await?;
    Ok(false)
}

/// Records a failed attempt; what was synced before stays.
pub(super) async fn record_failure(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    error: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let row = national_sync_states::ActiveModel {
        dossier_id: Set(dossier_id),
        last_status: Set(None),
        last_event_seq: Set(None),
        synced_at: Set(None),
        last_error: Set(Some(error.to_owned())),
        last_error_at: Set(Some(now.fixed_offset())),
        updated_at: Set(now.fixed_offset()),
    };
    upsert(
        db,
        row,
        &[
            national_sync_states::Column::LastError,
            national_sync_states::Column::LastErrorAt,
            national_sync_states::Column::UpdatedAt,
        ],
    )
    .await
}

async fn upsert(
    db: &impl ConnectionTrait,
    row: national_sync_states::ActiveModel,
    update: &[national_sync_states::Column],
) -> StoreResult<()> {
    national_sync_states::Entity::insert(row)
        .on_conflict(
            OnConflict::column(national_sync_states::Column::DossierId)
                .update_columns(update.iter().copied())
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Which rows the admin list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowFilter {
    All,
    /// Last attempt succeeded.
    Synced,
    /// Last attempt failed.
    Failing,
    /// These dossiers (those with jobs in some state).
    Only,
}

/// A page of sync rows joined with the dossier's code, agency and state, most recently touched
/// first. With [`RowFilter::Only`], `ids` restricts the rows.
pub(super) async fn list_states(
    db: &impl ConnectionTrait,
    filter: RowFilter,
    ids: &[Uuid],
    page: Page,
) -> StoreResult<(Vec<(national_sync_states::Model, Option<dossiers::Model>)>, u64)> {
    let mut query = national_sync_states::Entity::find();
    query = match filter {
        RowFilter::All => query,
        RowFilter::Synced => query
            .filter(national_sync_states::Column::SyncedAt.is_not_null())
            .filter(national_sync_states::Column::LastError.is_null()),
        RowFilter::Failing => query.filter(national_sync_states::Column::LastError.is_not_null()),
        RowFilter::Only => query.filter(national_sync_states::Column::DossierId.is_in(ids.iter().copied())),
    };
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(national_sync_states::Column::UpdatedAt)
        .order_by_desc(national_sync_states::Column::DossierId)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    let dossier_ids: Vec<Uuid> = rows.iter().map(|r| r.dossier_id).collect();
    let mut found: HashMap<Uuid, dossiers::Model> = dossiers::Entity::find()
        .filter(dossiers::Column::Id.is_in(dossier_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    Ok((rows.into_iter().map(|r| (r.clone(), found.remove(&r.dossier_id))).collect(), total))
}

/// Pending and dead `national_sync` jobs per dossier, for `dossier_ids`.
pub(super) async fn job_counts(
    db: &impl ConnectionTrait,
    dossier_ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, (u64, u64)>> {
    let keys: HashMap<String, Uuid> = dossier_ids.iter().map(|id| (ordering_key(*id), *id)).collect();
    let rows: Vec<(Option<String>, String, i64)> = outbox_jobs::Entity::find()
        .select_only()
        .column(outbox_jobs::Column::OrderingKey)
        .column(outbox_jobs::Column::State)
        .column_as(outbox_jobs::Column::Id.count(), "n")
        .filter(outbox_jobs::Column::Kind.eq(NATIONAL_SYNC_JOB))
        .filter(outbox_jobs::Column::State.is_in(["pending", "dead"]))
        .filter(outbox_jobs::Column::OrderingKey.is_in(keys.keys().cloned()))
        .group_by(outbox_jobs::Column::OrderingKey)
        .group_by(outbox_jobs::Column::State)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<Uuid, (u64, u64)> = HashMap::new();
    for (key, state, n) in rows {
        let Some(id) = key.and_then(|k| keys.get(&k).copied()) else { continue };
        let entry = counts.entry(id).or_default();
        let n = u64::try_from(n).unwrap_or(0);
        if state == "pending" {
            entry.0 += n;
        } else {
            entry.1 += n;
        }
    }
    Ok(counts)
}

/// A page of the dossiers with `national_sync` jobs in `state` (`pending` or `dead`), and how
/// many there are.
pub(super) async fn dossiers_with_jobs(
    db: &impl ConnectionTrait,
    state: &str,
    page: Page,
) -> StoreResult<(Vec<Uuid>, u64)> {
    let query = outbox_jobs::Entity::find()
        .select_only()
        .column(outbox_jobs::Column::OrderingKey)
        .distinct()
        .filter(outbox_jobs::Column::Kind.eq(NATIONAL_SYNC_JOB))
        .filter(outbox_jobs::Column::State.eq(state));
    let total = query.clone().count(db).await?;
    let keys: Vec<Option<String>> = query
        .order_by_asc(outbox_jobs::Column::OrderingKey)
        .offset(page.offset())
        .limit(page.per_page)
        .into_tuple()
        .all(db)
        .await?;
    let ids = keys
        .into_iter()
        .flatten()
        .filter_map(|k| k.strip_prefix("national_sync:dossier:").and_then(|id| Uuid::parse_str(id).ok()))
        .collect();
    Ok((ids, total))
}

/// Dossiers received in `[from, to)` (of `agency`, if given) whose record reached the portal
/// after reception: synced with a status other than 1 (submitted, not yet received).
pub(super) async fn count_synced_received(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    agency: Option<&str>,
) -> StoreResult<u64> {
    let mut received = Query::select()
        .column(dossiers::Column::Id)
        .from(dossiers::Entity)
        .and_where(Expr::col(dossiers::Column::ReceivedAt).gte(from.fixed_offset()))
        .and_where(Expr::col(dossiers::Column::ReceivedAt).lt(to.fixed_offset()))
        .to_owned();
    if let Some(agency) = agency {
        received.and_where(Expr::col(dossiers::Column::AgencyCode).eq(agency));
    }
    national_sync_states::Entity::find()
        .filter(national_sync_states::Column::SyncedAt.is_not_null())
        .filter(national_sync_states::Column::LastStatus.ne(1))
        .filter(national_sync_states::Column::DossierId.in_subquery(received))
        .count(db)
        .await
}

/// A new webhook subscription.
pub(super) async fn insert_webhook(
    db: &impl ConnectionTrait,
    row: webhook_subscriptions::Model,
) -> StoreResult<webhook_subscriptions::Model> {
    let model: webhook_subscriptions::ActiveModel = row.clone().into();
    webhook_subscriptions::Entity::insert(model).exec_without_returning(db).await?;
    Ok(row)
}

/// Every webhook subscription, oldest first.
pub(super) async fn list_webhooks(db: &impl ConnectionTrait) -> StoreResult<Vec<webhook_subscriptions::Model>> {
    webhook_subscriptions::Entity::find()
        .order_by_asc(webhook_subscriptions::Column::CreatedAt)
        .order_by_asc(webhook_subscriptions::Column::Id)
        .all(db)
        .await
}

pub(super) async fn find_webhook(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> StoreResult<Option<webhook_subscriptions::Model>> {
    webhook_subscriptions::Entity::find_by_id(id).one(db).await
}

/// Removes a subscription; `false` if there was none.
pub(super) async fn delete_webhook(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<bool> {
    Ok(webhook_subscriptions::Entity::delete_by_id(id).exec(db).await?.rows_affected == 1)
}

/// A dossier's code, if it has one.
pub(super) async fn find_dossier_code(db: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<String>> {
    Ok(dossiers::Entity::find_by_id(id).one(db).await?.and_then(|d| d.code))
}
