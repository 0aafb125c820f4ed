//! The official one-stop forms as printable HTML, without I/O (DOMAIN.md §1.3; numbering of
//! TT 01/2018/TT-VPCP, with the TT 03/2025/TT-VPCP number beside it): Mẫu 02 supplement request,
//! Mẫu 03 refusal, Mẫu 04 apology and new appointment, Mẫu 05 control sheet, the notice of
//! stopping (Thông báo dừng giải quyết hồ sơ) and the tracking book (Mẫu 06/07). Everything a
//! person typed is escaped; pages print on A5, the tracking book on A4 landscape.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::calendar::domain::{ProcessingTime, TimeUnit};
use crate::dossiers::receipt::{receipt_html, Receipt};
use crate::http::html::escape;
use crate::workflow::domain::Timeliness;

/// The forms of one dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả.
    Receipt,
    /// Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (the latest request).
    SupplementRequest,
    /// Mẫu 03: Phiếu từ chối tiếp nhận, giải quyết hồ sơ.
    Refusal,
    /// Mẫu 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả (the latest apology).
    Apology,
    /// Mẫu 05 (TT 01/2018; Mẫu 06 of TT 03/2025): Phiếu kiểm soát quá trình giải quyết hồ sơ.
    ControlSheet,
    /// Thông báo dừng giải quyết hồ sơ (Mẫu 05 of TT 03/2025).
    StopNotice,
}

impl FormKind {
    /// Parses the path segment.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Receipt, Self::SupplementRequest, Self::Refusal, Self::Apology, Self::ControlSheet, Self::StopNotice]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The path segment: the name it has among all the official forms.
    pub fn as_str(self) -> &'static str {
        super::placeholders::OfficialForm::from(self).as_str()
    }

    /// The audit action whose event the form prints, if it prints one.
    pub fn action(self) -> Option<&'static str> {
        match self {
            Self::SupplementRequest => Some("request_supplement"),
            Self::Refusal => Some("refuse"),
            Self::Apology => Some("apologize"),
            Self::StopNotice => Some("stop"),
            Self::Receipt | Self::ControlSheet => None,
        }
    }
}

/// What every dossier form names: the agency, the dossier and its applicant.
#[derive(Debug, Clone)]
pub struct DossierHeading {
    /// The dossier's agency, whose templates print it.
    pub agency_code: String,
    pub agency_name: String,
    pub dossier_code: String,
    pub applicant_name: String,
    pub applicant_address: Option<String>,
    pub applicant_phone: Option<String>,
    pub applicant_email: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub due_at: Option<DateTime<FixedOffset>>,
}

/// One row of Mẫu 02's table.
#[derive(Debug, Clone)]
pub struct SupplementLine {
    /// The required document's name, when the item names one.
    pub document: Option<String>,
    pub description: String,
}

/// Mẫu 02.
#[derive(Debug, Clone)]
pub struct SupplementRequest {
    pub heading: DossierHeading,
    pub at: DateTime<FixedOffset>,
    pub request_number: i64,
    pub reason: String,
    pub items: Vec<SupplementLine>,
    /// The officer who asked (người hướng dẫn).
    pub officer: String,
}

/// Mẫu 03.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub heading: DossierHeading,
    pub at: DateTime<FixedOffset>,
    pub reason: String,
    pub legal_basis: Option<String>,
    pub officer: String,
}

/// Mẫu 04.
#[derive(Debug, Clone)]
pub struct Apology {
    pub heading: DossierHeading,
    pub at: DateTime<FixedOffset>,
    pub reason: String,
    pub previous_due_at: Option<DateTime<FixedOffset>>,
    pub new_due_at: Option<DateTime<FixedOffset>>,
    pub officer: String,
}

/// Thông báo dừng giải quyết hồ sơ.
#[derive(Debug, Clone)]
pub struct StopNotice {
    pub heading: DossierHeading,
    pub at: DateTime<FixedOffset>,
    pub reason: String,
    pub officer: String,
}

/// One hand-over of Mẫu 05.
#[derive(Debug, Clone)]
pub struct ControlStep {
    pub at: DateTime<FixedOffset>,
    /// What happened, in Vietnamese.
    pub action: String,
    /// Who handed over (name and role).
    pub giver: String,
    /// The state it went to, in Vietnamese.
    pub to_state: String,
    pub on_time: Option<Timeliness>,
    pub note: Option<String>,
}

