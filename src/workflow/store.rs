//! The only place the workflow touches the database: the state columns of `dossiers` and the
//! append-only `dossier_events`.

use chrono::{DateTime, Utc};
use entity::{dossier_events, dossier_results, dossiers, payments, result_signing_keys};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use super::desk::{QueueFilter, OPEN_STATES};
use super::domain::DossierState;
use super::error::WorkflowError;
use super::results::IssuedDocument;
use super::service::Effects;
use crate::http::pagination::Page;

/// The dossier's row, read once by a transition for both its state and its recorded facts.
pub(super) async fn find_dossier_row(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<dossiers::Model>, WorkflowError> {
    Ok(dossiers::Entity::find_by_id(id).one(db).await?)
}

fn at(t: DateTime<Utc>) -> Expr {
    Expr::value(t.fixed_offset())
}

fn maybe_at(t: Option<DateTime<Utc>>) -> Expr {
    Expr::value(t.map(|t| t.fixed_offset()))
}

/// Moves the dossier to `to` if it is still at `version` and returns the row as written
/// (`UPDATE … RETURNING`, on both backends); `None` when another transaction won.
/// On PostgreSQL the UPDATE also locks the row until commit, which orders the audit appends.
pub(super) async fn update_state(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    to: &str,
    resume_state: Option<&str>,
    now: DateTime<Utc>,
    effects: &Effects,
) -> Result<Option<dossiers::Model>, WorkflowError> {
    use dossiers::Column as C;
    let mut update = dossiers::Entity::update_many()
        .col_expr(C::State, Expr::value(to))
        .col_expr(C::ResumeState, Expr::value(resume_state.map(str::to_owned)))
        .col_expr(C::Version, Expr::value(version + 1))
        .col_expr(C::UpdatedAt, at(now));
    let e = effects.clone();
    if let Some(t) = e.received_at {
        update = update.col_expr(C::ReceivedAt, at(t));
    }
    if let Some(t) = e.due_at {
        update = update.col_expr(C::DueAt, maybe_at(t));
    }
    if let Some(t) = e.statutory_due_at {
        update = update.col_expr(C::StatutoryDueAt, maybe_at(t));
    }
    if let Some(a) = e.assignee_id {
        update = update.col_expr(C::AssigneeId, Expr::value(a));
    }
    if let Some(agency) = e.handling_agency_code {
        update = update.col_expr(C::HandlingAgencyCode, Expr::value(agency));
    }
    if let Some(t) = e.paused_at {
        update = update.col_expr(C::PausedAt, maybe_at(t));
    }
    if let Some(n) = e.supplement_requests {
        update = update.col_expr(C::SupplementRequests, Expr::value(n));
    }
    if let Some(n) = e.supplement_seconds {
        update = update.col_expr(C::SupplementSeconds, Expr::value(n));
    }
    if let Some(n) = e.apologies {
        update = update.col_expr(C::Apologies, Expr::value(n));
    }
    if let Some(t) = e.finished_at {
        update = update.col_expr(C::FinishedAt, at(t));
    }
    if let Some(t) = e.resolved_at {
        update = update.col_expr(C::ResolvedAt, at(t));
    }
    if let Some(t) = e.returned_at {
        update = update.col_expr(C::ReturnedAt, at(t));
    }
    if let Some(v) = e.decision {
        update = update.col_expr(C::Decision, Expr::value(v));
    }
    if let Some(n) = e.fee_total {
        update = update.col_expr(C::FeeTotal, Expr::value(n));
    }
    if let Some(v) = e.payment_method {
        update = update.col_expr(C::PaymentMethod, Expr::value(v));
    }
    if let Some(t) = e.paid_at {
        update = update.col_expr(C::PaidAt, at(t));
    }
    if let Some(v) = e.return_method {
        update = update.col_expr(C::ReturnMethod, Expr::value(v));
    }
    if let Some(v) = e.rating {
        update = update.col_expr(C::Rating, Expr::value(v));
    }
    if let Some(v) = e.rating_comment {
        update = update.col_expr(C::RatingComment, Expr::value(v));
    }
    if let Some(t) = e.rated_at {
        update = update.col_expr(C::RatedAt, at(t));
    }
    let written = update
        .filter(dossiers::Column::Id.eq(id))
        .filter(dossiers::Column::Version.eq(version))
        .exec_with_returning(db)
        .await?;
    Ok(written.into_iter().next())
}

pub(super) async fn last_event(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Option<dossier_events::Model>, WorkflowError> {
    Ok(dossier_events::Entity::find()
        .filter(dossier_events::Column::DossierId.eq(dossier_id))
        .order_by_desc(dossier_events::Column::Seq)
        .one(db)
        .await?)
}

pub(super) async fn insert_event(db: &impl ConnectionTrait, event: dossier_events::Model) -> Result<(), WorkflowError> {
    dossier_events::ActiveModel {
        id: Set(event.id),
        dossier_id: Set(event.dossier_id),
        seq: Set(event.seq),
        action: Set(event.action),
        actor_id: Set(event.actor_id),
        actor_role: Set(event.actor_role),
        from_state: Set(event.from_state),
        to_state: Set(event.to_state),
        note: Set(event.note),
        data: Set(event.data),
        at: Set(event.at),
        prev_hash: Set(event.prev_hash),
        hash: Set(event.hash),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub(super) async fn events(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Vec<dossier_events::Model>, WorkflowError> {
    Ok(dossier_events::Entity::find()
        .filter(dossier_events::Column::DossierId.eq(dossier_id))
        .order_by_asc(dossier_events::Column::Seq)
        .all(db)
        .await?)
}

/// Ids of every dossier that has audit events.
pub(super) async fn dossiers_with_events(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, WorkflowError> {
    use sea_orm::QuerySelect;
    Ok(dossier_events::Entity::find()
        .select_only()
        .column(dossier_events::Column::DossierId)
        .distinct()
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}

pub(super) async fn result_keys(db: &impl ConnectionTrait) -> Result<Vec<result_signing_keys::Model>, WorkflowError> {
    Ok(result_signing_keys::Entity::find().order_by_asc(result_signing_keys::Column::CreatedAt).all(db).await?)
}

pub(super) async fn insert_result_key(
    db: &impl ConnectionTrait,
    id: &str,
    public_key: &str,
    secret_key: &str,
    now: DateTime<Utc>,
) -> Result<(), WorkflowError> {
    result_signing_keys::ActiveModel {
        id: Set(id.to_owned()),
        public_key: Set(public_key.to_owned()),
        secret_key: Set(secret_key.to_owned()),
        created_at: Set(now.fixed_offset()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub(super) async fn find_result_draft(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Option<dossier_results::Model>, WorkflowError> {
    Ok(dossier_results::Entity::find()
        .filter(dossier_results::Column::DossierId.eq(dossier_id))
        .filter(dossier_results::Column::Status.eq("draft"))
        .order_by_desc(dossier_results::Column::CreatedAt)
        .one(db)
        .await?)
}

pub(super) async fn insert_result_draft(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    decision: &str,
    summary: &str,
    proposed_by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), WorkflowError> {
    dossier_results::ActiveModel {
        id: Set(Uuid::now_v7()),
        dossier_id: Set(dossier_id),
        status: Set("draft".to_owned()),
        decision: Set(decision.to_owned()),
        summary: Set(summary.to_owned()),
        proposed_by: Set(Some(proposed_by)),
        file_name: Set(None),
        content_type: Set(None),
        size: Set(None),
        sha256: Set(None),
        storage_key: Set(None),
        signature: Set(None),
        key_id: Set(None),
        issued_by: Set(None),
        issued_at: Set(None),
        created_at: Set(now.fixed_offset()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub(super) async fn discard_result_drafts(db: &impl ConnectionTrait, dossier_id: Uuid) -> Result<(), WorkflowError> {
    dossier_results::Entity::update_many()
        .col_expr(dossier_results::Column::Status, Expr::value("discarded"))
        .filter(dossier_results::Column::DossierId.eq(dossier_id))
        .filter(dossier_results::Column::Status.eq("draft"))
        .exec(db)
        .await?;
    Ok(())
}

/// Issues the dossier's draft with `document`; `false` when there is no draft.
pub(super) async fn issue_result_draft(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    document: &IssuedDocument,
    issued_by: Uuid,
    issued_at: DateTime<Utc>,
) -> Result<bool, WorkflowError> {
    let result = dossier_results::Entity::update_many()
        .col_expr(dossier_results::Column::Status, Expr::value("issued"))
        .col_expr(dossier_results::Column::FileName, Expr::value(document.file_name.clone()))
        .col_expr(dossier_results::Column::ContentType, Expr::value("text/html; charset=utf-8"))
        .col_expr(dossier_results::Column::Size, Expr::value(document.size))
        .col_expr(dossier_results::Column::Sha256, Expr::value(document.sha256.clone()))
        .col_expr(dossier_results::Column::StorageKey, Expr::value(document.storage_key.clone()))
        .col_expr(dossier_results::Column::Signature, Expr::value(document.signature.clone()))
        .col_expr(dossier_results::Column::KeyId, Expr::value(document.key_id.clone()))
        .col_expr(dossier_results::Column::IssuedBy, Expr::value(issued_by))
        .col_expr(dossier_results::Column::IssuedAt, at(issued_at))
        .filter(dossier_results::Column::DossierId.eq(dossier_id))
        .filter(dossier_results::Column::Status.eq("draft"))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

pub(super) async fn issued_results(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Vec<dossier_results::Model>, WorkflowError> {
    Ok(dossier_results::Entity::find()
        .filter(dossier_results::Column::DossierId.eq(dossier_id))
        .filter(dossier_results::Column::Status.eq("issued"))
        .order_by_asc(dossier_results::Column::IssuedAt)
        .all(db)
        .await?)
}

pub(super) async fn find_issued_by_code_and_hash(
    db: &impl ConnectionTrait,
    code: &str,
    sha256: &str,
) -> Result<Option<(dossiers::Model, dossier_results::Model)>, WorkflowError> {
    let Some(dossier) = dossiers::Entity::find().filter(dossiers::Column::Code.eq(code)).one(db).await? else {
        return Ok(None);
    };
    let result = dossier_results::Entity::find()
        .filter(dossier_results::Column::DossierId.eq(dossier.id))
        .filter(dossier_results::Column::Status.eq("issued"))
        .filter(dossier_results::Column::Sha256.eq(sha256))
        .one(db)
        .await?;
    Ok(result.map(|r| (dossier, r)))
}

pub(super) async fn insert_payment(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    fees: &str,
    amount: i64,
    now: DateTime<Utc>,
) -> Result<(), WorkflowError> {
    // A newer request replaces an unpaid older one.
    payments::Entity::update_many()
        .col_expr(payments::Column::Status, Expr::value("cancelled"))
        .filter(payments::Column::DossierId.eq(dossier_id))
        .filter(payments::Column::Status.eq("pending"))
        .exec(db)
        .await?;
    payments::ActiveModel {
        id: Set(Uuid::now_v7()),
        dossier_id: Set(dossier_id),
        fees: Set(fees.to_owned()),
        amount: Set(amount),
        status: Set("pending".to_owned()),
        method: Set(None),
        provider: Set(None),
        reference: Set(None),
        created_at: Set(now.fixed_offset()),
        expires_at: Set(None),
        settled_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Settles the dossier's pending payment; `false` when there is none.
pub(super) async fn settle_payments(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    method: &str,
    provider: Option<&str>,
    reference: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, WorkflowError> {
    let result = payments::Entity::update_many()
        .col_expr(payments::Column::Status, Expr::value("settled"))
        .col_expr(payments::Column::Method, Expr::value(method))
        .col_expr(payments::Column::Provider, Expr::value(provider.map(str::to_owned)))
        .col_expr(payments::Column::Reference, Expr::value(reference.map(str::to_owned)))
        .col_expr(payments::Column::SettledAt, at(now))
        .filter(payments::Column::DossierId.eq(dossier_id))
        .filter(payments::Column::Status.eq("pending"))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Settles one pending payment; `false` when it is no longer pending.
pub(super) async fn settle_payment(
    db: &impl ConnectionTrait,
    id: Uuid,
    method: &str,
    provider: &str,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<bool, WorkflowError> {
    let result = payments::Entity::update_many()
        .col_expr(payments::Column::Status, Expr::value("settled"))
        .col_expr(payments::Column::Method, Expr::value(method))
        .col_expr(payments::Column::Provider, Expr::value(provider))
        .col_expr(payments::Column::Reference, Expr::value(reference))
        .col_expr(payments::Column::SettledAt, at(now))
        .filter(payments::Column::Id.eq(id))
        .filter(payments::Column::Status.eq("pending"))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Marks one pending payment expired (`expires_at` records when); `false` when it is no longer pending.
pub(super) async fn expire_payment(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, WorkflowError> {
    let result = payments::Entity::update_many()
        .col_expr(payments::Column::Status, Expr::value("expired"))
        .col_expr(payments::Column::ExpiresAt, at(now))
        .filter(payments::Column::Id.eq(id))
        .filter(payments::Column::Status.eq("pending"))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Up to `limit` payments pending since before `before`, oldest first.
pub(super) async fn find_payments_pending_before(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<payments::Model>, WorkflowError> {
    Ok(payments::Entity::find()
        .filter(payments::Column::Status.eq("pending"))
        .filter(payments::Column::CreatedAt.lte(before.fixed_offset()))
        .order_by_asc(payments::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?)
}

pub(super) async fn payments(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Vec<payments::Model>, WorkflowError> {
    Ok(payments::Entity::find()
        .filter(payments::Column::DossierId.eq(dossier_id))
        .order_by_asc(payments::Column::CreatedAt)
        .all(db)
        .await?)
}

pub(super) async fn find_payment(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<payments::Model>, WorkflowError> {
    Ok(payments::Entity::find_by_id(id).one(db).await?)
}

/// Dossiers an agency works on: those it leads and those handed over to it.
fn of_agency(agency_code: &str) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(dossiers::Column::AgencyCode.eq(agency_code))
        .add(dossiers::Column::HandlingAgencyCode.eq(agency_code))
}

pub(super) async fn desk_queue(
    db: &impl ConnectionTrait,
    agency_code: &str,
    filter: &QueueFilter,
    page: Page,
    now: DateTime<Utc>,
) -> Result<(Vec<dossiers::Model>, u64), WorkflowError> {
    use sea_orm::{Condition, Order, PaginatorTrait, QuerySelect};
    let open: Vec<&str> = OPEN_STATES.iter().map(|s| s.as_str()).collect();
    let mut query = dossiers::Entity::find()
        .filter(of_agency(agency_code))
        .filter(dossiers::Column::State.ne(DossierState::Draft.as_str()));
    if let Some(state) = filter.state {
        query = query.filter(dossiers::Column::State.eq(state.as_str()));
    }
    if let Some(assignee) = filter.assignee_id {
        query = query.filter(dossiers::Column::AssigneeId.eq(assignee));
    }
    let overdue = Condition::all()
        .add(dossiers::Column::State.is_in(open.clone()))
        .add(dossiers::Column::DueAt.lt(now.fixed_offset()));
    match filter.overdue {
        Some(true) => query = query.filter(overdue),
        Some(false) => query = query.filter(overdue.not()),
        None => {}
    }
    if let Some(before) = filter.due_before {
        query = query.filter(dossiers::Column::DueAt.lt(before.fixed_offset()));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_with_nulls(dossiers::Column::DueAt, Order::Asc, sea_orm::sea_query::NullOrdering::Last)
        .order_by_asc(dossiers::Column::SubmittedAt)
        .order_by_asc(dossiers::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

pub(super) async fn count_by_state(
    db: &impl ConnectionTrait,
    agency_code: &str,
) -> Result<Vec<(String, i64)>, WorkflowError> {
    use sea_orm::QuerySelect;
    Ok(dossiers::Entity::find()
        .select_only()
        .column(dossiers::Column::State)
        .column_as(dossiers::Column::Id.count(), "n")
        .filter(of_agency(agency_code))
        .filter(dossiers::Column::State.ne(DossierState::Draft.as_str()))
        .group_by(dossiers::Column::State)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?)
}
