//! The reception receipt (Giấy tiếp nhận hồ sơ và hẹn trả kết quả, Mẫu 01): its data, and a
//! printable A5 page of it.

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::attachment_service;
use super::error::DossierError;
use super::service::find_visible;
use crate::calendar::domain::business_offset;
use crate::catalog::{procedure_service, service as catalog};
use crate::http::html::escape;
use crate::identity::domain::PrincipalKind;
use crate::identity::service::{self as identity, Principal};

/// One document handed in, with the fingerprint the server computed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptDocument {
    /// Required-document key.
    pub document_key: String,
    /// Its name in the procedure.
    pub name: String,
    /// The file received.
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// The data of Mẫu 01 for one dossier.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "agency_code": "000.17.22.H56", "agency_name": "UBND xã Đông Sơn (demo)",
    "code": "000.17.22.H56-261130-0001", "lookup_secret": "6J4WDZ", "applicant_name": "Nguyễn Thị Ánh",
    "applicant_email": "nguyen.thi.anh@example.vn", "applicant_phone": "0912345678",
    "procedure_code": "1.004873", "procedure_name": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
    "processing_time": "3 working days",
    "documents": [
        {
            "document_key": "giay_to_tuy_than", "name": "Giấy tờ tùy thân của người yêu cầu (xuất trình)",
            "file_name": "to_khai.pdf",
            "sha256": "5a838678058f6de375e8635b5f2fea47a4e5f07cb1a882a44b10f39abc6f34ff", "size": 45
        },
        {
            "document_key": "to_khai_xac_nhan_tthn", "name": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
            "file_name": "to_khai.pdf",
            "sha256": "5a838678058f6de375e8635b5f2fea47a4e5f07cb1a882a44b10f39abc6f34ff", "size": 45
        }
    ],
    "received_at": "2026-11-30T08:58:58.351003+07:00", "due_at": "2026-12-03T08:58:58.351003+07:00",
    "collect_at": "UBND xã Đông Sơn (demo) — or online, on the portal, for electronic results"
}))]
pub struct Receipt {
    /// Receiving agency code.
    pub agency_code: String,
    /// Receiving agency name.
    pub agency_name: String,
    /// Dossier code (mã hồ sơ).
    pub code: String,
    /// Secret for the public status lookup.
    pub lookup_secret: String,
    /// Applicant's full name.
    pub applicant_name: String,
    /// Applicant's e-mail.
    pub applicant_email: String,
    /// Applicant's phone.
    pub applicant_phone: Option<String>,
    /// Procedure code.
    pub procedure_code: String,
    /// The matter requested (procedure name).
    pub procedure_name: String,
    /// Statutory processing time, e.g. "3 working days"; none when the procedure has no fixed deadline.
    pub processing_time: Option<String>,
    /// Documents received.
    pub documents: Vec<ReceiptDocument>,
    /// Time received (Asia/Ho_Chi_Minh).
    pub received_at: DateTime<FixedOffset>,
    /// Appointment time for the result (Asia/Ho_Chi_Minh); none without a fixed deadline.
    pub due_at: Option<DateTime<FixedOffset>>,
    /// Where the result is collected.
    pub collect_at: String,
}

/// The receipt of a received dossier, for its applicant or the agency's staff. A staff member's
/// read of the applicant's data is recorded in the personal-data access log.
///
/// # Errors
/// [`DossierError::NotFound`], [`DossierError::NotReceived`].
pub async fn receipt(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    request_id: Option<String>,
) -> Result<Receipt, DossierError> {
    let dossier = find_visible(db, caller, id).await?;
    let (Some(received_at), Some(code), Some(lookup_secret)) =
        (dossier.received_at, dossier.code.clone(), dossier.lookup_secret.clone())
    else {
        return Err(DossierError::NotReceived);
    };
    let unexpected = |what: &str, e: String| DossierError::Unexpected(anyhow::anyhow!("{what}: {e}"));
    let agency = catalog::find_agency(db, &dossier.agency_code)
        .await
        .map_err(|e| unexpected("find agency", e.to_string()))?
        .ok_or_else(|| unexpected("find agency", "missing".to_owned()))?;
    let procedure = procedure_service::find_procedure(db, &dossier.procedure_code)
        .await
        .map_err(|e| unexpected("find procedure", e.to_string()))?
        .ok_or_else(|| DossierError::UnknownProcedure(dossier.procedure_code.clone()))?;
    let applicant = identity::find_account(db, dossier.applicant_id)
        .await
        .map_err(|e| unexpected("find applicant", e.to_string()))?;
    if caller.kind == PrincipalKind::Staff {
        identity::log_personal_data_access(db, caller, applicant.id, "read", "receipt (Mẫu 01)", request_id)
            .await
            .map_err(|e| unexpected("log personal-data access", e.to_string()))?;
    }
    let documents = attachment_service::list(db, caller, id)
        .await?
        .into_iter()
        .map(|a| ReceiptDocument {
            name: procedure
                .documents
                .iter()
                .find(|d| d.key == a.document_key)
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            document_key: a.document_key,
            file_name: a.file_name,
            sha256: a.sha256,
            size: a.size,
        })
        .collect();
    let local = |t: DateTime<Utc>| t.with_timezone(&business_offset());
    Ok(Receipt {
        collect_at: format!("{} — or online, on the portal, for electronic results", agency.name),
        agency_code: agency.code,
        agency_name: agency.name,
        code,
        lookup_secret,
        applicant_name: applicant.full_name,
        applicant_email: applicant.email,
        applicant_phone: applicant.phone,
        processing_time: procedure.processing_time_on(dossier.channel.national_code()).map(|t| t.to_string()),
        procedure_code: procedure.code,
        procedure_name: procedure.name,
        documents,
        received_at: local(received_at),
        due_at: dossier.due_at.map(local),
    })
}