/// Mẫu 05.
#[derive(Debug, Clone)]
pub struct ControlSheet {
    pub heading: DossierHeading,
    pub steps: Vec<ControlStep>,
}

/// One line of the tracking book.
#[derive(Debug, Clone)]
pub struct BookRow {
    pub dossier_code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub applicant_contact: String,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub due_at: Option<DateTime<FixedOffset>>,
    pub resolved_at: Option<DateTime<FixedOffset>>,
    pub returned_at: Option<DateTime<FixedOffset>>,
    pub state: String,
}

/// Mẫu 06 (TT 01/2018; Mẫu 07 of TT 03/2025): Sổ theo dõi hồ sơ.
#[derive(Debug, Clone)]
pub struct TrackingBook {
    /// The agency whose book it is, whose template prints it.
    pub agency_code: String,
    pub agency_name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<BookRow>,
}

/// A dossier's form, gathered once and printed as HTML or DOCX.
#[derive(Debug)]
pub enum DossierForm {
    /// Mẫu 01, with the public status-lookup link its QR code carries.
    Receipt {
        receipt: Receipt,
        lookup_url: String,
    },
    SupplementRequest(SupplementRequest),
    Refusal(Refusal),
    Apology(Apology),
    ControlSheet(ControlSheet),
    StopNotice(StopNotice),
}

impl DossierForm {
    /// The dossier's agency and code.
    fn codes(&self) -> (&str, &str) {
        let heading = match self {
            Self::Receipt { receipt, .. } => return (&receipt.agency_code, &receipt.code),
            Self::SupplementRequest(f) => &f.heading,
            Self::Refusal(f) => &f.heading,
            Self::Apology(f) => &f.heading,
            Self::ControlSheet(f) => &f.heading,
            Self::StopNotice(f) => &f.heading,
        };
        (&heading.agency_code, &heading.dossier_code)
    }

    /// The agency whose template prints it: the dossier's.
    pub fn agency_code(&self) -> &str {
        self.codes().0
    }

    /// The dossier's code, for the file name; empty for a dossier refused before it had one.
    pub fn dossier_code(&self) -> &str {
        self.codes().1
    }

    /// The print-ready HTML page.
    pub fn html(&self) -> String {
        match self {
            Self::Receipt { receipt, lookup_url } => receipt_html(receipt, lookup_url),
            Self::SupplementRequest(f) => supplement_request_html(f),
            Self::Refusal(f) => refusal_html(f),
            Self::Apology(f) => apology_html(f),
            Self::ControlSheet(f) => control_sheet_html(f),
            Self::StopNotice(f) => stop_notice_html(f),
        }
    }
}

/// A processing time in the words of the forms ("03 ngày làm việc").
pub fn processing_time_vi(time: Option<ProcessingTime>) -> String {
    match time {
        None => "Không quy định thời hạn".to_owned(),
        Some(t) => match t.unit {
            TimeUnit::WorkingDays => format!("{:02} ngày làm việc", t.value),
            TimeUnit::WorkingHours => format!("{:02} giờ làm việc", t.value),
            TimeUnit::CalendarDays => format!("{:02} ngày", t.value),
            TimeUnit::SameDay => "Trong ngày".to_owned(),
        },
    }
}

/// The Mẫu 05 column for a step.
pub fn timeliness_vi(t: Timeliness) -> &'static str {
    match t {
        Timeliness::Early => "Trước hạn",
        Timeliness::OnTime => "Đúng hạn",
        Timeliness::Late => "Quá hạn",
    }
}

/// "09 giờ 05 phút, ngày 25/11/2026".
pub fn when(t: &DateTime<FixedOffset>) -> String {
    t.format("%H giờ %M phút, ngày %d/%m/%Y").to_string()
}

fn when_opt(t: Option<&DateTime<FixedOffset>>) -> String {
    t.map_or_else(|| "—".to_owned(), when)
}

fn date_opt(t: Option<&DateTime<FixedOffset>>) -> String {
    t.map_or_else(String::new, |t| t.format("%d/%m/%Y %H:%M").to_string())
}

