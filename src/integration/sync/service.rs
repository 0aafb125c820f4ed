//! Sync use cases: queue a dossier's state change for the national portal (inside the workflow's
//! transaction), push it when the job runs ([`SyncHandler`]), the admin's per-dossier view, and
//! the count behind the 766 synchronisation indicator.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{json, Map};
use uuid::Uuid;

use super::adapter::{Adapter, AdapterError};
use super::domain::{
    is_synced, national_dossier, ordering_key, progress_step, ApplicantFacts, DossierFacts, FeeFacts, OnlinePayment,
    RecordError, ResultFacts, StepFacts, SyncJob, NATIONAL_SYNC_JOB, PROGRESS_SERVICE, SYNC_DOSSIER_SERVICE,
};
use super::store::{self, RowFilter};
use crate::http::pagination::Page;
use crate::jobs::{self, JobFailure, JobHandler, NewJob};
use crate::workflow::domain::{Action, Actor, DossierState};

/// Queues what follows a dossier's state change outside this service: the national-portal sync
/// job (ordered per dossier) and one delivery per webhook subscription that wants it. Called by the workflow right after the audit event is appended, in
/// its transaction, so the job exists if and only if the change commits.
///
/// The job is queued whether or not `MOTCUA_NATIONAL_PORTAL_URL` is set: without it no worker
/// runs `national_sync` jobs, so they wait (visible at `GET /admin/jobs?kind=national_sync` and
/// `GET /integration/sync`) and go out in order once a worker with the URL starts.
///
/// # Errors
/// On storage failure.
pub async fn on_transition(
    txn: &impl ConnectionTrait,
    dossier_id: Uuid,
    from: DossierState,
    to: DossierState,
    event_seq: i32,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if !is_synced(from, to) {
        return Ok(());
    }
    store::insert_state_if_absent(txn, dossier_id, at).await.context("create the sync state")?;
    let payload = serde_json::to_value(SyncJob { dossier_id, event_seq }).context("serialise the sync job")?;
    jobs::enqueue(
        txn,
        NewJob {
            kind: NATIONAL_SYNC_JOB,
            ordering_key: Some(ordering_key(dossier_id)),
            dedupe_key: None,
            payload,
            run_at: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("queue the national sync: {e}"))?;
    super::webhooks::enqueue_deliveries(txn, dossier_id, to, event_seq).await
}

/// Reads everything the national record says about a dossier, as it is now; `None` when the
/// dossier does not exist.
async fn dossier_facts(
    db: &DatabaseConnection,
    dossier_id: Uuid,
    public_url: &str,
) -> anyhow::Result<Option<DossierFacts>> {
    let dossier = match crate::dossiers::service::reload(db, dossier_id).await {
        Ok(d) => d,
        Err(crate::dossiers::error::DossierError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(anyhow::anyhow!("read the dossier: {e}")),
    };
    let applicant = store::find_account(db, dossier.applicant_id).await.context("read the applicant")?;
    let procedure = crate::catalog::procedure_service::find_procedure(db, &dossier.procedure_code)
        .await
        .map_err(|e| anyhow::anyhow!("read the procedure: {e}"))?;
    let agency = crate::catalog::service::find_agency(db, &dossier.agency_code)
        .await
        .map_err(|e| anyhow::anyhow!("read the agency: {e}"))?;
    let payments =
        crate::workflow::payments::list(db, &dossier).await.map_err(|e| anyhow::anyhow!("read the payments: {e}"))?;
    let results = crate::workflow::results::issued(db, &dossier, public_url)
        .await
        .map_err(|e| anyhow::anyhow!("read the results: {e}"))?;
    let documents = store::find_documents(db, dossier_id).await.context("read the attachments")?;
    let settled = payments.iter().rev().find(|p| p.status == "settled");
    let online_payment = OnlinePayment::from_payment(
        settled.and_then(|p| p.method.as_deref()),
        settled.and_then(|p| p.provider.as_deref()),
    );
    let fees = payments
        .iter()
        .filter(|p| p.status == "settled" || p.status == "pending")
        .flat_map(|p| p.fees.iter().map(|f| FeeFacts { name: f.name.clone(), amount: f.amount }))
        .collect();
    let (procedure_name, field_name) =
        procedure.map_or_else(|| (dossier.procedure_code.clone(), String::new()), |p| (p.name, p.field));
    Ok(Some(DossierFacts {
        id: dossier.id,
        code: dossier.code.clone(),
        procedure_code: dossier.procedure_code.clone(),
        procedure_name,
        field_name,
        agency_name: agency.map_or_else(|| dossier.agency_code.clone(), |a| a.name),
        agency_code: dossier.agency_code.clone(),
        state: dossier.state,
        channel: dossier.channel,
        applicant: applicant.map_or_else(
            || ApplicantFacts { full_name: String::new(), national_id: None, email: None, phone: None },
            |a| ApplicantFacts {
                full_name: a.full_name,
                national_id: a.national_id,
                email: Some(a.email),
                phone: a.phone,
            },
        ),
        submitted_at: dossier.submitted_at,
        received_at: dossier.received_at,
        due_at: dossier.due_at,
        finished_at: dossier.processing.finished_at,
        returned_at: dossier.returned_at,
        return_method: dossier.processing.return_method.clone(),
        vneid_authenticated: dossier.vneid_authenticated,
        online_payment,
        documents,
        fees,
        results: results.into_iter().map(|r| ResultFacts { id: r.id, name: r.file_name, sha256: r.sha256 }).collect(),
        public_url: public_url.to_owned(),
        mappings: store::find_mappings(db, &dossier.procedure_code).await.context("read the code mappings")?,
    }))
}

/// The step of audit event `seq`, with the actor's name.
async fn step_facts(db: &DatabaseConnection, dossier_id: Uuid, seq: i32) -> anyhow::Result<Option<StepFacts>> {
    let Some(event) = store::find_event(db, dossier_id, seq).await.context("read the audit event")? else {
        return Ok(None);
    };
    let actor = Actor::parse(&event.actor_role).unwrap_or(Actor::System);
    let actor_name = match (actor, event.actor_id) {
        (Actor::Citizen | Actor::Clerk | Actor::Specialist | Actor::Leader | Actor::Admin, Some(id)) => {
            store::find_account(db, id).await.context("read the actor")?.map(|a| a.full_name)
        }
        _ => None,
    };
    let (Some(action), Some(to_state)) = (Action::parse(&event.action), DossierState::parse(&event.to_state)) else {
        anyhow::bail!("audit event {seq} of dossier {dossier_id} has an unknown action or state");
    };
    Ok(Some(StepFacts { action, actor, actor_name, to_state, at: event.at.with_timezone(&Utc) }))
}

/// Runs `national_sync` jobs: builds the dossier's record from its current facts and pushes it
/// (`DongBoHoSoMC`), then the step (`CapNhatTienDoHoSoMC`); records the outcome per dossier.
/// Registered only when `MOTCUA_NATIONAL_PORTAL_URL` is set.
pub struct SyncHandler {
    db: DatabaseConnection,
    adapter: Arc<Adapter>,
    public_url: String,
}

impl SyncHandler {
    /// A handler pushing through `adapter`; links in the records start with `public_url`.
    pub fn new(db: DatabaseConnection, adapter: Arc<Adapter>, public_url: &str) -> Self {
        Self { db, adapter, public_url: public_url.to_owned() }
    }

    async fn push(&self, job: &SyncJob) -> Result<(), JobFailure> {
        let unexpected = |e: anyhow::Error| JobFailure::retry(format!("{e:#}"));
        let Some(facts) = dossier_facts(&self.db, job.dossier_id, &self.public_url).await.map_err(unexpected)? else {
            return Err(JobFailure::permanent(format!("dossier {} does not exist", job.dossier_id)));
        };
        let step = step_facts(&self.db, job.dossier_id, job.event_seq).await.map_err(unexpected)?;
        let record = match national_dossier(&facts) {
            Ok(record) => record,
            Err(RecordError::NotSubmitted(_)) => {
                tracing::info!(dossier.id = %job.dossier_id, "dossier not submitted; nothing to synchronise");
                return Ok(());
            }
        };
        let state = store::find_state(&self.db, job.dossier_id).await.map_err(|e| unexpected(e.into()))?;
        let updating = state.as_ref().is_some_and(|s| s.synced_at.is_some());
        let mut fields = Map::new();
        fields.insert("isUpdating".to_owned(), json!(updating));
        fields.insert("data".to_owned(), json!([record]));
        self.adapter.call(SYNC_DOSSIER_SERVICE, &facts.agency_code, fields).await.map_err(failure)?;
        if let Some(step) = step.as_ref().and_then(|s| progress_step(&facts, s).ok()) {
            let mut fields = Map::new();
            fields.insert("data".to_owned(), json!([step]));
            self.adapter.call(PROGRESS_SERVICE, &facts.agency_code, fields).await.map_err(failure)?;
        }
        // The success and the 766 sync counter it may add to commit together (DESIGN.md §8).
        let txn = crate::db::begin_write(&self.db).await.map_err(|e| unexpected(e.into()))?;
        let status = i32::from(record.trang_thai_ho_so);
        let first_since_reception =
            store::record_success(&txn, job.dossier_id, status, job.event_seq, chrono::Utc::now())
                .await
                .map_err(|e| unexpected(e.into()))?;
        if first_since_reception {
            crate::metrics::records::record_national_sync(&txn, job.dossier_id).await.map_err(unexpected)?;
        }
        txn.commit().await.map_err(|e| unexpected(e.into()))?;
        Ok(())
    }
}

/// Every adapter failure is retried with the outbox's backoff; one that keeps failing (a refused
/// record, wrong credentials) goes dead after the last attempt, for an admin to re-drive once the
/// cause is fixed — a later state change may fix the record, so giving up at once would lose it.
fn failure(e: AdapterError) -> JobFailure {
    JobFailure::retry(e.to_string())
}

impl JobHandler for SyncHandler {
    fn kind(&self) -> &'static str {
        NATIONAL_SYNC_JOB
    }

    fn run(&self, payload: serde_json::Value) -> BoxFuture<'_, Result<(), JobFailure>> {
        Box::pin(async move {
            let job: SyncJob = serde_json::from_value(payload)
                .map_err(|e| JobFailure::permanent(format!("malformed national_sync payload: {e}")))?;
            let outcome = self.push(&job).await;
            if let Err(failure) = &outcome {
                if let Err(e) = store::record_failure(&self.db, job.dossier_id, &failure.message, Utc::now()).await {
                    tracing::warn!(dossier.id = %job.dossier_id, error = %e, "could not record the sync failure");
                }
            }
            outcome
        })
    }
}

