//! The placeholders of each official form's DOCX template, and their values, built from the same
//! form data the HTML pages print (one source of truth: [`super::domain`] and the receipt). The
//! README's "Official forms" section lists them; a test keeps the lists and the values in step.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::docx::{FormValues, Vocabulary};
use super::domain::{
    timeliness_vi, when, Apology, ControlSheet, DossierForm, DossierHeading, FormKind, Refusal, StopNotice,
    SupplementRequest, TrackingBook,
};
use crate::dossiers::receipt::Receipt;

/// Every form an agency may have its own template for: the six forms of a dossier and the
/// tracking book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfficialForm {
    /// Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả.
    Receipt,
    /// Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ.
    SupplementRequest,
    /// Mẫu 03: Phiếu từ chối tiếp nhận, giải quyết hồ sơ.
    Refusal,
    /// Mẫu 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả.
    Apology,
    /// Mẫu 05 (TT 01/2018; Mẫu 06 of TT 03/2025): Phiếu kiểm soát quá trình giải quyết hồ sơ.
    ControlSheet,
    /// Thông báo dừng giải quyết hồ sơ (Mẫu 05 of TT 03/2025).
    StopNotice,
    /// Mẫu 06 (TT 01/2018; Mẫu 07 of TT 03/2025): Sổ theo dõi hồ sơ.
    TrackingBook,
}

impl OfficialForm {
    /// Every form, in the order of their numbers.
    pub const ALL: [OfficialForm; 7] = [
        Self::Receipt,
        Self::SupplementRequest,
        Self::Refusal,
        Self::Apology,
        Self::ControlSheet,
        Self::StopNotice,
        Self::TrackingBook,
    ];

    /// Parses the path segment.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The path segment and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Receipt => "receipt",
            Self::SupplementRequest => "supplement_request",
            Self::Refusal => "refusal",
            Self::Apology => "apology",
            Self::ControlSheet => "control_sheet",
            Self::StopNotice => "stop_notice",
            Self::TrackingBook => "tracking_book",
        }
    }

    /// The placeholders its template may use.
    pub fn vocabulary(self) -> Vocabulary {
        match self {
            Self::Receipt => RECEIPT,
            Self::SupplementRequest => SUPPLEMENT_REQUEST,
            Self::Refusal => REFUSAL,
            Self::Apology => APOLOGY,
            Self::ControlSheet => CONTROL_SHEET,
            Self::StopNotice => STOP_NOTICE,
            Self::TrackingBook => TRACKING_BOOK,
        }
    }
}

impl From<FormKind> for OfficialForm {
    fn from(kind: FormKind) -> Self {
        match kind {
            FormKind::Receipt => Self::Receipt,
            FormKind::SupplementRequest => Self::SupplementRequest,
            FormKind::Refusal => Self::Refusal,
            FormKind::Apology => Self::Apology,
            FormKind::ControlSheet => Self::ControlSheet,
            FormKind::StopNotice => Self::StopNotice,
        }
    }
}

const RECEIPT: Vocabulary = Vocabulary {
    scalars: &[
        "agency_name",
        "dossier_code",
        "lookup_secret",
        "lookup_url",
        "applicant_name",
        "applicant_email",
        "applicant_phone",
        "procedure_code",
        "procedure_name",
        "processing_time",
        "received_at",
        "due_at",
        "collect_at",
    ],
    lists: &[("documents", &["index", "name", "file_name", "sha256", "size"])],
};

const SUPPLEMENT_REQUEST: Vocabulary = Vocabulary {
    scalars: &[
        "agency_name",
        "dossier_code",
        "applicant_name",
        "applicant_address",
        "applicant_phone",
        "applicant_email",
        "procedure_code",
        "procedure_name",
        "received_at",
        "due_at",
        "at",
        "request_number",
        "reason",
        "officer",
    ],
    lists: &[("items", &["index", "document", "description"])],
};

const REFUSAL: Vocabulary = Vocabulary {
    scalars: &[
        "agency_name",
        "dossier_code",
        "applicant_name",
        "applicant_address",
        "applicant_phone",
        "applicant_email",
        "procedure_code",
        "procedure_name",
        "received_at",
        "due_at",
        "at",
        "reason",
        "legal_basis",
        "officer",
    ],
    lists: &[],
};

const APOLOGY: Vocabulary = Vocabulary {
    scalars: &[
        "agency_name",
        "dossier_code",
        "applicant_name",
        "applicant_address",
        "applicant_phone",
        "applicant_email",
        "procedure_code",
        "procedure_name",
        "received_at",
        "due_at",
        "at",
        "reason",
        "previous_due_at",
        "new_due_at",
        "officer",
    ],
    lists: &[],
};