/// Paper sizes of the forms.
#[derive(Debug, Clone, Copy)]
enum Paper {
    A5,
    A4Landscape,
}

fn page(title: &str, paper: Paper, agency: &str, body: &str) -> String {
    let (size, width) = match paper {
        Paper::A5 => ("A5", "148mm"),
        Paper::A4Landscape => ("A4 landscape", "297mm"),
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: {size}; margin: 12mm; }}
body {{ font-family: "Times New Roman", serif; font-size: 12pt; color: #000; max-width: {width}; margin: auto; }}
h1 {{ font-size: 13pt; text-align: center; text-transform: uppercase; margin: 6mm 0 4mm; }}
.head {{ display: flex; justify-content: space-between; text-align: center; font-size: 11pt; }}
.center {{ text-align: center; }} .sign {{ display: flex; justify-content: space-between; margin-top: 8mm; text-align: center; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #000; padding: 2px 4px; font-size: 10pt; vertical-align: top; }}
@media print {{ body {{ max-width: none; }} }}
</style></head><body>
<div class="head"><div><strong>{agency}</strong></div><div><strong>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</strong><br>Độc lập - Tự do - Hạnh phúc</div></div>
{body}
</body></html>"#,
        title = escape(title),
        agency = escape(agency),
    )
}

fn applicant_block(h: &DossierHeading) -> String {
    format!(
        "<p>Mã hồ sơ: <strong>{code}</strong></p>\n<p>Kính gửi: {name}<br>Địa chỉ: {address}<br>Số điện thoại: {phone} — Email: {email}</p>\n<p>Nội dung yêu cầu giải quyết: {procedure} (mã thủ tục {procedure_code})</p>",
        code = escape(&h.dossier_code),
        name = escape(&h.applicant_name),
        address = escape(h.applicant_address.as_deref().unwrap_or("—")),
        phone = escape(h.applicant_phone.as_deref().unwrap_or("—")),
        email = escape(&h.applicant_email),
        procedure = escape(&h.procedure_name),
        procedure_code = escape(&h.procedure_code),
    )
}

fn signatures(left: &str, right: &str, right_name: &str) -> String {
    format!(
        "<div class=\"sign\"><div><strong>{}</strong><br><em>(Ký, ghi rõ họ tên)</em></div><div><strong>{}</strong><br><em>(Ký, ghi rõ họ tên)</em><br><br><br>{}</div></div>",
        escape(left),
        escape(right),
        escape(right_name)
    )
}

/// Mẫu 02: what to add or fix, and why.
pub fn supplement_request_html(f: &SupplementRequest) -> String {
    let rows: String = f
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                escape(item.document.as_deref().unwrap_or("—")),
                escape(&item.description)
            )
        })
        .collect();
    let body = format!(
        "<p class=\"center\">Số: {number}/HDHS — {at}</p>\n<h1>Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ</h1>\n{applicant}\n<p>Ngày tiếp nhận: {received}</p>\n<p>Sau khi xem xét, hồ sơ cần được bổ sung, hoàn thiện các nội dung sau:</p>\n<table><tr><th>TT</th><th>Thành phần hồ sơ</th><th>Nội dung cần bổ sung, hoàn thiện</th></tr>{rows}</table>\n<p>Lý do: {reason}</p>\n<p>Thời gian chờ bổ sung không tính vào thời hạn giải quyết. Mọi vướng mắc xin liên hệ Bộ phận Một cửa — {agency}.</p>\n{sign}",
        number = f.request_number,
        at = escape(&when(&f.at)),
        applicant = applicant_block(&f.heading),
        received = escape(&when_opt(f.heading.received_at.as_ref())),
        reason = escape(&f.reason),
        agency = escape(&f.heading.agency_name),
        sign = signatures("", "Người hướng dẫn", &f.officer),
    );
    page(&format!("Phiếu yêu cầu bổ sung hồ sơ {}", f.heading.dossier_code), Paper::A5, &f.heading.agency_name, &body)
}

