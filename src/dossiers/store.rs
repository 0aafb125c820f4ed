//! The only place dossiers touch the database (their state columns belong to the workflow).

use chrono::{DateTime, Utc};
use entity::{dossier_sequences, dossiers, idempotency_keys};
use sea_orm::prelude::DateTimeWithTimeZone;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use uuid::Uuid;

use super::domain::Channel;
use super::error::DossierError;
use super::lookup_cache::LookupView;
use crate::http::pagination::Page;
use crate::workflow::domain::DossierState;

/// A dossier as the rest of the service sees it.
#[derive(Debug, Clone)]
pub struct Dossier {
    pub id: Uuid,
    pub code: Option<String>,
    pub lookup_secret: Option<String>,
    pub procedure_code: String,
    pub agency_code: String,
    pub applicant_id: Uuid,
    pub state: DossierState,
    /// The state a waiting dossier returns to after the supplement or payment.
    pub resume_state: Option<DossierState>,
    /// The national portal's id, for dossiers filed there.
    pub external_id: Option<String>,
    /// The applicant signed in with VNeID (`TaiKhoanDuocXacThucVoiVNeID`).
    pub vneid_authenticated: bool,
    /// The agency it is handed over to (liên thông), while the lead agency waits for its part.
    pub handling_agency_code: Option<String>,
    pub channel: Channel,
    pub form_data: serde_json::Value,
    pub version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the desk recorded while handling it.
    pub processing: Processing,
}

/// The facts recorded while a dossier is handled (DESIGN.md §6, §8), written only by the
/// workflow in the transaction of the action that establishes them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Processing {
    /// The specialist handling it.
    pub assignee_id: Option<Uuid>,
    /// The appointment at reception moved only by clock pauses, never by an apology: what the
    /// 766 on-time rule compares the finish with.
    pub statutory_due_at: Option<DateTime<Utc>>,
    /// Since when the clock stands still (waiting for a supplement or a payment).
    pub paused_at: Option<DateTime<Utc>>,
    /// Supplement requests made.
    pub supplement_requests: i32,
    /// Seconds the citizen spent supplementing.
    pub supplement_seconds: i64,
    /// Apologies (Mẫu 04) issued.
    pub apologies: i32,
    /// `NgayKetThucXuLy`: resolved, refused, stopped or withdrawn.
    pub finished_at: Option<DateTime<Utc>>,
    /// `approved` or `denied`.
    pub decision: Option<String>,
    /// Fees requested, in đồng.
    pub fee_total: i64,
    /// `online` or `cash`.
    pub payment_method: Option<String>,
    /// When the fee was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// `online`, `desk` or `post`.
    pub return_method: Option<String>,
    /// `satisfied`, `neutral` or `unsatisfied`.
    pub rating: Option<String>,
    /// The citizen's comment with the rating.
    pub rating_comment: Option<String>,
    /// When the citizen rated.
    pub rated_at: Option<DateTime<Utc>>,
}

fn utc(t: Option<chrono::DateTime<chrono::FixedOffset>>) -> Option<DateTime<Utc>> {
    t.map(|t| t.with_timezone(&Utc))
}

impl TryFrom<dossiers::Model> for Dossier {
    type Error = DossierError;

    fn try_from(m: dossiers::Model) -> Result<Self, DossierError> {
        let state =
            DossierState::parse(&m.state).ok_or_else(|| anyhow::anyhow!("dossier {} has unknown state", m.id))?;
        let channel =
            Channel::parse(&m.channel).ok_or_else(|| anyhow::anyhow!("dossier {} has unknown channel", m.id))?;
        let form_data =
            serde_json::from_str(&m.form_data).map_err(|e| anyhow::anyhow!("dossier {} form data: {e}", m.id))?;
        Ok(Self {
            id: m.id,
            code: m.code,
            lookup_secret: m.lookup_secret,
            procedure_code: m.procedure_code,
            agency_code: m.agency_code,
            applicant_id: m.applicant_id,
            state,
            resume_state: m.resume_state.as_deref().and_then(DossierState::parse),
            external_id: m.external_id,
            vneid_authenticated: m.vneid_authenticated,
            handling_agency_code: m.handling_agency_code,
            channel,
            form_data,
            version: m.version,
            submitted_at: utc(m.submitted_at),
            received_at: utc(m.received_at),
            due_at: utc(m.due_at),
            resolved_at: utc(m.resolved_at),
            returned_at: utc(m.returned_at),
            created_at: m.created_at.with_timezone(&Utc),
            updated_at: m.updated_at.with_timezone(&Utc),
            processing: Processing {
                assignee_id: m.assignee_id,
                statutory_due_at: utc(m.statutory_due_at),
                paused_at: utc(m.paused_at),
                supplement_requests: m.supplement_requests,
                supplement_seconds: m.supplement_seconds,
                apologies: m.apologies,
                finished_at: utc(m.finished_at),
                decision: m.decision,
                fee_total: m.fee_total,
                payment_method: m.payment_method,
                paid_at: utc(m.paid_at),
                return_method: m.return_method,
                rating: m.rating,
                rating_comment: m.rating_comment,
                rated_at: utc(m.rated_at),
            },
        })
    }
}