const STOP_NOTICE: Vocabulary = Vocabulary {
    scalars: &[
        "agency_name",
        "dossier_code",
        "applicant_name",
        "applicant_address",
        "applicant_phone",
        "applicant_email",
        "procedure_code",
        "procedure_name",
        "received_at",
        "due_at",
        "at",
        "reason",
        "officer",
    ],
    lists: &[],
};

const CONTROL_SHEET: Vocabulary = Vocabulary {
    scalars: &[
        "agency_name",
        "dossier_code",
        "applicant_name",
        "applicant_address",
        "applicant_phone",
        "applicant_email",
        "procedure_code",
        "procedure_name",
        "received_at",
        "due_at",
    ],
    lists: &[("steps", &["index", "action", "giver", "to_state", "at", "result", "note"])],
};

const TRACKING_BOOK: Vocabulary = Vocabulary {
    scalars: &["agency_name", "from", "to"],
    lists: &[(
        "rows",
        &[
            "index",
            "dossier_code",
            "procedure_name",
            "count",
            "applicant_name",
            "applicant_contact",
            "received_at",
            "due_at",
            "resolved_at",
            "returned_at",
            "state",
        ],
    )],
};

impl DossierForm {
    /// Which form it is.
    pub fn form(&self) -> OfficialForm {
        match self {
            Self::Receipt { .. } => OfficialForm::Receipt,
            Self::SupplementRequest(_) => OfficialForm::SupplementRequest,
            Self::Refusal(_) => OfficialForm::Refusal,
            Self::Apology(_) => OfficialForm::Apology,
            Self::ControlSheet(_) => OfficialForm::ControlSheet,
            Self::StopNotice(_) => OfficialForm::StopNotice,
        }
    }

    /// The values its template is filled with.
    pub fn values(&self) -> FormValues {
        match self {
            Self::Receipt { receipt, lookup_url } => receipt_values(receipt, lookup_url),
            Self::SupplementRequest(f) => supplement_request_values(f),
            Self::Refusal(f) => refusal_values(f),
            Self::Apology(f) => apology_values(f),
            Self::ControlSheet(f) => control_sheet_values(f),
            Self::StopNotice(f) => stop_notice_values(f),
        }
    }
}

/// A time as the forms print it, "—" when there is none (as on the HTML pages).
fn when_or_dash(t: Option<&DateTime<FixedOffset>>) -> String {
    t.map_or_else(|| "—".to_owned(), when)
}

fn heading(v: &mut FormValues, h: &DossierHeading) {
    v.set("agency_name", &h.agency_name)
        .set("dossier_code", &h.dossier_code)
        .set("applicant_name", &h.applicant_name)
        .set("applicant_address", h.applicant_address.as_deref().unwrap_or("—"))
        .set("applicant_phone", h.applicant_phone.as_deref().unwrap_or("—"))
        .set("applicant_email", &h.applicant_email)
        .set("procedure_code", &h.procedure_code)
        .set("procedure_name", &h.procedure_name)
        .set("received_at", when_or_dash(h.received_at.as_ref()))
        .set("due_at", when_or_dash(h.due_at.as_ref()));
}

/// Mẫu 01's values; `lookup_url` is the public status link the HTML shows as a QR code.
pub fn receipt_values(r: &Receipt, lookup_url: &str) -> FormValues {
    let mut v = FormValues::default();
    v.set("agency_name", &r.agency_name)
        .set("dossier_code", &r.code)
        .set("lookup_secret", &r.lookup_secret)
        .set("lookup_url", lookup_url)
        .set("applicant_name", &r.applicant_name)
        .set("applicant_email", &r.applicant_email)
        .set("applicant_phone", r.applicant_phone.as_deref().unwrap_or("—"))
        .set("procedure_code", &r.procedure_code)
        .set("procedure_name", &r.procedure_name)
        .set("processing_time", r.processing_time.as_deref().unwrap_or("không quy định"))
        .set("received_at", when(&r.received_at))
        .set("due_at", r.due_at.as_ref().map_or_else(|| "không quy định".to_owned(), when))
        .set("collect_at", &r.collect_at)
        .list("documents");
    for (i, d) in r.documents.iter().enumerate() {
        v.push(
            "documents",
            [
                ("index", (i + 1).to_string()),
                ("name", d.name.clone()),
                ("file_name", d.file_name.clone()),
                ("sha256", d.sha256.clone()),
                ("size", d.size.to_string()),
            ],
        );
    }
    v
}