/// Mẫu 03: the refusal with its reason and legal basis.
pub fn refusal_html(f: &Refusal) -> String {
    let body = format!(
        "<p class=\"center\">{at}</p>\n<h1>Phiếu từ chối tiếp nhận giải quyết hồ sơ</h1>\n{applicant}\n<p>Căn cứ: {basis}</p>\n<p>Cơ quan, đơn vị từ chối tiếp nhận, giải quyết hồ sơ với lý do: {reason}</p>\n<p>Xin thông báo để Ông/Bà được biết và thực hiện.</p>\n{sign}",
        at = escape(&when(&f.at)),
        applicant = applicant_block(&f.heading),
        basis = escape(f.legal_basis.as_deref().unwrap_or("Quy định về thủ tục hành chính hiện hành")),
        reason = escape(&f.reason),
        sign = signatures("", "Người từ chối", &f.officer),
    );
    page(&format!("Phiếu từ chối hồ sơ {}", f.heading.dossier_code), Paper::A5, &f.heading.agency_name, &body)
}

/// Mẫu 04: the apology with the reason for the delay and the new appointment.
pub fn apology_html(f: &Apology) -> String {
    let body = format!(
        "<p class=\"center\">{at}</p>\n<h1>Phiếu xin lỗi và hẹn lại ngày trả kết quả</h1>\n{applicant}\n<p>Ngày nhận hồ sơ: {received}<br>Thời hạn trả kết quả theo giấy hẹn: {previous}</p>\n<p>Lý do chậm trả kết quả: {reason}</p>\n<p>{agency} xin lỗi Ông/Bà vì sự chậm trễ này và hẹn lại thời gian trả kết quả vào: <strong>{new}</strong>.</p>\n{sign}",
        at = escape(&when(&f.at)),
        applicant = applicant_block(&f.heading),
        received = escape(&when_opt(f.heading.received_at.as_ref())),
        previous = escape(&when_opt(f.previous_due_at.as_ref())),
        reason = escape(&f.reason),
        agency = escape(&f.heading.agency_name),
        new = escape(&when_opt(f.new_due_at.as_ref())),
        sign = signatures("", "Thủ trưởng cơ quan", &f.officer),
    );
    page(&format!("Phiếu xin lỗi hồ sơ {}", f.heading.dossier_code), Paper::A5, &f.heading.agency_name, &body)
}

/// Thông báo dừng giải quyết hồ sơ.
pub fn stop_notice_html(f: &StopNotice) -> String {
    let body = format!(
        "<p class=\"center\">{at}</p>\n<h1>Thông báo dừng giải quyết hồ sơ</h1>\n{applicant}\n<p>Ngày tiếp nhận: {received}</p>\n<p>{agency} thông báo dừng giải quyết hồ sơ nêu trên. Lý do: {reason}</p>\n{sign}",
        at = escape(&when(&f.at)),
        applicant = applicant_block(&f.heading),
        received = escape(&when_opt(f.heading.received_at.as_ref())),
        agency = escape(&f.heading.agency_name),
        reason = escape(&f.reason),
        sign = signatures("", "Thủ trưởng cơ quan", &f.officer),
    );
    page(
        &format!("Thông báo dừng giải quyết hồ sơ {}", f.heading.dossier_code),
        Paper::A5,
        &f.heading.agency_name,
        &body,
    )
}

/// Mẫu 05: each hand-over with its time and whether it was early, on time or late.
pub fn control_sheet_html(f: &ControlSheet) -> String {
    let rows: String = f
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i + 1,
                escape(&s.action),
                escape(&s.giver),
                escape(&s.to_state),
                escape(&when(&s.at)),
                s.on_time.map_or("", timeliness_vi),
                escape(s.note.as_deref().unwrap_or(""))
            )
        })
        .collect();
    let h = &f.heading;
    let body = format!(
        "<h1>Phiếu kiểm soát quá trình giải quyết hồ sơ</h1>\n<p>Mã hồ sơ: <strong>{code}</strong><br>Cơ quan chủ trì giải quyết: {agency}<br>Tên người nộp hồ sơ: {name}<br>Tên thủ tục hành chính: {procedure} ({procedure_code})</p>\n<p>Thời gian nhận hồ sơ: {received}<br>Thời gian trả kết quả: {due}</p>\n<table><tr><th>TT</th><th>Bước xử lý</th><th>Bên giao</th><th>Chuyển sang</th><th>Thời gian giao, nhận</th><th>Kết quả (trước hạn / đúng hạn / quá hạn)</th><th>Ghi chú</th></tr>{rows}</table>",
        code = escape(&h.dossier_code),
        agency = escape(&h.agency_name),
        name = escape(&h.applicant_name),
        procedure = escape(&h.procedure_name),
        procedure_code = escape(&h.procedure_code),
        received = escape(&when_opt(h.received_at.as_ref())),
        due = escape(&when_opt(h.due_at.as_ref())),
    );
    page(&format!("Phiếu kiểm soát hồ sơ {}", h.dossier_code), Paper::A5, &h.agency_name, &body)
}

