//! The tracking book (Sổ theo dõi hồ sơ, Mẫu 06 of TT 01/2018, Mẫu 07 of TT 03/2025): one line
//! per dossier an agency received in a period, as the desk keeps it. Unlike the indicators it
//! reads dossiers and applicants, so only the agency's staff get it, and each applicant whose
//! line is exported is written to the personal-data access log.

use std::collections::BTreeSet;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::store;
use crate::calendar::domain::business_offset;
use crate::identity::service::Principal;
use crate::workflow::domain::DossierState;

/// Dossiers read per query while the book is built.
const BATCH: u64 = 500;

/// One line of the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookLine {
    pub applicant_id: Uuid,
    pub code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub applicant_phone: Option<String>,
    pub agency_name: String,
    pub channel: String,
    pub state: String,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub return_method: Option<String>,
}

/// The column headers of Mẫu 06.
pub const HEADER: [&str; 10] = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Người nộp hồ sơ",
    "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết",
    "Ngày nhận hồ sơ",
    "Ngày hẹn trả kết quả",
    "Ngày trả kết quả",
    "Ghi chú",
];

fn channel_label(channel: &str) -> &str {
    match channel {
        "online" => "Nộp trực tuyến",
        "national_portal" => "Nộp qua Cổng DVCQG",
        "direct" => "Nộp trực tiếp",
        "postal" => "Nộp qua bưu chính công ích",
        other => other,
    }
}

fn return_label(method: &str) -> &str {
    match method {
        "online" => "trả trực tuyến",
        "desk" => "trả tại bộ phận một cửa",
        "post" => "trả qua bưu chính",
        other => other,
    }
}

fn date_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.with_timezone(&business_offset()).format("%H:%M %d/%m/%Y").to_string()).unwrap_or_default()
}

impl BookLine {
    /// The cells of the line numbered `number`, in [`HEADER`] order.
    pub fn cells(&self, number: usize) -> Vec<String> {
        let state: &str = match DossierState::parse(&self.state) {
            Some(s) => crate::notify::templates::state_label(s),
            None => &self.state,
        };
        let mut note = format!("{}; {state}", channel_label(&self.channel));
        if let Some(method) = &self.return_method {
            note.push_str(&format!(" ({})", return_label(method)));
        }
        vec![
            number.to_string(),
            self.code.clone(),
            self.procedure_name.clone(),
            self.applicant_name.clone(),
            self.applicant_phone.clone().unwrap_or_default(),
            self.agency_name.clone(),
            date_time(self.received_at),
            date_time(self.due_at),
            date_time(self.returned_at),
            note,
        ]
    }
}

/// The book of `agency_code` for dossiers received from `from` to `to` (business dates,
/// inclusive), oldest first, read in batches; logs each applicant's read for `caller`.
///
/// # Errors
/// On storage failure.
pub async fn tracking_book(
    db: &DatabaseConnection,
    caller: &Principal,
    agency_code: &str,
    from: NaiveDate,
    to: NaiveDate,
    request_id: Option<String>,
) -> anyhow::Result<Vec<BookLine>> {
    let start = from.and_hms_opt(0, 0, 0).context("start of day")?.and_local_timezone(business_offset());
    let end = to.succ_opt().context("day after")?.and_hms_opt(0, 0, 0).context("start of day")?;
    let start = start.single().context("start instant")?.with_timezone(&Utc);
    let end = end.and_local_timezone(business_offset()).single().context("end instant")?.with_timezone(&Utc);
    let mut lines = Vec::new();
    let mut offset = 0;
    loop {
        let batch = store::tracking_book_batch(db, agency_code, start, end, offset, BATCH).await?;
        let done = (batch.len() as u64) < BATCH;
        offset += BATCH;
        lines.extend(batch);
        if done {
            break;
        }
    }
    let applicants: BTreeSet<Uuid> = lines.iter().map(|l| l.applicant_id).collect();
    for applicant in applicants {
        crate::identity::service::log_personal_data_access(
            db,
            caller,
            applicant,
            "read",
            "sổ theo dõi hồ sơ (Mẫu 06)",
            request_id.clone(),
        )
        .await
        .context("log the tracking book's read")?;
    }
    Ok(lines)
}
