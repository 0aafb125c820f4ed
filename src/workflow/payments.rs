//! Fees (ND 118/2025 Điều 24): a clerk requests them, the citizen pays in cash at the desk or
//! online, and an online payment is confirmed only by the payment provider's signed callback.
//!
//! # Implementation Notes
//! No public API of the national payment platform exists (DOMAIN.md §5.6), so providers sit
//! behind [`PaymentProvider`]; motcua ships [`HmacProvider`], the common shape of Vietnamese
//! gateways' IPN callbacks: a JSON body signed with HMAC-SHA256 over `"{timestamp}.{body}"`
//! under a shared secret, with the timestamp bounding replays.
//!
//! A callback can be lost (the provider gives up, the portal was down), so [`reconcile`] asks the
//! provider about payments still pending after a grace period: paid ones are settled exactly as a
//! callback settles them, failed ones and those pending past the expiry are marked `expired`
//! (the dossier keeps awaiting payment until a clerk requests it again).

use std::collections::HashMap;

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;
use uuid::Uuid;

use super::actions::{FeeLine, PaymentMethod};
use super::domain::{Action, Actor};
use super::error::WorkflowError;
use super::service::{self, merge_effects, truncate_to_micros, Effects, Step};
use super::store;
use crate::db::begin_write;
use crate::dossiers::error::DossierError;
use crate::dossiers::lookup_cache::LookupCache;
use crate::dossiers::service::{self as dossiers, Dossier};

/// A fee payment of a dossier.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Payment {
    /// Id: what the citizen's payment at the provider refers to.
    pub id: Uuid,
    /// Fee lines.
    pub fees: Vec<FeeLine>,
    /// Total in đồng.
    pub amount: i64,
    /// `pending`, `settled`, `expired` or `cancelled`.
    pub status: String,
    /// `online` or `cash`, once settled.
    pub method: Option<String>,
    /// The provider that confirmed it.
    pub provider: Option<String>,
    /// The provider's transaction id or the desk's receipt number.
    pub reference: Option<String>,
    /// When it was requested.
    pub created_at: DateTime<Utc>,
    /// When it was settled.
    pub settled_at: Option<DateTime<Utc>>,
}

pub(super) async fn insert_pending(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    fees: &[FeeLine],
    amount: i64,
    now: DateTime<Utc>,
) -> Result<(), DossierError> {
    let fees = serde_json::to_string(fees).context("write fee lines")?;
    store::insert_payment(db, dossier_id, &fees, amount, now).await?;
    Ok(())
}

pub(super) async fn settle_pending(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    method: PaymentMethod,
    provider: Option<&str>,
    reference: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DossierError> {
    if !store::settle_payments(db, dossier_id, method.as_str(), provider, reference, now).await? {
        return Err(anyhow::anyhow!("dossier {dossier_id} awaits payment without a pending payment").into());
    }
    Ok(())
}

/// The newest payment of a dossier that was not settled (what a new request replaces).
pub(super) async fn latest_unsettled(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Option<Unsettled>, DossierError> {
    let latest = store::payments(db, dossier_id).await?.pop();
    Ok(latest.filter(|p| p.status == "pending" || p.status == "expired").map(|p| Unsettled {
        id: p.id,
        dossier_id: p.dossier_id,
        amount: p.amount,
    }))
}

/// A payment not settled yet: what settling and replacing it need.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unsettled {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub amount: i64,
}

/// The payments of a dossier, oldest first.
///
/// # Errors
/// On storage failure.
pub async fn list(db: &impl ConnectionTrait, dossier: &Dossier) -> Result<Vec<Payment>, DossierError> {
    store::payments(db, dossier.id)
        .await?
        .into_iter()
        .map(|p| {
            Ok(Payment {
                id: p.id,
                fees: serde_json::from_str(&p.fees).with_context(|| format!("read fees of payment {}", p.id))?,
                amount: p.amount,
                status: p.status,
                method: p.method,
                provider: p.provider,
                reference: p.reference,
                created_at: p.created_at.with_timezone(&Utc),
                settled_at: p.settled_at.map(|t| t.with_timezone(&Utc)),
            })
        })
        .collect()
}

/// What a provider's callback says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "payment_id": "01a22a2d-4050-73b1-930f-70aeb9d87c0b", "status": "paid", "reference": "VNPAY-14722951",
    "amount": 8000
}))]
pub struct PaymentNotice {
    /// The payment (from `GET /dossiers/{id}/payments`).
    pub payment_id: Uuid,
    /// `paid` or `failed`.
    pub status: NoticeStatus,
    /// The provider's transaction id.
    pub reference: String,
    /// Amount paid, in đồng; must equal the payment's.
    pub amount: i64,
}