/// Mẫu 06/07: one line per dossier received in the period.
pub fn tracking_book_html(f: &TrackingBook) -> String {
    let rows: String = f
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>1</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td></td><td>{}</td></tr>",
                i + 1,
                escape(&r.dossier_code),
                escape(&r.procedure_name),
                escape(&r.applicant_name),
                escape(&r.applicant_contact),
                date_opt(r.received_at.as_ref()),
                date_opt(r.due_at.as_ref()),
                date_opt(r.resolved_at.as_ref()),
                date_opt(r.returned_at.as_ref()),
                escape(&r.state)
            )
        })
        .collect();
    let body = format!(
        "<h1>Sổ theo dõi hồ sơ</h1>\n<p class=\"center\">Từ ngày {from} đến ngày {to}</p>\n<table><tr><th>STT</th><th>Mã hồ sơ</th><th>Tên TTHC</th><th>Số lượng hồ sơ (bộ)</th><th>Tên cá nhân, tổ chức</th><th>Địa chỉ, số điện thoại</th><th>Ngày nhận hồ sơ</th><th>Ngày hẹn trả kết quả</th><th>Ngày có kết quả</th><th>Ngày trả kết quả</th><th>Ký nhận</th><th>Ghi chú</th></tr>{rows}</table>",
        from = f.from.format("%d/%m/%Y"),
        to = f.to.format("%d/%m/%Y"),
    );
    page(&format!("Sổ theo dõi hồ sơ {}", f.agency_name), Paper::A4Landscape, &f.agency_name, &body)
}

/// A state in the words of the forms.
pub fn state_vi(state: &str) -> &'static str {
    match state {
        "draft" => "Dự thảo",
        "submitted" => "Mới nộp",
        "received" => "Đã tiếp nhận",
        "refused" => "Từ chối tiếp nhận",
        "in_progress" => "Đang xử lý",
        "pending_approval" => "Chờ phê duyệt",
        "awaiting_supplement" => "Chờ bổ sung",
        "awaiting_payment" => "Chờ nộp phí",
        "withdrawn" => "Đã rút",
        "stopped" => "Dừng xử lý",
        "resolved" => "Đã có kết quả",
        "returned" => "Đã trả kết quả",
        _ => "Khác",
    }
}

