//! E-mail through lettre: SMTP when `MOTCUA_SMTP_URL` is set, otherwise `.eml` files under
//! `$MOTCUA_DATA_DIR/mail/` (a developer or a test reads them there).

use std::path::Path;

use anyhow::Context;
use lettre::message::{header::ContentType, Mailbox};
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
    /// Recipient address.
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
        let from = match self {
            Self::Smtp { from, .. } | Self::Files { from, .. } => from.clone(),
        };
        let message = Message::builder()
            .from(from)
            .to(mail.to.parse().context("parse the recipient address")?)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .context("build the message")?;
        match self {
            Self::Smtp { transport, .. } => {
                transport.send(message).await.context("send mail over SMTP")?;
            }
            Self::Files { transport, .. } => {
                transport.send(message).await.context("write mail file")?;
            }
        }
        Ok(())
    }
}

/// The directory that receives `.eml` files when no SMTP server is configured.
pub fn mail_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("mail")
}