/// The outcome at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    Paid,
    Failed,
}

/// A callback as received: header names in lower case, and the raw body the signature covers.
pub struct Callback<'a> {
    pub headers: HashMap<String, String>,
    pub body: &'a [u8],
}

/// A payment provider: checks that a callback really comes from it and reads it.
pub trait PaymentProvider: Send + Sync {
    /// The name in the callback path (`/payments/callbacks/{name}`) and on settled payments.
    fn name(&self) -> &'static str;

    /// The notice in an authentic callback.
    ///
    /// # Errors
    /// [`WorkflowError::PaymentSignatureInvalid`] when it is not authentic or too old;
    /// [`WorkflowError::PaymentNoticeInvalid`] when the body is not a notice.
    fn verify(&self, callback: &Callback<'_>, now: DateTime<Utc>) -> Result<PaymentNotice, WorkflowError>;

    /// What the provider knows of a payment (for [`reconcile`]).
    ///
    /// # Errors
    /// When the provider cannot be reached or answers nonsense; the payment is then asked about
    /// again later.
    fn status(&self, payment_id: Uuid, now: DateTime<Utc>) -> BoxFuture<'_, anyhow::Result<ProviderStatus>>;
}

/// The provider's answer to a status query.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProviderStatus {
    /// Paid: the provider's transaction id and the amount in đồng.
    Paid { reference: String, amount: i64 },
    /// The citizen has not finished paying.
    Pending,
    /// The attempt failed or was abandoned.
    Failed,
    /// The provider has no such payment (the citizen never started paying).
    Unknown,
}

/// Callbacks signed with HMAC-SHA256: headers `X-Payment-Timestamp` (Unix seconds) and
/// `X-Payment-Signature: sha256=<hex of HMAC(secret, "{timestamp}.{body}")>`.
///
/// Status queries are `GET {status_url}?payment_id=…` signed the same way, over
/// `"{timestamp}.payment_id=…"`; the answer is JSON `{"status": "paid"|"pending"|"failed"|"unknown",
/// "reference"?, "amount"?}` (404 means `unknown`).
pub struct HmacProvider {
    secret: SecretString,
    /// How far the timestamp may be from now, against replays.
    tolerance_secs: i64,
    /// The provider's status API; `None`: every payment is `Unknown` to it.
    status_api: Option<(String, reqwest::Client)>,
}

impl HmacProvider {
    /// The header carrying the time of signing.
    pub const TIMESTAMP_HEADER: &'static str = "x-payment-timestamp";
    /// The header carrying the signature.
    pub const SIGNATURE_HEADER: &'static str = "x-payment-signature";

    /// A provider sharing `secret`.
    pub fn new(secret: SecretString) -> Self {
        Self { secret, tolerance_secs: 300, status_api: None }
    }

    /// Queries payments at `url` (see the type's docs), waiting at most `timeout` for an answer.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn with_status_url(mut self, url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder().timeout(timeout).build().context("build the payment status client")?;
        self.status_api = Some((url.to_owned(), client));
        Ok(self)
    }

    /// The signature header value for `body` at `timestamp` (what the provider sends).
    ///
    /// # Errors
    /// Never in practice: HMAC takes keys of any length.
    pub fn signature(&self, timestamp: i64, body: &[u8]) -> anyhow::Result<String> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
            .map_err(|e| anyhow::anyhow!("HMAC key: {e}"))?;
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        Ok(format!("sha256={}", hex::encode(mac.finalize().into_bytes())))
    }
}