/// A new draft.
pub struct NewDraft {
    pub procedure_code: String,
    pub agency_code: String,
    pub applicant_id: Uuid,
    pub channel: Channel,
    pub form_data: serde_json::Value,
    /// The national portal's id, for dossiers filed there.
    pub external_id: Option<String>,
    /// The applicant signed in with VNeID.
    pub vneid_authenticated: bool,
}

pub(super) async fn insert_draft(
    db: &impl ConnectionTrait,
    new: NewDraft,
    now: DateTime<Utc>,
) -> Result<Dossier, DossierError> {
    insert_draft_with_id(db, Uuid::now_v7(), new, now).await
}

pub(super) async fn insert_draft_with_id(
    db: &impl ConnectionTrait,
    id: Uuid,
    new: NewDraft,
    now: DateTime<Utc>,
) -> Result<Dossier, DossierError> {
    let row = dossiers::ActiveModel {
        id: Set(id),
        code: Set(None),
        lookup_secret: Set(None),
        procedure_code: Set(new.procedure_code),
        agency_code: Set(new.agency_code),
        applicant_id: Set(new.applicant_id),
        state: Set(DossierState::Draft.as_str().to_owned()),
        resume_state: Set(None),
        channel: Set(new.channel.as_str().to_owned()),
        form_data: Set(serde_json::to_string(&new.form_data).map_err(|e| anyhow::anyhow!("write form data: {e}"))?),
        version: Set(1),
        submitted_at: Set(None),
        received_at: Set(None),
        due_at: Set(None),
        resolved_at: Set(None),
        returned_at: Set(None),
        created_at: Set(now.fixed_offset()),
        updated_at: Set(now.fixed_offset()),
        assignee_id: Set(None),
        statutory_due_at: Set(None),
        paused_at: Set(None),
        supplement_requests: Set(0),
        supplement_seconds: Set(0),
        apologies: Set(0),
        finished_at: Set(None),
        decision: Set(None),
        fee_total: Set(0),
        payment_method: Set(None),
        paid_at: Set(None),
        return_method: Set(None),
        rating: Set(None),
        rating_comment: Set(None),
        rated_at: Set(None),
        external_id: Set(new.external_id),
        vneid_authenticated: Set(new.vneid_authenticated),
        handling_agency_code: Set(None),
    }
    .insert(db)
    .await?;
    Dossier::try_from(row)
}