/// Mẫu 02's values.
pub fn supplement_request_values(f: &SupplementRequest) -> FormValues {
    let mut v = FormValues::default();
    heading(&mut v, &f.heading);
    v.set("at", when(&f.at))
        .set("request_number", f.request_number.to_string())
        .set("reason", &f.reason)
        .set("officer", &f.officer)
        .list("items");
    for (i, item) in f.items.iter().enumerate() {
        v.push(
            "items",
            [
                ("index", (i + 1).to_string()),
                ("document", item.document.clone().unwrap_or_else(|| "—".to_owned())),
                ("description", item.description.clone()),
            ],
        );
    }
    v
}

/// Mẫu 03's values.
pub fn refusal_values(f: &Refusal) -> FormValues {
    let mut v = FormValues::default();
    heading(&mut v, &f.heading);
    v.set("at", when(&f.at))
        .set("reason", &f.reason)
        .set("legal_basis", f.legal_basis.as_deref().unwrap_or("Quy định về thủ tục hành chính hiện hành"))
        .set("officer", &f.officer);
    v
}

/// Mẫu 04's values.
pub fn apology_values(f: &Apology) -> FormValues {
    let mut v = FormValues::default();
    heading(&mut v, &f.heading);
    v.set("at", when(&f.at))
        .set("reason", &f.reason)
        .set("previous_due_at", when_or_dash(f.previous_due_at.as_ref()))
        .set("new_due_at", when_or_dash(f.new_due_at.as_ref()))
        .set("officer", &f.officer);
    v
}

/// The stop notice's values.
pub fn stop_notice_values(f: &StopNotice) -> FormValues {
    let mut v = FormValues::default();
    heading(&mut v, &f.heading);
    v.set("at", when(&f.at)).set("reason", &f.reason).set("officer", &f.officer);
    v
}

/// Mẫu 05's values.
pub fn control_sheet_values(f: &ControlSheet) -> FormValues {
    let mut v = FormValues::default();
    heading(&mut v, &f.heading);
    v.list("steps");
    for (i, s) in f.steps.iter().enumerate() {
        v.push(
            "steps",
            [
                ("index", (i + 1).to_string()),
                ("action", s.action.clone()),
                ("giver", s.giver.clone()),
                ("to_state", s.to_state.clone()),
                ("at", when(&s.at)),
                ("result", s.on_time.map_or("", timeliness_vi).to_owned()),
                ("note", s.note.clone().unwrap_or_default()),
            ],
        );
    }
    v
}