/// An audit action in the words of the forms.
pub fn action_vi(action: &str) -> &'static str {
    match action {
        "submit" => "Nộp hồ sơ",
        "receive" => "Tiếp nhận hồ sơ",
        "refuse" => "Từ chối tiếp nhận",
        "request_supplement" => "Yêu cầu bổ sung",
        "supplement" => "Công dân bổ sung hồ sơ",
        "assign" => "Chuyển chuyên viên xử lý",
        "propose_result" => "Trình kết quả",
        "approve" => "Phê duyệt kết quả",
        "send_back" => "Trả lại chuyên viên",
        "request_payment" => "Yêu cầu nộp phí",
        "confirm_payment" => "Xác nhận nộp phí",
        "resolve" => "Ban hành kết quả",
        "return_result" => "Trả kết quả",
        "stop" => "Dừng giải quyết",
        "apologize" => "Xin lỗi, hẹn lại",
        "withdraw" => "Rút hồ sơ",
        "rate" => "Đánh giá",
        _ => "Khác",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap_or_default()
    }

    fn heading() -> DossierHeading {
        DossierHeading {
            agency_code: "000.17.22.H56".into(),
            agency_name: "UBND xã Đông Sơn".into(),
            dossier_code: "000.17.22.H56-261125-0001".into(),
            applicant_name: "<b>Nguyễn Thị Ánh</b>".into(),
            applicant_address: Some("Thôn 3 & xóm 4".into()),
            applicant_phone: None,
            applicant_email: "anh@example.vn".into(),
            procedure_code: "1.004873".into(),
            procedure_name: "Cấp Giấy xác nhận tình trạng hôn nhân".into(),
            received_at: Some(at("2026-11-25T09:05:00+07:00")),
            due_at: Some(at("2026-11-30T09:05:00+07:00")),
        }
    }

    #[test]
    fn every_dossier_form_names_its_dossier_and_escapes_what_people_typed() {
        let now = at("2026-11-26T10:00:00+07:00");
        let pages = [
            supplement_request_html(&SupplementRequest {
                heading: heading(),
                at: now,
                request_number: 1,
                reason: "Thiếu <giấy tờ>".into(),
                items: vec![SupplementLine { document: Some("Tờ khai".into()), description: "Ký tên".into() }],
                officer: "Cán Bộ Xã".into(),
            }),
            refusal_html(&Refusal {
                heading: heading(),
                at: now,
                reason: "Không thuộc thẩm quyền".into(),
                legal_basis: Some("Nghị định 123/2015/NĐ-CP".into()),
                officer: "Cán Bộ Xã".into(),
            }),
            apology_html(&Apology {
                heading: heading(),
                at: now,
                reason: "Cần xác minh".into(),
                previous_due_at: Some(at("2026-11-30T09:05:00+07:00")),
                new_due_at: Some(at("2026-12-03T16:00:00+07:00")),
                officer: "Lãnh Đạo".into(),
            }),
            stop_notice_html(&StopNotice {
                heading: heading(),
                at: now,
                reason: "Theo đề nghị".into(),
                officer: "L".into(),
            }),
            control_sheet_html(&ControlSheet {
                heading: heading(),
                steps: vec![ControlStep {
                    at: now,
                    action: "Tiếp nhận hồ sơ".into(),
                    giver: "Cán Bộ Xã (clerk)".into(),
                    to_state: "Đã tiếp nhận".into(),
                    on_time: Some(Timeliness::Early),
                    note: None,
                }],
            }),
        ];
        for html in &pages {
            assert!(html.contains("000.17.22.H56-261125-0001"), "{html}");
            assert!(html.contains("&lt;b&gt;Nguyễn Thị Ánh&lt;/b&gt;") && !html.contains("<b>Nguyễn"), "{html}");
            assert!(html.contains("@page { size: A5"));
        }
        assert!(pages[0].contains("Thiếu &lt;giấy tờ&gt;") && pages[0].contains("1/HDHS"));
        assert!(pages[1].contains("Nghị định 123/2015/NĐ-CP"));
        assert!(pages[2].contains("16 giờ 00 phút, ngày 03/12/2026"));
        assert!(pages[3].contains("Thông báo dừng giải quyết hồ sơ"));
        assert!(pages[4].contains("Trước hạn"));
    }

    #[test]
    fn the_tracking_book_prints_on_a4_with_a_line_per_dossier() {
        let book = TrackingBook {
            agency_code: "000.17.22.H56".into(),
            agency_name: "UBND xã Đông Sơn".into(),
            from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
            to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
            rows: vec![BookRow {
                dossier_code: "000.17.22.H56-261125-0001".into(),
                procedure_name: "Đăng ký khai sinh".into(),
                applicant_name: "Trần Văn Bình".into(),
                applicant_contact: "0912 345 678".into(),
                received_at: Some(at("2026-11-25T09:05:00+07:00")),
                due_at: None,
                resolved_at: None,
                returned_at: None,
                state: "Đang xử lý".into(),
            }],
        };
        let html = tracking_book_html(&book);
        assert!(html.contains("A4 landscape") && html.contains("Sổ theo dõi hồ sơ"));
        assert!(html.contains("Từ ngày 01/11/2026 đến ngày 30/11/2026"));
        assert!(html.contains("25/11/2026 09:05") && html.contains("Trần Văn Bình"));
    }

    #[test]
    fn form_kinds_round_trip_and_times_read_in_vietnamese() {
        for kind in [FormKind::Receipt, FormKind::Refusal, FormKind::ControlSheet, FormKind::StopNotice] {
            assert_eq!(FormKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(FormKind::parse("mau_09"), None);
        assert_eq!(processing_time_vi(Some(ProcessingTime::working_days(3))), "03 ngày làm việc");
        assert_eq!(processing_time_vi(None), "Không quy định thời hạn");
    }
}