pub(super) async fn find_dossier(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Dossier>, DossierError> {
    dossiers::Entity::find_by_id(id).one(db).await?.map(Dossier::try_from).transpose()
}

/// What the public lookup needs of the dossier with `code` (a narrow read: no form data). A
/// dossier without a code or secret yet is not found.
pub(super) async fn find_lookup(db: &impl ConnectionTrait, code: &str) -> Result<Option<LookupView>, DossierError> {
    type Row = (
        Option<String>,
        Option<String>,
        String,
        String,
        Option<DateTimeWithTimeZone>,
        Option<DateTimeWithTimeZone>,
        i32,
    );
    let row: Option<Row> = dossiers::Entity::find()
        .select_only()
        .columns([
            dossiers::Column::Code,
            dossiers::Column::LookupSecret,
            dossiers::Column::State,
            dossiers::Column::AgencyCode,
            dossiers::Column::ReceivedAt,
            dossiers::Column::DueAt,
            dossiers::Column::Version,
        ])
        .filter(dossiers::Column::Code.eq(code))
        .into_tuple()
        .one(db)
        .await?;
    let Some((Some(code), Some(lookup_secret), state, agency_code, received_at, due_at, version)) = row else {
        return Ok(None);
    };
    let state = DossierState::parse(&state).ok_or_else(|| anyhow::anyhow!("dossier {code} has unknown state"))?;
    Ok(Some(LookupView {
        code,
        lookup_secret,
        state,
        agency_code,
        received_at: utc(received_at),
        due_at: utc(due_at),
        version,
    }))
}

pub(super) async fn list_for_applicant(
    db: &impl ConnectionTrait,
    applicant_id: Uuid,
    state: Option<DossierState>,
    page: Page,
) -> Result<(Vec<Dossier>, u64), DossierError> {
    let mut query = dossiers::Entity::find().filter(dossiers::Column::ApplicantId.eq(applicant_id));
    if let Some(state) = state {
        query = query.filter(dossiers::Column::State.eq(state.as_str()));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(dossiers::Column::CreatedAt)
        .order_by_desc(dossiers::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((rows.into_iter().map(Dossier::try_from).collect::<Result<_, _>>()?, total))
}

/// Takes the next running number of an agency's day. The upsert holds the sequence row's lock
/// until the transaction ends, so numbers are unique and gap-free per agency and day on both
/// backends; only submissions to the same agency on the same day wait for one another.
pub(super) async fn next_number(db: &impl ConnectionTrait, agency_code: &str, day: &str) -> Result<u32, DossierError> {
    let insert = Query::insert()
        .into_table(dossier_sequences::Entity)
        .columns([
            dossier_sequences::Column::AgencyCode,
            dossier_sequences::Column::Day,
            dossier_sequences::Column::LastNumber,
        ])
        .values([agency_code.into(), day.into(), 1.into()])
        .map_err(|e| anyhow::anyhow!("build the sequence upsert: {e}"))?
        .on_conflict(
            OnConflict::columns([dossier_sequences::Column::AgencyCode, dossier_sequences::Column::Day])
                .value(
                    dossier_sequences::Column::LastNumber,
                    Expr::col((dossier_sequences::Entity, dossier_sequences::Column::LastNumber)).add(1),
                )
                .to_owned(),
        )
        .returning_col(dossier_sequences::Column::LastNumber)
        .to_owned();
    let statement = db.get_database_backend().build(&insert);
    let row =
        db.query_one_raw(statement).await?.ok_or_else(|| anyhow::anyhow!("the sequence upsert returned no row"))?;
    let number: i32 = row.try_get("", "last_number")?;
    Ok(u32::try_from(number).map_err(|e| anyhow::anyhow!("sequence out of range: {e}"))?)
}

/// Gives the dossier its code, lookup secret and submission time; the dossier as written
/// (`RETURNING`: no read after), or `None` if there is no such dossier.
pub(super) async fn set_submission(
    db: &impl ConnectionTrait,
    id: Uuid,
    code: &str,
    lookup_secret: &str,
    submitted_at: DateTime<Utc>,
) -> Result<Option<Dossier>, DossierError> {
    dossiers::Entity::update_many()
        .col_expr(dossiers::Column::Code, Expr::value(code))
        .col_expr(dossiers::Column::LookupSecret, Expr::value(lookup_secret))
        .col_expr(dossiers::Column::SubmittedAt, Expr::value(submitted_at.fixed_offset()))
        .filter(dossiers::Column::Id.eq(id))
        .exec_with_returning(db)
        .await?
        .into_iter()
        .next()
        .map(Dossier::try_from)
        .transpose()
}

/// A stored idempotent response.
pub struct StoredResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

pub(super) async fn find_idempotent(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    key: &str,
) -> Result<Option<StoredResponse>, DossierError> {
    let row = idempotency_keys::Entity::find_by_id((account_id, key.to_owned())).one(db).await?;
    Ok(row.map(|r| StoredResponse {
        request_hash: r.request_hash,
        status: u16::try_from(r.status).unwrap_or(200),
        body: r.body,
    }))
}

pub(super) async fn save_idempotent(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    key: &str,
    response: &StoredResponse,
    now: DateTime<Utc>,
) -> Result<(), DossierError> {
    idempotency_keys::ActiveModel {
        account_id: Set(account_id),
        key: Set(key.to_owned()),
        request_hash: Set(response.request_hash.clone()),
        status: Set(i32::from(response.status)),
        body: Set(response.body.clone()),
        created_at: Set(now.fixed_offset()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub(super) async fn find_dossier_by_external_id(
    db: &impl ConnectionTrait,
    external_id: &str,
) -> Result<Option<Dossier>, DossierError> {
    dossiers::Entity::find()
        .filter(dossiers::Column::ExternalId.eq(external_id))
        .one(db)
        .await?
        .map(Dossier::try_from)
        .transpose()
}

/// The dossiers `agency_code` received in `[from, to)`, in the order received (the tracking
/// book, Mẫu 06/07), at most `limit`.
pub(super) async fn list_received_between(
    db: &impl ConnectionTrait,
    agency_code: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Dossier>, DossierError> {
    let rows = dossiers::Entity::find()
        .filter(dossiers::Column::AgencyCode.eq(agency_code))
        .filter(dossiers::Column::ReceivedAt.gte(from))
        .filter(dossiers::Column::ReceivedAt.lt(to))
        .order_by_asc(dossiers::Column::ReceivedAt)
        .order_by_asc(dossiers::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    rows.into_iter().map(Dossier::try_from).collect()
}