/// The admin list's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncFilter {
    /// The last attempt succeeded.
    Synced,
    /// The last attempt failed (it may be retried).
    Failing,
    /// Jobs wait to be sent (or retried).
    Pending,
    /// Jobs gave up and wait for an admin's re-drive.
    Dead,
}

/// One dossier's outbound sync.
#[derive(Debug, Clone)]
pub struct SyncState {
    pub dossier_id: Uuid,
    pub dossier_code: Option<String>,
    pub agency_code: Option<String>,
    /// The dossier's state now.
    pub state: Option<DossierState>,
    /// `TrangThaiHoSo` last accepted by the portal.
    pub last_status: Option<i32>,
    /// When the portal last accepted the record.
    pub synced_at: Option<DateTime<Utc>>,
    pub pending_jobs: u64,
    pub dead_jobs: u64,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

/// A page of per-dossier sync states, most recently touched first (or by dossier for the
/// `pending` and `dead` filters).
///
/// # Errors
/// On storage failure.
pub async fn list_states(
    db: &DatabaseConnection,
    filter: Option<SyncFilter>,
    page: Page,
) -> anyhow::Result<(Vec<SyncState>, u64)> {
    let (rows, total) = match filter {
        None => store::list_states(db, RowFilter::All, &[], page).await?,
        Some(SyncFilter::Synced) => store::list_states(db, RowFilter::Synced, &[], page).await?,
        Some(SyncFilter::Failing) => store::list_states(db, RowFilter::Failing, &[], page).await?,
        Some(f @ (SyncFilter::Pending | SyncFilter::Dead)) => {
            let state = if f == SyncFilter::Pending { "pending" } else { "dead" };
            let (ids, total) = store::dossiers_with_jobs(db, state, page).await?;
            let first = Page { page: 1, per_page: page.per_page };
            (store::list_states(db, RowFilter::Only, &ids, first).await?.0, total)
        }
    };
    let ids: Vec<Uuid> = rows.iter().map(|(s, _)| s.dossier_id).collect();
    let counts: HashMap<Uuid, (u64, u64)> = store::job_counts(db, &ids).await?;
    let items = rows
        .into_iter()
        .map(|(s, d)| {
            let (pending_jobs, dead_jobs) = counts.get(&s.dossier_id).copied().unwrap_or_default();
            SyncState {
                dossier_id: s.dossier_id,
                dossier_code: d.as_ref().and_then(|d| d.code.clone()),
                agency_code: d.as_ref().map(|d| d.agency_code.clone()),
                state: d.as_ref().and_then(|d| DossierState::parse(&d.state)),
                last_status: s.last_status,
                synced_at: s.synced_at.map(|t| t.with_timezone(&Utc)),
                pending_jobs,
                dead_jobs,
                last_error: s.last_error,
                last_error_at: s.last_error_at.map(|t| t.with_timezone(&Utc)),
            }
        })
        .collect();
    Ok((items, total))
}

/// Dossiers received in `[from, to)` (of `agency`, if given) whose record the national portal has
/// accepted since their reception: the numerator of the 766 synchronisation indicator (§1.4).
///
/// # Errors
/// On storage failure.
pub async fn synced_dossier_count(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    agency: Option<&str>,
) -> anyhow::Result<u64> {
    Ok(store::count_synced_received(db, from, to, agency).await?)
}

/// One local code and its national counterpart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeMapping {
    /// The local procedure code.
    pub procedure_code: String,
    /// A document key of the procedure; `None`: the mapping is the procedure's own code.
    pub document_key: Option<String>,
    /// The national TTHC code, or the national `MaThanhPhanHoSo`.
    pub national_code: String,
}