impl PaymentProvider for HmacProvider {
    fn name(&self) -> &'static str {
        "hmac"
    }

    fn verify(&self, callback: &Callback<'_>, now: DateTime<Utc>) -> Result<PaymentNotice, WorkflowError> {
        let timestamp = callback
            .headers
            .get(Self::TIMESTAMP_HEADER)
            .and_then(|t| t.trim().parse::<i64>().ok())
            .ok_or(WorkflowError::PaymentSignatureInvalid)?;
        if (now.timestamp() - timestamp).abs() > self.tolerance_secs {
            return Err(WorkflowError::PaymentSignatureInvalid);
        }
        let presented = callback
            .headers
            .get(Self::SIGNATURE_HEADER)
            .and_then(|s| s.trim().strip_prefix("sha256="))
            .and_then(|hex_sig| hex::decode(hex_sig).ok())
            .ok_or(WorkflowError::PaymentSignatureInvalid)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
            .map_err(|e| anyhow::anyhow!("HMAC key: {e}"))?;
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(callback.body);
        // Constant-time comparison, so the signature cannot be guessed byte by byte.
        mac.verify_slice(&presented).map_err(|_| WorkflowError::PaymentSignatureInvalid)?;
        serde_json::from_slice(callback.body).map_err(|e| WorkflowError::PaymentNoticeInvalid(e.to_string()))
    }

    fn status(&self, payment_id: Uuid, now: DateTime<Utc>) -> BoxFuture<'_, anyhow::Result<ProviderStatus>> {
        Box::pin(async move {
            let Some((url, client)) = &self.status_api else { return Ok(ProviderStatus::Unknown) };
            let query = format!("payment_id={payment_id}");
            let timestamp = now.timestamp();
            let response = client
                .get(format!("{url}?{query}"))
                .header(Self::TIMESTAMP_HEADER, timestamp.to_string())
                .header(Self::SIGNATURE_HEADER, self.signature(timestamp, query.as_bytes())?)
                .send()
                .await
                .context("ask the payment provider")?;
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                return Ok(ProviderStatus::Unknown);
            }
            let response = response.error_for_status().context("payment status answer")?;
            response.json().await.context("read the payment status")
        })
    }
}

/// What a callback led to.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"payment_id": "01a22a2d-4050-73b1-930f-70aeb9d87c0b", "status": "settled"}))]
pub struct CallbackOutcome {
    /// The payment.
    pub payment_id: Uuid,
    /// Its status now: `settled` or still `pending` (a failed attempt may be retried).
    pub status: String,
}

/// Handles an authentic provider callback: a payment reported paid is settled and the dossier
/// resumes (`confirm_payment` by the payment provider); a repeat of a settled payment's callback
/// answers the same; a failed attempt leaves the payment pending.
///
/// # Errors
/// Signature, notice and amount failures; [`WorkflowError::PaymentNotFound`]; the workflow's
/// failures when the dossier no longer awaits payment.
pub async fn handle_callback(
    db: &DatabaseConnection,
    provider: &dyn PaymentProvider,
    callback: &Callback<'_>,
    public_url: &str,
    lookups: &LookupCache,
) -> Result<CallbackOutcome, DossierError> {
    let now = truncate_to_micros(Utc::now());
    let notice = provider.verify(callback, now)?;
    let payment =
        store::find_payment(db, notice.payment_id).await?.ok_or(WorkflowError::PaymentNotFound(notice.payment_id))?;
    if payment.amount != notice.amount {
        return Err(WorkflowError::PaymentAmountMismatch { expected: payment.amount, reported: notice.amount }.into());
    }
    let outcome = |status: &str| CallbackOutcome { payment_id: payment.id, status: status.to_owned() };
    if payment.status != "pending" {
        // Settled: a repeat. Cancelled or expired: a newer request replaced it, or it was given
        // up; the money (if any) is the desk's to refund, not a reason to settle another payment.
        if payment.status != "settled" && notice.status == NoticeStatus::Paid {
            tracing::warn!(payment.id = %payment.id, status = %payment.status, "paid callback for a payment no longer pending");
        }
        return Ok(outcome(&payment.status));
    }
    if notice.status == NoticeStatus::Failed {
        return Ok(outcome(&payment.status));
    }
    let unsettled = Unsettled { id: payment.id, dossier_id: payment.dossier_id, amount: payment.amount };
    settle_online(db, provider.name(), unsettled, &notice.reference, public_url, Some(lookups), now).await?;
    Ok(outcome("settled"))
}

