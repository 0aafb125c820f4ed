//! What each action does besides changing the state: its data is validated, turned into the
//! recorded facts it changes ([`Effects`]), and written with the state change by
//! [`super::service::apply`] in one transaction, together with the rows the action creates
//! (result documents, payments).

use anyhow::Context;
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::domain::{Action, Actor, DossierState};
use super::error::WorkflowError;
use super::payments;
use super::results::{self, IssuedDocument, ResultSigner};
use super::service::{self, clock_effects, merge_effects, truncate_to_micros, ClockState, Effects, Step};
use crate::calendar;
use crate::catalog::procedure_domain::Procedure;
use crate::catalog::procedure_service;
use crate::db::begin_write;
use crate::domain_types::Role;
use crate::dossiers::error::DossierError;
use crate::dossiers::lookup_cache::LookupCache;
use crate::dossiers::service::{self as dossiers, Dossier};
use crate::identity::domain::PrincipalKind;
use crate::identity::service::Principal;
use crate::storage::FileStore;

/// What a result decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The request is granted.
    Approved,
    /// The request is denied, with reasons.
    Denied,
}

impl Decision {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Denied => "denied",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Approved, Self::Denied].into_iter().find(|d| d.as_str() == s)
    }
}

/// One item the citizen must add or fix (a row of Mẫu 02).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementItem {
    /// The required document concerned, if it is one of the procedure's.
    #[serde(default)]
    pub document_key: Option<String>,
    /// What is missing or wrong.
    pub description: String,
}

/// One fee line requested.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeLine {
    /// What the fee is for.
    pub name: String,
    /// Amount in đồng, > 0.
    pub amount: i64,
}

/// How the fee was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Through a payment provider; confirmed by its signed callback only.
    Online,
    /// In cash at the desk; confirmed by a clerk.
    Cash,
}

impl PaymentMethod {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Cash => "cash",
        }
    }
}

/// How the result reaches the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnMethod {
    /// Downloaded from the portal: the electronic result.
    Online,
    /// Handed over at the desk.
    Desk,
    /// Sent by public postal service.
    Post,
}

impl ReturnMethod {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Desk => "desk",
            Self::Post => "post",
        }
    }
}

/// The citizen's rating of the service (766 indicator 5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Score {
    Satisfied,
    Neutral,
    Unsatisfied,
}

impl Score {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Satisfied => "satisfied",
            Self::Neutral => "neutral",
            Self::Unsatisfied => "unsatisfied",
        }
    }
}

