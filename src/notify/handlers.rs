//! What the job worker runs for notices: the `mail` job, and the periodic reminder scan.

use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;

use super::mailer::{Mail, Mailer};
use super::service::{self, MailPayload, MAIL_JOB};
use crate::jobs::{JobFailure, JobHandler, PeriodicTask};

/// Sends the mail of a `mail` job through the [`Mailer`] (SMTP, or `.eml` files).
pub struct MailHandler {
    mailer: Mailer,
}

impl MailHandler {
    /// A handler sending through `mailer`.
    pub fn new(mailer: Mailer) -> Self {
        Self { mailer }
    }
}

impl JobHandler for MailHandler {
    fn kind(&self) -> &'static str {
        MAIL_JOB
    }

    fn run(&self, payload: serde_json::Value) -> BoxFuture<'_, Result<(), JobFailure>> {
        Box::pin(async move {
            let mail: MailPayload = serde_json::from_value(payload)
                .map_err(|e| JobFailure::permanent(format!("malformed mail payload: {e}")))?;
            let sent = self.mailer.try_send(Mail { to: &mail.to, subject: mail.subject, body: mail.body }).await;
            sent.map_err(|e| {
                let message = e.to_string();
                if e.is_permanent() {
                    JobFailure::permanent(message)
                } else {
                    JobFailure::retry(message)
                }
            })
        })
    }
}

/// The periodic scan for overdue and nearly due dossiers ([`service::send_reminders`]).
pub struct ReminderTask {
    public_url: String,
}

impl ReminderTask {
    /// Reminders whose links start with `public_url`.
    pub fn new(public_url: &str) -> Self {
        Self { public_url: public_url.to_owned() }
    }
}

impl PeriodicTask for ReminderTask {
    fn name(&self) -> &'static str {
        "deadline reminders"
    }

    fn run<'a>(&'a self, db: &'a DatabaseConnection) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            service::send_reminders(db, &self.public_url).await?;
            Ok(())
        })
    }
}