/// The tracking book's values.
pub fn tracking_book_values(f: &TrackingBook) -> FormValues {
    let date =
        |t: Option<&DateTime<FixedOffset>>| t.map_or_else(String::new, |t| t.format("%d/%m/%Y %H:%M").to_string());
    let mut v = FormValues::default();
    v.set("agency_name", &f.agency_name)
        .set("from", f.from.format("%d/%m/%Y").to_string())
        .set("to", f.to.format("%d/%m/%Y").to_string())
        .list("rows");
    for (i, r) in f.rows.iter().enumerate() {
        v.push(
            "rows",
            [
                ("index", (i + 1).to_string()),
                ("dossier_code", r.dossier_code.clone()),
                ("procedure_name", r.procedure_name.clone()),
                ("count", "1".to_owned()),
                ("applicant_name", r.applicant_name.clone()),
                ("applicant_contact", r.applicant_contact.clone()),
                ("received_at", date(r.received_at.as_ref())),
                ("due_at", date(r.due_at.as_ref())),
                ("resolved_at", date(r.resolved_at.as_ref())),
                ("returned_at", date(r.returned_at.as_ref())),
                ("state", r.state.clone()),
            ],
        );
    }
    v
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeSet;

    use chrono::NaiveDate;

    use super::*;
    use crate::dossiers::receipt::ReceiptDocument;
    use crate::forms::domain::{BookRow, ControlStep, SupplementLine};
    use crate::workflow::domain::Timeliness;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap_or_default()
    }

    fn heading() -> DossierHeading {
        DossierHeading {
            agency_code: "000.17.22.H56".into(),
            agency_name: "UBND xã Đông Sơn".into(),
            dossier_code: "000.17.22.H56-261125-0001".into(),
            applicant_name: "Nguyễn Thị Ánh".into(),
            applicant_address: Some("Thôn 3".into()),
            applicant_phone: None,
            applicant_email: "anh@example.vn".into(),
            procedure_code: "1.004873".into(),
            procedure_name: "Cấp Giấy xác nhận tình trạng hôn nhân".into(),
            received_at: Some(at("2026-11-25T09:05:00+07:00")),
            due_at: Some(at("2026-11-30T09:05:00+07:00")),
        }
    }

    /// The values of every form, each list with one item: for the templates' tests too.
    pub(crate) fn sample_values() -> Vec<(OfficialForm, FormValues)> {
        let now = at("2026-11-26T10:00:00+07:00");
        let receipt = Receipt {
            agency_code: "000.17.22.H56".into(),
            agency_name: "UBND xã Đông Sơn".into(),
            code: "000.17.22.H56-261125-0001".into(),
            lookup_secret: "K7M2QX".into(),
            applicant_name: "Nguyễn Thị Ánh".into(),
            applicant_email: "anh@example.vn".into(),
            applicant_phone: Some("0912345678".into()),
            procedure_code: "1.004873".into(),
            procedure_name: "Cấp Giấy xác nhận tình trạng hôn nhân".into(),
            processing_time: Some("3 working days".into()),
            documents: vec![ReceiptDocument {
                document_key: "to_khai".into(),
                name: "Tờ khai".into(),
                file_name: "to-khai.pdf".into(),
                sha256: "ab".repeat(32),
                size: 1234,
            }],
            received_at: now,
            due_at: None,
            collect_at: "UBND xã Đông Sơn".into(),
        };
        vec![
            (OfficialForm::Receipt, receipt_values(&receipt, "https://dvc.example.vn/api/v1/lookup/x?secret=K7M2QX")),
            (
                OfficialForm::SupplementRequest,
                supplement_request_values(&SupplementRequest {
                    heading: heading(),
                    at: now,
                    request_number: 1,
                    reason: "Thiếu chữ ký".into(),
                    items: vec![SupplementLine { document: Some("Tờ khai".into()), description: "Ký tên".into() }],
                    officer: "Cán Bộ Xã".into(),
                }),
            ),
            (
                OfficialForm::Refusal,
                refusal_values(&Refusal {
                    heading: heading(),
                    at: now,
                    reason: "Không thuộc thẩm quyền".into(),
                    legal_basis: None,
                    officer: "Cán Bộ Xã".into(),
                }),
            ),
            (
                OfficialForm::Apology,
                apology_values(&Apology {
                    heading: heading(),
                    at: now,
                    reason: "Cần xác minh".into(),
                    previous_due_at: Some(at("2026-11-30T09:05:00+07:00")),
                    new_due_at: Some(at("2026-12-03T16:00:00+07:00")),
                    officer: "Lãnh Đạo".into(),
                }),
            ),
            (
                OfficialForm::ControlSheet,
                control_sheet_values(&ControlSheet {
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
            ),
            (
                OfficialForm::StopNotice,
                stop_notice_values(&StopNotice {
                    heading: heading(),
                    at: now,
                    reason: "Theo đề nghị".into(),
                    officer: "L".into(),
                }),
            ),
            (
                OfficialForm::TrackingBook,
                tracking_book_values(&TrackingBook {
                    agency_code: "000.17.22.H56".into(),
                    agency_name: "UBND xã Đông Sơn".into(),
                    from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
                    to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
                    rows: vec![BookRow {
                        dossier_code: "000.17.22.H56-261125-0001".into(),
                        procedure_name: "Đăng ký khai sinh".into(),
                        applicant_name: "Trần Văn Bình".into(),
                        applicant_contact: "0912 345 678".into(),
                        received_at: Some(now),
                        due_at: None,
                        resolved_at: None,
                        returned_at: None,
                        state: "Đang xử lý".into(),
                    }],
                }),
            ),
        ]
    }

    #[test]
    fn each_forms_values_are_exactly_its_placeholders() {
        let samples = sample_values();
        assert_eq!(samples.len(), OfficialForm::ALL.len());
        for (form, values) in samples {
            let vocabulary = form.vocabulary();
            let mut declared: BTreeSet<String> = vocabulary.scalars.iter().map(|s| (*s).to_owned()).collect();
            for (list, fields) in vocabulary.lists {
                declared.insert(format!("#{list}"));
                declared.extend(fields.iter().map(|f| format!("{list}.{f}")));
            }
            assert_eq!(values.names(), declared, "{form:?}");
        }
    }

    #[test]
    fn forms_round_trip_through_their_names() {
        for form in OfficialForm::ALL {
            assert_eq!(OfficialForm::parse(form.as_str()), Some(form));
        }
        assert_eq!(OfficialForm::parse("mau_09"), None);
        assert_eq!(OfficialForm::from(FormKind::StopNotice), OfficialForm::StopNotice);
    }
}