/// An action on a dossier, with its data (DESIGN.md §7.1). Every variant also takes an optional
/// `note` for the history.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ActionRequest {
    /// The desk accepts the dossier: the appointment time is computed from the procedure's
    /// processing time, the agency's office hours and the calendar, and the receipt (Mẫu 01) issued.
    Receive {
        #[serde(default)]
        note: Option<String>,
    },
    /// The desk refuses the dossier (Mẫu 03).
    Refuse {
        /// Why, for the applicant (1–2000 characters).
        reason: String,
        /// The legal basis of the refusal.
        #[serde(default)]
        legal_basis: Option<String>,
        #[serde(default)]
        note: Option<String>,
    },
    /// Ask the citizen to add or fix documents (Mẫu 02); the deadline clock stops until they do.
    RequestSupplement {
        /// Why (1–2000 characters).
        reason: String,
        /// What to add or fix: 1–50 items.
        items: Vec<SupplementItem>,
        #[serde(default)]
        note: Option<String>,
    },
    /// The citizen has uploaded what was asked for; the clock resumes.
    Supplement {
        #[serde(default)]
        note: Option<String>,
    },
    /// Hand the dossier to a specialist of the agency acting on it, or (liên thông) over to
    /// another agency for its part — or back to the lead agency. Exactly one of `assignee_id`
    /// and `agency_code`.
    Assign {
        /// The specialist's account id.
        #[serde(default)]
        assignee_id: Option<Uuid>,
        /// The agency to hand the dossier over to; the lead agency's code hands it back.
        #[serde(default)]
        agency_code: Option<String>,
        /// The hand-over's time slot: when that agency's part is due (not after the appointment).
        #[serde(default)]
        #[schema(value_type = Option<String>, format = DateTime)]
        slot_due_at: Option<DateTime<FixedOffset>>,
        #[serde(default)]
        note: Option<String>,
    },
    /// The specialist drafts the result for a leader's approval.
    ProposeResult {
        decision: Decision,
        /// The result's content or the reasons of a denial (1–10000 characters).
        summary: String,
        #[serde(default)]
        note: Option<String>,
    },
    /// A leader approves the draft: the result document is issued, stored and signed.
    Approve {
        #[serde(default)]
        note: Option<String>,
    },
    /// A leader sends the draft back to the specialist.
    SendBack {
        /// What to change (1–2000 characters).
        reason: String,
        #[serde(default)]
        note: Option<String>,
    },
    /// Ask the citizen to pay; the clock stops until the payment is confirmed.
    RequestPayment {
        /// 1–20 fee lines, each > 0 đồng.
        fees: Vec<FeeLine>,
        #[serde(default)]
        note: Option<String>,
    },
    /// A clerk confirms a cash payment at the desk (online payments are confirmed by the payment
    /// provider's signed callback).
    ConfirmPayment {
        method: PaymentMethod,
        /// Receipt number (biên lai).
        #[serde(default)]
        reference: Option<String>,
        #[serde(default)]
        note: Option<String>,
    },
    /// The specialist issues the result directly, for procedures that need no leader's approval.
    Resolve {
        decision: Decision,
        /// The result's content or the reasons of a denial (1–10000 characters).
        summary: String,
        #[serde(default)]
        note: Option<String>,
    },
    /// Deliver the result.
    ReturnResult {
        method: ReturnMethod,
        #[serde(default)]
        note: Option<String>,
    },
    /// Stop processing (Thông báo dừng giải quyết hồ sơ).
    Stop {
        /// Why (1–2000 characters).
        reason: String,
        #[serde(default)]
        note: Option<String>,
    },
    /// Apologise for a delay and set a new appointment (Mẫu 04); only before the due time passes.
    Apologize {
        /// Why the result will be late (1–2000 characters).
        reason: String,
        /// The new appointment, later than the current one (RFC 3339).
        #[schema(value_type = String, format = DateTime)]
        new_due_at: DateTime<FixedOffset>,
        #[serde(default)]
        note: Option<String>,
    },
    /// The applicant withdraws the dossier before it is resolved.
    Withdraw {
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        note: Option<String>,
    },
    /// The applicant rates the service once, after the result is returned.
    Rate {
        score: Score,
        /// Up to 2000 characters.
        #[serde(default)]
        comment: Option<String>,
        #[serde(default)]
        note: Option<String>,
    },
}

impl ActionRequest {
    /// The action requested.
    pub fn action(&self) -> Action {
        match self {
            Self::Receive { .. } => Action::Receive,
            Self::Refuse { .. } => Action::Refuse,
            Self::RequestSupplement { .. } => Action::RequestSupplement,
            Self::Supplement { .. } => Action::Supplement,
            Self::Assign { .. } => Action::Assign,
            Self::ProposeResult { .. } => Action::ProposeResult,
            Self::Approve { .. } => Action::Approve,
            Self::SendBack { .. } => Action::SendBack,
            Self::RequestPayment { .. } => Action::RequestPayment,
            Self::ConfirmPayment { .. } => Action::ConfirmPayment,
            Self::Resolve { .. } => Action::Resolve,
            Self::ReturnResult { .. } => Action::ReturnResult,
            Self::Stop { .. } => Action::Stop,
            Self::Apologize { .. } => Action::Apologize,
            Self::Withdraw { .. } => Action::Withdraw,
            Self::Rate { .. } => Action::Rate,
        }
    }