/// The public status-lookup link printed (as a QR code) on the receipt.
pub fn lookup_url(public_url: &str, r: &Receipt) -> String {
    format!("{public_url}/api/v1/lookup/{}?secret={}", r.code, r.lookup_secret)
}

/// The receipt as a printable A5 page (Vietnamese, as issued at the desk), with a QR code of
/// `lookup_url`, the public status lookup.
pub fn receipt_html(r: &Receipt, lookup_url: &str) -> String {
    let qr = crate::http::html::qr_svg(lookup_url, 96).unwrap_or_default();
    let when = |t: &DateTime<FixedOffset>| t.format("%H giờ %M phút, ngày %d/%m/%Y").to_string();
    let rows: String = r
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"hash\">{}</td></tr>",
                i + 1,
                escape(&d.name),
                escape(&d.file_name),
                escape(&d.sha256)
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Giấy tiếp nhận hồ sơ {code}</title>
<style>
@page {{ size: A5; margin: 12mm; }}
body {{ font-family: "Times New Roman", serif; font-size: 12pt; color: #000; max-width: 148mm; margin: auto; }}
h1 {{ font-size: 13pt; text-align: center; text-transform: uppercase; margin: 6mm 0 4mm; }}
.center {{ text-align: center; }} table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #000; padding: 2px 4px; font-size: 10pt; vertical-align: top; }}
.hash {{ font-family: monospace; font-size: 7pt; word-break: break-all; }}
.qr {{ float: right; width: 30mm; text-align: center; font-size: 6pt; word-break: break-all; }} .qr svg {{ width: 26mm; height: 26mm; }}
</style></head><body>
<p class="center"><strong>{agency}</strong><br>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</p>
<h1>Giấy tiếp nhận hồ sơ và hẹn trả kết quả</h1>
<div class="qr">{qr}<br><small>Tra cứu: {lookup}</small></div>
<p>Mã hồ sơ: <strong>{code}</strong> — Mã tra cứu: <strong>{secret}</strong></p>
<p>Tiếp nhận hồ sơ của: {applicant}<br>Email: {email}<br>Số điện thoại: {phone}</p>
<p>Nội dung yêu cầu giải quyết: {procedure} ({procedure_code})<br>Thời hạn giải quyết theo quy định: {time}</p>
<table><tr><th>TT</th><th>Thành phần hồ sơ</th><th>Tệp</th><th>SHA-256</th></tr>{rows}</table>
<p>Thời gian nhận hồ sơ: {received}<br>Thời gian trả kết quả: {due}<br>Nhận kết quả tại: {collect}</p>
</body></html>"#,
        agency = escape(&r.agency_name),
        code = escape(&r.code),
        secret = escape(&r.lookup_secret),
        applicant = escape(&r.applicant_name),
        email = escape(&r.applicant_email),
        phone = escape(r.applicant_phone.as_deref().unwrap_or("—")),
        procedure = escape(&r.procedure_name),
        procedure_code = escape(&r.procedure_code),
        time = escape(r.processing_time.as_deref().unwrap_or("không quy định")),
        rows = rows,
        received = when(&r.received_at),
        due = r.due_at.as_ref().map_or_else(|| "không quy định".to_owned(), when),
        collect = escape(&r.collect_at),
        qr = qr,
        lookup = escape(lookup_url),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printable_receipt_escapes_what_citizens_typed() {
        let at = DateTime::parse_from_rfc3339("2026-11-25T09:05:00+07:00").unwrap();
        let r = Receipt {
            agency_code: "000.17.22.H56".into(),
            agency_name: "UBND xã Đông Sơn".into(),
            code: "000.17.22.H56-261125-0001".into(),
            lookup_secret: "K7M2QX".into(),
            applicant_name: "<script>alert(1)</script>".into(),
            applicant_email: "a@example.vn".into(),
            applicant_phone: None,
            procedure_code: "1.004873".into(),
            procedure_name: "Cấp Giấy xác nhận tình trạng hôn nhân".into(),
            processing_time: Some("3 working days".into()),
            documents: vec![],
            received_at: at,
            due_at: Some(at),
            collect_at: "UBND xã Đông Sơn".into(),
        };
        let html = receipt_html(&r, "https://dvc.example.vn/api/v1/lookup/000.17.22.H56-261125-0001?secret=K7M2QX");
        assert!(html.contains("<svg"), "the QR code of the lookup link");
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("09 giờ 05 phút, ngày 25/11/2026"));
        assert!(html.contains("000.17.22.H56-261125-0001"));
    }
}