/// Settles a pending payment the provider reports paid and resumes its dossier
/// (`confirm_payment` by the payment provider): the one path of callbacks and [`reconcile`].
async fn settle_online(
    db: &DatabaseConnection,
    provider: &str,
    payment: Unsettled,
    reference: &str,
    public_url: &str,
    lookups: Option<&LookupCache>,
    now: DateTime<Utc>,
) -> Result<(), DossierError> {
    let dossier = dossiers::reload(db, payment.dossier_id).await?;
    let (to, _) =
        service::decide(dossier.state, Action::ConfirmPayment, &[Actor::PaymentProvider], dossier.resume_state)?;
    let effects = Effects {
        payment_method: Some(PaymentMethod::Online.as_str().to_owned()),
        paid_at: Some(now),
        ..Effects::default()
    };
    let effects = merge_effects(super::actions::clock_of(db, &dossier, to, now).await?, effects);
    let step = Step {
        action: Action::ConfirmPayment,
        actors: vec![Actor::PaymentProvider],
        actor_id: None,
        note: None,
        data: serde_json::json!({"method": "online", "provider": provider, "reference": reference,
            "payment_id": payment.id, "amount": payment.amount}),
        expected_version: Some(dossier.version),
        effects,
        at: now,
    };
    let notice_data = step.data.clone();
    let txn = begin_write(db).await.context("begin payment settlement")?;
    service::apply(&txn, dossier.id, step).await?;
    // By id and only while pending, so that a payment expired meanwhile is not settled.
    if !store::settle_payment(&txn, payment.id, PaymentMethod::Online.as_str(), provider, reference, now).await? {
        return Err(anyhow::anyhow!("payment {} is no longer pending", payment.id).into());
    }
    let changed = dossiers::reload(&txn, dossier.id).await?;
    crate::notify::service::notify_applicant(&txn, public_url, &changed, Action::ConfirmPayment, &notice_data)
        .await
        .context("queue the applicant's notice")?;
    txn.commit().await.context("commit payment settlement")?;
    // The callback runs in the serving process and clears its cached lookup at once; the
    // reconciliation task has no cache of its own to clear. Other processes hear the change on
    // PostgreSQL (announcements); on SQLite their entries expire within
    // MOTCUA_LOOKUP_CACHE_MS.
    if let (Some(lookups), Some(code)) = (lookups, &changed.code) {
        lookups.invalidate(code);
    }
    tracing::info!(dossier.id = %dossier.id, payment.id = %payment.id, "online payment settled");
    Ok(())
}

/// When payments are asked about, and when they are given up.
#[derive(Debug, Clone, Copy)]
pub struct ReconcilePolicy {
    /// A payment is asked about only once it has been pending this long (its callback may still come).
    pub grace: TimeDelta,
    /// A payment still not paid this long after it was requested expires.
    pub expiry: TimeDelta,
}

/// What one reconciliation run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Payments found paid and settled.
    pub settled: usize,
    /// Payments marked expired.
    pub expired: usize,
    /// Payments left pending (still paying, the provider unreachable, or a disagreement to look into).
    pub pending: usize,
}

/// How many payments one run looks at; the rest wait for the next run.
const RECONCILE_BATCH: u64 = 200;