    fn note(&self) -> Option<String> {
        match self {
            Self::Receive { note }
            | Self::Refuse { note, .. }
            | Self::RequestSupplement { note, .. }
            | Self::Supplement { note }
            | Self::Assign { note, .. }
            | Self::ProposeResult { note, .. }
            | Self::Approve { note }
            | Self::SendBack { note, .. }
            | Self::RequestPayment { note, .. }
            | Self::ConfirmPayment { note, .. }
            | Self::Resolve { note, .. }
            | Self::ReturnResult { note, .. }
            | Self::Stop { note, .. }
            | Self::Apologize { note, .. }
            | Self::Withdraw { note, .. }
            | Self::Rate { note, .. } => note.clone(),
        }
    }
}

/// What the workflow needs besides the database: where result documents go and the key that
/// signs them.
pub struct Desk<'a> {
    pub db: &'a DatabaseConnection,
    pub files: &'a FileStore,
    pub signer: &'a ResultSigner,
    /// Public base URL, for the verification links printed on results.
    pub public_url: &'a str,
    /// The public lookup cache, invalidated after every committed action.
    pub lookups: &'a LookupCache,
}

/// The capacities in which `caller` acts on `dossier` (visibility is already checked).
fn actors_of(caller: &Principal, dossier: &Dossier) -> Vec<Actor> {
    match caller.kind {
        PrincipalKind::Citizen if caller.id == dossier.applicant_id => vec![Actor::Citizen],
        // Staff act only for the agency the dossier is with; the other one (lead or cooperating)
        // follows it read-only until it is handed over again.
        PrincipalKind::Staff if caller.agency_code.as_deref() == Some(dossier.acting_agency()) => caller
            .roles
            .iter()
            .map(|role| match role {
                Role::Clerk => Actor::Clerk,
                Role::Specialist => Actor::Specialist,
                Role::Leader => Actor::Leader,
                Role::Admin => Actor::Admin,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Trims `text`; `None` when empty; a 400 beyond `max` characters.
pub(super) fn bounded(field: &str, text: Option<String>, max: usize) -> Result<Option<String>, DossierError> {
    let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > max) {
        return Err(DossierError::invalid(field, format!("at most {max} characters")));
    }
    Ok(text)
}

fn required(field: &str, text: String, max: usize) -> Result<String, DossierError> {
    bounded(field, Some(text), max)?.ok_or_else(|| DossierError::invalid(field, "required"))
}

async fn procedure_of(db: &impl ConnectionTrait, dossier: &Dossier) -> Result<Procedure, DossierError> {
    procedure_service::find_procedure(db, &dossier.procedure_code)
        .await
        .map_err(|e| anyhow::anyhow!("find procedure: {e}"))?
        .ok_or_else(|| DossierError::UnknownProcedure(dossier.procedure_code.clone()))
}

/// What perform prepared for the transaction: the step and the rows the action creates.
struct Prepared {
    data: serde_json::Value,
    effects: Effects,
    creates: Creates,
}

/// Rows an action adds or changes besides the dossier's own.
enum Creates {
    Nothing,
    ResultDraft { decision: Decision, summary: String },
    DiscardDraft,
    IssueDraft { document: IssuedDocument },
    IssueDirect { decision: Decision, summary: String, document: IssuedDocument },
    Payment { fees: Vec<FeeLine>, amount: i64 },
    SettleCash { reference: Option<String> },
}

/// Validates the action's data and turns it into effects, before any write.
async fn prepare(
    desk: &Desk<'_>,
    dossier: &Dossier,
    request: ActionRequest,
    now: DateTime<Utc>,
) -> Result<Prepared, DossierError> {
    let db = desk.db;
    let mut effects = Effects::default();
    let mut creates = Creates::Nothing;
    let data = match request {
        ActionRequest::Receive { .. } => {
            let (reception, data) = reception(db, dossier, now).await?;
            effects = reception;
            data
        }
        ActionRequest::Refuse { reason, legal_basis, .. } => {
            let reason = required("reason", reason, 2000)?;
            let legal_basis = bounded("legal_basis", legal_basis, 1000)?;
            serde_json::json!({"reason": reason, "legal_basis": legal_basis})
        }
        ActionRequest::RequestSupplement { reason, items, .. } => {
            let reason = required("reason", reason, 2000)?;
            if items.is_empty() || items.len() > 50 {
                return Err(DossierError::invalid("items", "between 1 and 50 items"));
            }
            let procedure = procedure_of(db, dossier).await?;
            let mut checked = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let description = required(&format!("items[{i}].description"), item.description, 1000)?;
                if let Some(key) = &item.document_key {
                    if !procedure.documents.iter().any(|d| &d.key == key) {
                        return Err(DossierError::invalid(
                            &format!("items[{i}].document_key"),
                            format!("the procedure requires no document with the key {key}"),
                        ));
                    }
                }
                checked.push(SupplementItem { document_key: item.document_key, description });
            }
            effects.supplement_requests = Some(dossier.processing.supplement_requests + 1);
            serde_json::json!({"reason": reason, "items": checked, "request_number": dossier.processing.supplement_requests + 1})
        }
        ActionRequest::Supplement { .. } => serde_json::json!({}),
        ActionRequest::Assign { assignee_id: Some(assignee_id), agency_code: None, slot_due_at: None, .. } => {
            let assignee = crate::identity::service::find_account(db, assignee_id)
                .await
                .map_err(|_| DossierError::invalid("assignee_id", "no such staff member"))?;
            let is_specialist = assignee.kind == PrincipalKind::Staff
                && assignee.active
                && assignee.agency_code.as_deref() == Some(dossier.acting_agency())
                && assignee.roles.contains(&Role::Specialist);
            if !is_specialist {
                return Err(DossierError::invalid(
                    "assignee_id",
                    "must be an active specialist of the agency acting on the dossier",
                ));
            }
            effects.assignee_id = Some(Some(assignee_id));
            serde_json::json!({"assignee_id": assignee_id, "previous_assignee_id": dossier.processing.assignee_id})
        }
        ActionRequest::Assign { assignee_id: None, agency_code: Some(target), slot_due_at, .. } => {
            let target = target.trim().to_owned();
            let exists = crate::catalog::service::find_agency(db, &target)
                .await
                .map_err(|e| anyhow::anyhow!("find agency: {e}"))?
                .is_some();
            if !exists {
                return Err(DossierError::invalid("agency_code", "no such agency"));
            }
            if target == dossier.acting_agency() {
                return Err(DossierError::invalid("agency_code", "the dossier is already with this agency"));
            }
            let slot_due_at = slot_due_at.map(|t| t.with_timezone(&Utc));
            if let Some(slot) = slot_due_at {
                if slot <= now || dossier.due_at.is_some_and(|due| slot > due) {
                    return Err(DossierError::invalid(
                        "slot_due_at",
                        "must be in the future and not after the dossier's appointment",
                    ));
                }
            }
            let back_to_lead = target == dossier.agency_code;
            effects.handling_agency_code = Some((!back_to_lead).then(|| target.clone()));
            // The specialist belongs to the agency that had it; the new one assigns its own.
            effects.assignee_id = Some(None);
            serde_json::json!({"from_agency": dossier.acting_agency(), "to_agency": target,
                "slot_due_at": slot_due_at, "handed_back": back_to_lead})
        }
        ActionRequest::Assign { .. } => {
            return Err(DossierError::invalid(
                "assignee_id",
                "give either `assignee_id`, or `agency_code` (with an optional `slot_due_at`)",
            ))
        }
        ActionRequest::ProposeResult { decision, summary, .. } => {
            let summary = required("summary", summary, 10_000)?;
            let procedure = procedure_of(db, dossier).await?;
            if !procedure.approval_required {
                return Err(DossierError::invalid(
                    "action",
                    "this procedure needs no leader's approval: the specialist resolves it directly",
                ));
            }
            creates = Creates::ResultDraft { decision, summary: summary.clone() };
            serde_json::json!({"decision": decision, "summary": summary})
        }
        ActionRequest::Approve { .. } => {
            let draft = results::find_draft(db, dossier.id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("dossier {} pending approval without a result draft", dossier.id))?;
            effects.decision = Some(draft.decision.as_str().to_owned());
            let document = results::prepare_document(desk, dossier, draft.decision, &draft.summary, now).await?;
            creates = Creates::IssueDraft { document };
            serde_json::json!({"decision": draft.decision, "result_id": draft.id})
        }
        ActionRequest::SendBack { reason, .. } => {
            let reason = required("reason", reason, 2000)?;
            creates = Creates::DiscardDraft;
            serde_json::json!({"reason": reason})
        }
        ActionRequest::RequestPayment { fees, .. } => {
            if fees.is_empty() || fees.len() > 20 {
                return Err(DossierError::invalid("fees", "between 1 and 20 fee lines"));
            }
            let mut amount: i64 = 0;
            let mut checked = Vec::with_capacity(fees.len());
            for (i, fee) in fees.into_iter().enumerate() {
                let name = required(&format!("fees[{i}].name"), fee.name, 500)?;
                if fee.amount <= 0 || fee.amount > 1_000_000_000_000 {
                    return Err(DossierError::invalid(&format!("fees[{i}].amount"), "an amount in đồng, > 0"));
                }
                amount += fee.amount;
                checked.push(FeeLine { name, amount: fee.amount });
            }
            // A request made while the dossier still awaits payment (the earlier one expired
            // unpaid) replaces the earlier one: its amount is no longer charged.
            let replaced = if dossier.state == DossierState::AwaitingPayment {
                payments::latest_unsettled(db, dossier.id).await?
            } else {
                None
            };
            let replaced_amount = replaced.as_ref().map_or(0, |p| p.amount);
            effects.fee_total = Some(dossier.processing.fee_total - replaced_amount + amount);
            creates = Creates::Payment { fees: checked.clone(), amount };
            match replaced {
                Some(p) => serde_json::json!({"fees": checked, "amount": amount,
                    "replaces": {"payment_id": p.id, "amount": p.amount}}),
                None => serde_json::json!({"fees": checked, "amount": amount}),
            }
        }
        ActionRequest::ConfirmPayment { method, reference, .. } => {
            if method == PaymentMethod::Online {
                return Err(DossierError::invalid(
                    "method",
                    "online payments are confirmed by the payment provider's signed callback; the desk confirms cash",
                ));
            }
            let reference = bounded("reference", reference, 128)?;
            effects.payment_method = Some(method.as_str().to_owned());
            effects.paid_at = Some(now);
            creates = Creates::SettleCash { reference: reference.clone() };
            serde_json::json!({"method": method, "reference": reference})
        }
        ActionRequest::Resolve { decision, summary, .. } => {
            let summary = required("summary", summary, 10_000)?;
            let procedure = procedure_of(db, dossier).await?;
            if procedure.approval_required {
                return Err(DossierError::invalid(
                    "action",
                    "this procedure's result needs a leader's approval: use propose_result",
                ));
            }
            effects.decision = Some(decision.as_str().to_owned());
            let document = results::prepare_document(desk, dossier, decision, &summary, now).await?;
            creates = Creates::IssueDirect { decision, summary: summary.clone(), document };
            serde_json::json!({"decision": decision, "summary": summary})
        }
        ActionRequest::ReturnResult { method, .. } => {
            effects.return_method = Some(method.as_str().to_owned());
            serde_json::json!({"method": method})
        }
        ActionRequest::Stop { reason, .. } => {
            let reason = required("reason", reason, 2000)?;
            serde_json::json!({"reason": reason})
        }
        ActionRequest::Apologize { reason, new_due_at, .. } => {
            let reason = required("reason", reason, 2000)?;
            let Some(due_at) = dossier.due_at else {
                return Err(DossierError::invalid("action", "the dossier has no appointment time to move"));
            };
            // Mẫu 04 comes before the appointment is missed, not after (DOMAIN.md §1.4).
            if now >= due_at {
                return Err(WorkflowError::ApologyTooLate { due_at }.into());
            }
            let new_due_at = new_due_at.with_timezone(&Utc);
            if new_due_at <= due_at {
                return Err(DossierError::invalid("new_due_at", "must be later than the current appointment"));
            }
            effects.due_at = Some(Some(new_due_at));
            effects.apologies = Some(dossier.processing.apologies + 1);
            serde_json::json!({"reason": reason, "previous_due_at": due_at, "new_due_at": new_due_at})
        }
        ActionRequest::Withdraw { reason, .. } => {
            let reason = bounded("reason", reason, 2000)?;
            serde_json::json!({"reason": reason})
        }
        ActionRequest::Rate { score, comment, .. } => {
            if dossier.processing.rating.is_some() {
                return Err(WorkflowError::AlreadyRated.into());
            }
            let comment = bounded("comment", comment, 2000)?;
            effects.rating = Some(score.as_str().to_owned());
            effects.rating_comment = Some(comment.clone());
            effects.rated_at = Some(now);
            serde_json::json!({"score": score, "comment": comment})
        }
    };
    Ok(Prepared { data, effects, creates })
}

/// What the desk's reception records: the time, and the appointment the deadline engine gives
/// for the procedure's processing time, the agency's office hours and the calendar; with the
/// audit event's data.
///
/// # Errors
/// When the procedure is unknown or the calendar cannot be read.
pub async fn reception(
    db: &DatabaseConnection,
    dossier: &Dossier,
    now: DateTime<Utc>,
) -> Result<(Effects, serde_json::Value), DossierError> {
    let procedure = procedure_of(db, dossier).await?;
    // A procedure may be faster online than at the desk: the dossier's channel picks the time.
    let due_at = match procedure.processing_time_on(dossier.channel.national_code()) {
        Some(time) => {
            let received = now.with_timezone(&calendar::domain::business_offset());
            let deadline = calendar::service::deadline(db, Some(&dossier.agency_code), received, time)
                .await
                .map_err(|e| anyhow::anyhow!("compute the appointment time: {e}"))?;
            Some(deadline.due.with_timezone(&Utc))
        }
        // No fixed deadline: no appointment time, and no on-time judgement later (766 rules).
        None => None,
    };
    let effects =
        Effects { received_at: Some(now), due_at: Some(due_at), statutory_due_at: Some(due_at), ..Effects::default() };
    Ok((effects, serde_json::json!({"due_at": due_at})))
}

/// The clock's effects of going from the dossier's state to `to` now; reads the calendar only
/// when a paused clock has an appointment to move.
pub(super) async fn clock_of(
    db: &DatabaseConnection,
    dossier: &Dossier,
    to: DossierState,
    now: DateTime<Utc>,
) -> Result<Effects, DossierError> {
    let clock = ClockState {
        due_at: dossier.due_at,
        statutory_due_at: dossier.processing.statutory_due_at,
        paused_at: dossier.processing.paused_at,
        supplement_seconds: dossier.processing.supplement_seconds,
        finished_at: dossier.processing.finished_at,
    };
    let resumes = dossier.processing.paused_at.is_some() && dossier.due_at.is_some() && to != dossier.state;
    if !resumes {
        return clock_effects(dossier.state, to, clock, now, |due, _, _| Ok::<_, DossierError>(due));
    }
    let hours = calendar::service::office_hours(db, &dossier.agency_code)
        .await
        .map_err(|e| anyhow::anyhow!("read office hours: {e}"))?;
    let cal = calendar::service::working_calendar(db).await.map_err(|e| anyhow::anyhow!("read the calendar: {e}"))?;
    clock_effects(dossier.state, to, clock, now, |due, start, end| {
        let offset = calendar::domain::business_offset();
        calendar::domain::shift_for_pause(
            &cal,
            &hours,
            due.with_timezone(&offset),
            start.with_timezone(&offset),
            end.with_timezone(&offset),
        )
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| DossierError::Unexpected(anyhow::anyhow!("move the appointment past the pause: {e}")))
    })
}

/// Performs one action on a dossier the caller can see, checking `If-Match` against its version.
///
/// # Errors
/// [`DossierError::NotFound`], validation failures, and the workflow's 409/412/403 failures.
pub async fn perform(
    desk: &Desk<'_>,
    caller: &Principal,
    id: Uuid,
    if_match: i32,
    request: ActionRequest,
) -> Result<Dossier, DossierError> {
    let db = desk.db;
    let dossier = dossiers::find_visible(db, caller, id).await?;
    // Everything below is prepared from this read; the transaction re-checks the version, so a
    // change in between makes the step fail instead of writing facts derived from a stale view.
    if dossier.version != if_match {
        return Err(WorkflowError::VersionMismatch { expected: if_match, actual: dossier.version }.into());
    }
    let actors = actors_of(caller, &dossier);
    if actors.is_empty() && caller.kind == PrincipalKind::Staff {
        return Err(WorkflowError::HandledElsewhere { agency: dossier.acting_agency().to_owned() }.into());
    }
    let action = request.action();
    let (to, _) = service::decide(dossier.state, action, &actors, dossier.resume_state)?;
    let now = truncate_to_micros(Utc::now());
    let note = bounded("note", request.note(), 2000)?;
    let prepared = prepare(desk, &dossier, request, now).await?;
    let effects = merge_effects(clock_of(db, &dossier, to, now).await?, prepared.effects);
    let notice_data = prepared.data.clone();
    let step = Step {
        action,
        actors,
        actor_id: Some(caller.id),
        note,
        data: prepared.data,
        expected_version: Some(if_match),
        effects,
        at: now,
    };
    let txn = begin_write(db).await.context("begin action")?;
    service::apply(&txn, id, step).await?;
    write_created_rows(&txn, &dossier, caller.id, prepared.creates, now).await?;
    let changed = dossiers::reload(&txn, id).await?;
    crate::notify::service::notify_applicant(&txn, desk.public_url, &changed, action, &notice_data)
        .await
        .context("queue the applicant's notice")?;
    txn.commit().await.context("commit action")?;
    if let Some(code) = &changed.code {
        desk.lookups.invalidate(code);
    }
    tracing::info!(dossier.id = %id, action = action.as_str(), "dossier action");
    Ok(changed)
}

async fn write_created_rows(
    txn: &DatabaseTransaction,
    dossier: &Dossier,
    actor_id: Uuid,
    creates: Creates,
    now: DateTime<Utc>,
) -> Result<(), DossierError> {
    match creates {
        Creates::Nothing => Ok(()),
        Creates::ResultDraft { decision, summary } => {
            results::insert_draft(txn, dossier.id, decision, &summary, actor_id, now).await
        }
        Creates::DiscardDraft => results::discard_draft(txn, dossier.id).await,
        Creates::IssueDraft { document } => results::issue_draft(txn, dossier.id, &document, actor_id, now).await,
        Creates::IssueDirect { decision, summary, document } => {
            results::insert_draft(txn, dossier.id, decision, &summary, actor_id, now).await?;
            results::issue_draft(txn, dossier.id, &document, actor_id, now).await
        }
        Creates::Payment { fees, amount } => payments::insert_pending(txn, dossier.id, &fees, amount, now).await,
        Creates::SettleCash { reference } => {
            payments::settle_pending(txn, dossier.id, PaymentMethod::Cash, None, reference.as_deref(), now).await
        }
    }
}
