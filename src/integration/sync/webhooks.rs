//! Signed webhooks for subscribing systems: each state change queues one `webhook` job per
//! subscription that wants it (in the workflow's transaction, through the outbox), and the job
//! POSTs `{dossier_code, state, national_status, action, at}` — no personal data — with
//! `X-Motcua-Timestamp` and `X-Motcua-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`.
//!
//! # Implementation Notes
//! The body is built when the job runs (the dossier code is given at submission, after the
//! transition), from the audit event, so a retry sends the same body with a fresh timestamp and
//! signature. `X-Motcua-Delivery` (`<dossier id>:<event seq>`) is the same on every retry, for the
//! receiver to ignore repeats. Jobs of one subscription and dossier go out in order.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use super::store;
use crate::domain_types::Invalid;
use crate::jobs::{self, JobFailure, JobHandler, NewJob};
use crate::workflow::domain::DossierState;

/// The job kind that delivers one webhook.
pub const WEBHOOK_JOB: &str = "webhook";
/// Events that match every state change.
pub const ALL_EVENTS: &str = "*";
/// Shortest accepted secret.
pub const MIN_SECRET_LEN: usize = 16;
/// Longest wait for a receiver.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The payload of a [`WEBHOOK_JOB`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookJob {
    pub subscription_id: Uuid,
    pub dossier_id: Uuid,
    pub event_seq: i32,
}

/// What a webhook says; the JSON field names are part of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookBody {
    pub dossier_code: Option<String>,
    /// The state the dossier entered.
    pub state: DossierState,
    /// `TrangThaiHoSo`, 1–10.
    pub national_status: Option<u8>,
    /// The action that changed it.
    pub action: String,
    /// When, RFC 3339.
    pub at: String,
}

/// `sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks the events a subscription asks for: state names (`received`, `returned`…) or `*`.
///
/// # Errors
/// [`Invalid`] naming the first unknown event, or an empty list.
pub fn parse_events(events: &[String]) -> Result<Vec<String>, Invalid> {
    if events.is_empty() {
        return Err(Invalid::new("events", "name at least one state, or \"*\" for every change"));
    }
    let mut parsed = Vec::new();
    for event in events {
        let event = event.trim();
        let known = event == ALL_EVENTS || DossierState::parse(event).is_some_and(|s| s.national_status().is_some());
        if !known {
            return Err(Invalid::new(
                "events",
                format!("{event:?} is not a dossier state (after submission) or \"*\""),
            ));
        }
        if !parsed.iter().any(|p| p == event) {
            parsed.push(event.to_owned());
        }
    }
    Ok(parsed)
}

fn wants(events: &str, to: DossierState) -> bool {
    events.split(',').any(|e| e == ALL_EVENTS || e == to.as_str())
}

/// A subscription as the admin sees it (never its secret).
#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<entity::webhook_subscriptions::Model> for Webhook {
    fn from(m: entity::webhook_subscriptions::Model) -> Self {
        Self {
            id: m.id,
            url: m.url,
            events: m.events.split(',').filter(|e| !e.is_empty()).map(str::to_owned).collect(),
            created_at: m.created_at.with_timezone(&Utc),
        }
    }
}

/// Registers a subscription.
///
/// # Errors
/// [`Invalid`] for a URL that is not http(s), a short secret or unknown events; storage failures
/// as `Unexpected`.
pub async fn create_webhook(
    db: &DatabaseConnection,
    url: &str,
    secret: &str,
    events: &[String],
    created_by: Uuid,
) -> Result<Webhook, WebhookError> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    if parsed.is_none() {
        return Err(Invalid::new("url", "expected an absolute http(s) URL").into());
    }
    if secret.chars().count() < MIN_SECRET_LEN {
        return Err(Invalid::new("secret", format!("must be at least {MIN_SECRET_LEN} characters")).into());
    }
    let events = parse_events(events)?;
    let row = entity::webhook_subscriptions::Model {
        id: Uuid::now_v7(),
        url: url.to_owned(),
        secret: secret.to_owned(),
        events: events.join(","),
        created_by: Some(created_by),
        created_at: Utc::now().fixed_offset(),
    };
    let row = store::insert_webhook(db, row).await.context("insert the webhook")?;
    tracing::info!(webhook.id = %row.id, "webhook subscription created");
    Ok(row.into())
}

/// Every subscription.
///
/// # Errors
/// On storage failure.
pub async fn list_webhooks(db: &DatabaseConnection) -> Result<Vec<Webhook>, WebhookError> {
    Ok(store::list_webhooks(db).await.context("list the webhooks")?.into_iter().map(Webhook::from).collect())
}

/// Removes a subscription; its queued deliveries are dropped when they run.
///
/// # Errors
/// [`WebhookError::NotFound`].
pub async fn delete_webhook(db: &DatabaseConnection, id: Uuid) -> Result<(), WebhookError> {
    if store::delete_webhook(db, id).await.context("delete the webhook")? {
        tracing::info!(webhook.id = %id, "webhook subscription deleted");
        Ok(())
    } else {
        Err(WebhookError::NotFound(id))
    }
}