/// Asks `provider` about the payments pending longer than the grace period and settles or
/// expires them. Safe to run on several replicas at once: settling checks the dossier's version
/// and the payment's status, and expiring only touches a payment still pending.
///
/// # Errors
/// On storage failure; a failure with one payment is logged and the run goes on.
#[tracing::instrument(skip_all)]
pub async fn reconcile(
    db: &DatabaseConnection,
    provider: &dyn PaymentProvider,
    policy: ReconcilePolicy,
    public_url: &str,
) -> Result<Reconciliation, DossierError> {
    let now = truncate_to_micros(Utc::now());
    let mut report = Reconciliation::default();
    for payment in store::find_payments_pending_before(db, now - policy.grace, RECONCILE_BATCH).await? {
        let status = match provider.status(payment.id, now).await {
            Ok(status) => status,
            Err(e) => {
                // Unknown is not unpaid: ask again next time rather than expire money possibly taken.
                tracing::warn!(payment.id = %payment.id, error = ?e, "payment status query failed");
                report.pending += 1;
                continue;
            }
        };
        let overdue = payment.created_at.with_timezone(&Utc) + policy.expiry <= now;
        match status {
            ProviderStatus::Paid { reference, amount } if amount == payment.amount => {
                let unsettled = Unsettled { id: payment.id, dossier_id: payment.dossier_id, amount: payment.amount };
                match settle_online(db, provider.name(), unsettled, &reference, public_url, None, now).await {
                    Ok(()) => report.settled += 1,
                    Err(e) => {
                        tracing::warn!(payment.id = %payment.id, error = ?e, "could not settle a paid payment");
                        report.pending += 1;
                    }
                }
            }
            ProviderStatus::Paid { amount, .. } => {
                tracing::warn!(payment.id = %payment.id, expected = payment.amount, reported = amount,
                    "the provider reports a different amount paid; left pending for the desk");
                report.pending += 1;
            }
            ProviderStatus::Failed => report.expired += usize::from(store::expire_payment(db, payment.id, now).await?),
            ProviderStatus::Pending | ProviderStatus::Unknown if overdue => {
                report.expired += usize::from(store::expire_payment(db, payment.id, now).await?);
            }
            ProviderStatus::Pending | ProviderStatus::Unknown => report.pending += 1,
        }
    }
    if report != Reconciliation::default() {
        tracing::info!(
            settled = report.settled,
            expired = report.expired,
            pending = report.pending,
            "payments reconciled"
        );
    }
    Ok(report)
}

/// The periodic task of the outbox worker that runs [`reconcile`].
pub struct ReconcileTask {
    provider: Box<dyn PaymentProvider>,
    policy: ReconcilePolicy,
    public_url: String,
}

impl ReconcileTask {
    /// Reconciles the payments of `provider`; notices link to `public_url`.
    pub fn new(provider: Box<dyn PaymentProvider>, policy: ReconcilePolicy, public_url: &str) -> Self {
        Self { provider, policy, public_url: public_url.to_owned() }
    }
}

impl crate::jobs::PeriodicTask for ReconcileTask {
    fn name(&self) -> &'static str {
        "payment reconciliation"
    }

    fn run<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            reconcile(db, self.provider.as_ref(), self.policy, &self.public_url)
                .await
                .map_err(|e| anyhow::anyhow!("reconcile payments: {e}"))?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callback(headers: &[(&str, String)], body: &[u8]) -> HashMap<String, String> {
        let _ = body;
        headers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    #[test]
    fn only_a_fresh_callback_signed_with_the_shared_secret_is_accepted() {
        let provider = HmacProvider::new(SecretString::from("bí mật chung"));
        let now = Utc::now();
        let body = format!(r#"{{"payment_id":"{}","status":"paid","reference":"FT1","amount":50000}}"#, Uuid::nil());
        let ts = now.timestamp();
        let good = provider.signature(ts, body.as_bytes()).unwrap();
        let headers = callback(
            &[(HmacProvider::TIMESTAMP_HEADER, ts.to_string()), (HmacProvider::SIGNATURE_HEADER, good.clone())],
            body.as_bytes(),
        );
        let notice = provider.verify(&Callback { headers: headers.clone(), body: body.as_bytes() }, now).unwrap();
        assert_eq!(notice.amount, 50_000);
        assert_eq!(notice.status, NoticeStatus::Paid);

        let tampered = body.replace("50000", "5000");
        assert!(provider.verify(&Callback { headers: headers.clone(), body: tampered.as_bytes() }, now).is_err());

        let other = HmacProvider::new(SecretString::from("khác"));
        assert!(other.verify(&Callback { headers: headers.clone(), body: body.as_bytes() }, now).is_err());

        let later = now + chrono::TimeDelta::minutes(6);
        assert!(provider.verify(&Callback { headers, body: body.as_bytes() }, later).is_err());

        let unsigned = callback(&[(HmacProvider::TIMESTAMP_HEADER, ts.to_string())], body.as_bytes());
        assert!(provider.verify(&Callback { headers: unsigned, body: body.as_bytes() }, now).is_err());
    }
}
