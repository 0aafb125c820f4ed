//! E-mail through lettre: SMTP when `MOTCUA_SMTP_URL` is set, otherwise `.eml` files under
//! `$MOTCUA_DATA_DIR/mail/` (a developer or a test reads them there).

use std::path::Path;

use anyhow::Context;
use lettre::message::header::{ContentType, To};
use lettre::message::{Mailbox, Mailboxes};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::Settings;

/// Where mail goes.
pub enum Mailer {
    /// A real SMTP server.
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
    /// One `.eml` file per message in a directory.
    Files { transport: AsyncFileTransport<Tokio1Executor>, from: Mailbox },
}

/// One message to send.
pub struct Mail<'a> {
    /// Recipient address, or several separated by commas.
    pub to: &'a str,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

impl Mailer {
    /// Builds the mailer from the settings.
    ///
    /// # Errors
    /// When the SMTP URL or the sender address is invalid, or the mail directory cannot be created.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let from: Mailbox = settings.mail_from.parse().context("parse MOTCUA_MAIL_FROM")?;
        match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .context("parse MOTCUA_SMTP_URL")?
                    .build();
                Ok(Self::Smtp { transport, from })
            }
            None => {
                let dir = mail_dir(&settings.data_dir);
                std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
                Ok(Self::Files { transport: AsyncFileTransport::new(dir), from })
            }
        }
    }

    /// Sends one message.
    ///
    /// # Errors
    /// When the address is invalid or the transport fails.
    pub async fn send(&self, mail: Mail<'_>) -> anyhow::Result<()> {
        Ok(self.try_send(mail).await?)
    }

    /// Sends one message, telling a failure worth retrying from one that is not.
    ///
    /// # Errors
    /// [`SendError`].
    pub async fn try_send(&self, mail: Mail<'_>) -> Result<(), SendError> {
        let from = match self {
            Self::Smtp { from, .. } | Self::Files { from, .. } => from.clone(),
        };
        let to: Mailboxes = mail.to.parse().map_err(|e| SendError::Message(format!("recipient {:?}: {e}", mail.to)))?;
        let message = Message::builder()
            .from(from)
            .mailbox(To::from(to))
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .map_err(|e| SendError::Message(format!("build the message: {e}")))?;
        match self {
            Self::Smtp { transport, .. } => {
                transport.send(message).await.map_err(SendError::Smtp)?;
            }
            Self::Files { transport, .. } => {
                transport.send(message).await.map_err(|e| SendError::File(e.to_string()))?;
            }
        }
        Ok(())
    }
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The message itself is wrong (an invalid address): sending it again cannot help.
    #[error("invalid message: {0}")]
    Message(String),
    /// The SMTP server refused it or could not be reached.
    #[error("SMTP: {0}")]
    Smtp(#[source] lettre::transport::smtp::Error),
    /// The `.eml` file could not be written.
    #[error("write mail file: {0}")]
    File(String),
}

impl SendError {
    /// Whether retrying cannot help: a malformed message, or a permanent (5xx) SMTP reply.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Message(_) => true,
            Self::Smtp(e) => e.is_permanent(),
            Self::File(_) => false,
        }
    }
}

/// The directory that receives `.eml` files when no SMTP server is configured.
pub fn mail_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("mail")
}
