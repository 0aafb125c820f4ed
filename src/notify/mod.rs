//! E-mail: the [`Mailer`] (SMTP when `MOTCUA_SMTP_URL` is set, otherwise `.eml` files under
//! `$MOTCUA_DATA_DIR/mail/`), the `mail` job that sends through it from the outbox, the
//! applicant's notice of every change they see ([`service::notify_applicant`], Vietnamese texts in
//! [`templates`]), and the deadline reminders to an agency's leaders.

pub mod domain;
pub mod error;
pub mod handlers;
mod mailer;
pub mod service;
mod store;
pub mod templates;

pub use handlers::{MailHandler, ReminderTask};
pub use mailer::{mail_dir, Mail, Mailer, SendError};