/// Queues one delivery per subscription that wants the change into `to` (inside the caller's
/// transaction).
///
/// # Errors
/// On storage failure.
pub(super) async fn enqueue_deliveries(
    txn: &impl ConnectionTrait,
    dossier_id: Uuid,
    to: DossierState,
    event_seq: i32,
) -> anyhow::Result<()> {
    for subscription in store::list_webhooks(txn).await.context("read the webhooks")? {
        if !wants(&subscription.events, to) {
            continue;
        }
        let job = WebhookJob { subscription_id: subscription.id, dossier_id, event_seq };
        jobs::enqueue(
            txn,
            NewJob {
                kind: WEBHOOK_JOB,
                ordering_key: Some(format!("webhook:{}:dossier:{dossier_id}", subscription.id)),
                dedupe_key: None,
                payload: serde_json::to_value(job).context("serialise the webhook job")?,
                run_at: None,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("queue a webhook: {e}"))?;
    }
    Ok(())
}

/// What can go wrong with subscriptions.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("webhook {0} not found")]
    NotFound(Uuid),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<WebhookError> for crate::error::ApiError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::NotFound(_) => crate::error::ApiError::not_found("webhook_not_found", e.to_string()),
            WebhookError::Invalid(invalid) => crate::error::ApiError::validation(vec![crate::error::FieldError {
                field: invalid.field,
                message: invalid.message,
            }]),
            WebhookError::Unexpected(cause) => crate::error::ApiError::internal(cause),
        }
    }
}

/// Delivers `webhook` jobs.
pub struct WebhookHandler {
    db: DatabaseConnection,
    http: reqwest::Client,
}

impl WebhookHandler {
    /// A handler over `db`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(db: DatabaseConnection) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { db, http })
    }

    async fn deliver(&self, job: &WebhookJob) -> Result<(), JobFailure> {
        let retry = |e: anyhow::Error| JobFailure::retry(format!("{e:#}"));
        let Some(subscription) =
            store::find_webhook(&self.db, job.subscription_id).await.map_err(|e| retry(e.into()))?
        else {
            tracing::info!(webhook.id = %job.subscription_id, "subscription deleted; delivery dropped");
            return Ok(());
        };
        let Some(event) =
            store::find_event(&self.db, job.dossier_id, job.event_seq).await.map_err(|e| retry(e.into()))?
        else {
            return Err(JobFailure::permanent(format!(
                "event {} of dossier {} not found",
                job.event_seq, job.dossier_id
            )));
        };
        let state = DossierState::parse(&event.to_state)
            .ok_or_else(|| JobFailure::permanent(format!("unknown state {:?}", event.to_state)))?;
        let body = WebhookBody {
            dossier_code: store::find_dossier_code(&self.db, job.dossier_id).await.map_err(|e| retry(e.into()))?,
            state,
            national_status: state.national_status(),
            action: event.action,
            at: event.at.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Micros, true),
        };
        let body = serde_json::to_vec(&body).map_err(|e| JobFailure::permanent(format!("serialise: {e}")))?;
        let timestamp = Utc::now().timestamp();
        let response = self
            .http
            .post(&subscription.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Motcua-Timestamp", timestamp.to_string())
            .header("X-Motcua-Signature", signature(&subscription.secret, timestamp, &body))
            .header("X-Motcua-Delivery", format!("{}:{}", job.dossier_id, job.event_seq))
            .body(body)
            .send()
            .await
            .map_err(|e| {
                JobFailure::retry(if e.is_timeout() {
                    "webhook receiver timed out"
                } else {
                    "webhook receiver unreachable"
                })
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(JobFailure::retry(format!("webhook receiver answered HTTP {}", status.as_u16())))
        }
    }
}

impl JobHandler for WebhookHandler {
    fn kind(&self) -> &'static str {
        WEBHOOK_JOB
    }

    fn run(&self, payload: serde_json::Value) -> BoxFuture<'_, Result<(), JobFailure>> {
        Box::pin(async move {
            let job: WebhookJob = serde_json::from_value(payload)
                .map_err(|e| JobFailure::permanent(format!("malformed webhook payload: {e}")))?;
            self.deliver(&job).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_the_timestamp_and_the_body() {
        // RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?").
        let sig = signature("Jefe", 0, b"what do ya want for nothing?");
        assert_ne!(
            sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "covers the timestamp"
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1700000000.{}");
        assert_eq!(
            signature("Jefe", 1_700_000_000, b"{}"),
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
    }

    #[test]
    fn events_are_states_after_submission_or_a_star() {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(parse_events(&names(&["received", "returned", "received"])).unwrap(), ["received", "returned"]);
        assert_eq!(parse_events(&names(&["*"])).unwrap(), ["*"]);
        assert!(parse_events(&names(&["draft"])).is_err());
        assert!(parse_events(&names(&["shipped"])).is_err());
        assert!(parse_events(&[]).is_err());
        assert!(wants("received,returned", DossierState::Returned));
        assert!(!wants("received", DossierState::Submitted));
        assert!(wants("*", DossierState::Submitted));
    }
}
