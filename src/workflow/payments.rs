//! Fees (ND 118/2025 Điều 24): a clerk requests them, the citizen pays in cash at the desk or
//! online, and an online payment is confirmed only by the payment provider's signed callback.
//!
//! # Implementation Notes
//! No public API of the national payment platform exists (DOMAIN.md §5.6), so providers sit
//! behind [`PaymentProvider`]; motcua ships [`HmacProvider`], the common shape of Vietnamese
//! gateways' IPN callbacks: a JSON body signed with HMAC-SHA256 over `"{timestamp}.{body}"`
//! under a shared secret, with the timestamp bounding replays.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
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
}

/// Callbacks signed with HMAC-SHA256: headers `X-Payment-Timestamp` (Unix seconds) and
/// `X-Payment-Signature: sha256=<hex of HMAC(secret, "{timestamp}.{body}")>`.
pub struct HmacProvider {
    secret: SecretString,
    /// How far the timestamp may be from now, against replays.
    tolerance_secs: i64,
}

impl HmacProvider {
    /// The header carrying the time of signing.
    pub const TIMESTAMP_HEADER: &'static str = "x-payment-timestamp";
    /// The header carrying the signature.
    pub const SIGNATURE_HEADER: &'static str = "x-payment-signature";

    /// A provider sharing `secret`.
    pub fn new(secret: SecretString) -> Self {
        Self { secret, tolerance_secs: 300 }
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
}

/// What a callback led to.
#[derive(Debug, Clone, Serialize, ToSchema)]
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
    if payment.status == "settled" || notice.status == NoticeStatus::Failed {
        return Ok(outcome(&payment.status));
    }
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
        data: serde_json::json!({"method": "online", "provider": provider.name(), "reference": notice.reference,
            "payment_id": payment.id, "amount": payment.amount}),
        expected_version: Some(dossier.version),
        effects,
        at: now,
    };
    let notice_data = step.data.clone();
    let txn = begin_write(db).await.context("begin payment callback")?;
    service::apply(&txn, dossier.id, step).await?;
    settle_pending(&txn, dossier.id, PaymentMethod::Online, Some(provider.name()), Some(&notice.reference), now)
        .await?;
    let changed = dossiers::reload(&txn, dossier.id).await?;
    crate::notify::service::notify_applicant(&txn, public_url, &changed, Action::ConfirmPayment, &notice_data)
        .await
        .context("queue the applicant's notice")?;
    txn.commit().await.context("commit payment callback")?;
    if let Some(code) = &changed.code {
        lookups.invalidate(code);
    }
    tracing::info!(dossier.id = %dossier.id, payment.id = %payment.id, "online payment settled");
    Ok(outcome("settled"))
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