/// Why mappings were not set.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// Unknown procedures or document keys, blank or overlong codes.
    #[error("invalid code mappings")]
    Invalid(Vec<crate::error::FieldError>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<MappingError> for crate::error::ApiError {
    fn from(e: MappingError) -> Self {
        match e {
            MappingError::Invalid(errors) => Self::validation(errors),
            MappingError::Unexpected(cause) => Self::internal(cause),
        }
    }
}

/// Sets the mappings (each replaces an earlier one of the same procedure and document), all or
/// none; later national syncs send the national codes.
///
/// # Errors
/// [`MappingError::Invalid`] naming the item of an unknown procedure or document key.
pub async fn set_code_mappings(db: &DatabaseConnection, items: &[CodeMapping]) -> Result<(), MappingError> {
    let mut errors = Vec::new();
    let field = |i: usize, name: &str, message: &str| crate::error::FieldError {
        field: format!("items[{i}].{name}"),
        message: message.to_owned(),
    };
    for (i, item) in items.iter().enumerate() {
        let procedure = crate::catalog::procedure_service::find_procedure(db, &item.procedure_code)
            .await
            .map_err(|e| anyhow::anyhow!("read the procedure: {e}"))?;
        match (procedure, &item.document_key) {
            (None, _) => errors.push(field(i, "procedure_code", "no such procedure")),
            (Some(p), Some(key)) if !p.documents.iter().any(|d| &d.key == key) => {
                errors.push(field(i, "document_key", "the procedure requires no document with this key"));
            }
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Err(MappingError::Invalid(errors));
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await.context("begin setting code mappings")?;
    for item in items {
        let key = item.document_key.as_deref().unwrap_or_default();
        store::upsert_mapping(&txn, &item.procedure_code, key, &item.national_code, now)
            .await
            .context("store a code mapping")?;
    }
    txn.commit().await.context("commit the code mappings")?;
    Ok(())
}

/// Every mapping, by procedure then document key.
///
/// # Errors
/// On storage failure.
pub async fn list_code_mappings(db: &DatabaseConnection) -> anyhow::Result<Vec<CodeMapping>> {
    Ok(store::list_mappings(db)
        .await
        .context("read the code mappings")?
        .into_iter()
        .map(|(procedure_code, key, national_code)| CodeMapping {
            procedure_code,
            document_key: (!key.is_empty()).then_some(key),
            national_code,
        })
        .collect())
}
