//! The national portal's records, built from a dossier's facts (DOMAIN.md §5): `DongBoHoSoMC`
//! (the dossier) and `CapNhatTienDoHoSoMC` (one processing step), in the national field names and
//! codes, dates as `yyyyMMddHHmmss` in Asia/Ho_Chi_Minh. Pure functions, no I/O.
//!
//! # Implementation Notes
//! No official specification was found (DOMAIN.md §5); the field names follow the open-source
//! systems that integrate with Cổng DVCQG. Where a code's meaning is not documented the record
//! leaves the field out rather than guess (`MaLinhVuc`: the catalogue keeps only the field's name;
//! `DanhSachLePhi[].MaPhiLePhi`, `HinhThucThu`, `LoaiPhiLePhi`). A date the dossier does not have
//! yet is sent as `null`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calendar::domain::business_offset;
use crate::dossiers::domain::Channel;
use crate::workflow::domain::{Action, Actor, DossierState};

/// The job kind that pushes one state change to the national portal.
pub const NATIONAL_SYNC_JOB: &str = "national_sync";

/// The payload of a [`NATIONAL_SYNC_JOB`]: which dossier and which audit event. The record itself
/// is built when the job runs, so a retried job sends the dossier's current facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncJob {
    pub dossier_id: Uuid,
    /// The audit event whose step `CapNhatTienDoHoSoMC` reports.
    pub event_seq: i32,
}

/// The ordering key of a dossier's sync jobs: they reach the portal in the order of the changes.
///
/// Not the bare `dossier:<id>` that the applicant's e-mails use: jobs with one key wait for each
/// other whatever their kind, so a portal that is down (or not configured) would hold back the
/// citizen's notices.
pub fn ordering_key(dossier_id: Uuid) -> String {
    format!("national_sync:dossier:{dossier_id}")
}

/// Whether a transition concerns the national portal: everything from submission on. A draft the
/// citizen discards never reached anyone.
pub fn is_synced(from: DossierState, to: DossierState) -> bool {
    to.national_status().is_some() && !(from == DossierState::Draft && to == DossierState::Withdrawn)
}

/// `yyyyMMddHHmmss` in Asia/Ho_Chi_Minh (DOMAIN.md §5.1).
pub fn national_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&business_offset()).format("%Y%m%d%H%M%S").to_string()
}

fn national_time_opt(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(national_time)
}

/// How a dossier's fee was paid online (`DuocThanhToanTrucTuyen`, DOMAIN.md §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnlinePayment {
    /// Not paid online (no fee, unpaid, or paid in cash): 0.
    None,
    /// On the national payment platform (PayGov): 1.
    NationalPlatform,
    /// Through a ministry's or the province's gateway: 2.
    LocalGateway,
}

impl OnlinePayment {
    /// From the recorded payment method and the provider that confirmed it. The provider names
    /// `paygov` and `dvcqg` stand for the national platform; any other online provider is a
    /// local gateway.
    pub fn from_payment(method: Option<&str>, provider: Option<&str>) -> Self {
        match (method, provider) {
            (Some("online"), Some("paygov" | "dvcqg")) => Self::NationalPlatform,
            (Some("online"), _) => Self::LocalGateway,
            _ => Self::None,
        }
    }

    /// The national code.
    pub fn code(self) -> u8 {
        match self {
            Self::None => 0,
            Self::NationalPlatform => 1,
            Self::LocalGateway => 2,
        }
    }
}

/// The applicant as the national record names them (`ChuHoSo`, `SoDinhDanh`…).
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicantFacts {
    pub full_name: String,
    pub national_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A submitted document (`TaiLieuNop`).
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentFacts {
    pub id: Uuid,
    pub document_key: String,
    pub file_name: String,
    /// Replaced or removed by the citizen.
    pub deleted: bool,
}

/// A fee line requested from the applicant (`DanhSachLePhi`).
#[derive(Debug, Clone, PartialEq)]
pub struct FeeFacts {
    pub name: String,
    /// In đồng.
    pub amount: i64,
}

/// An issued result document (`DanhSachGiayToKetQua`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResultFacts {
    pub id: Uuid,
    pub name: String,
    pub sha256: String,
}

/// Local codes as the national portal knows them (data kept by admins): the procedure's national
/// TTHC code and the national `MaThanhPhanHoSo` of its documents. A code with no mapping is sent
/// as it is (the catalogue usually uses the national codes already).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeMappings {
    /// The procedure's national code.
    pub procedure: Option<String>,
    /// National `MaThanhPhanHoSo` by local document key.
    pub documents: std::collections::HashMap<String, String>,
}

impl CodeMappings {
    /// The national code of the procedure whose local code is `local`.
    pub fn procedure_code<'a>(&'a self, local: &'a str) -> &'a str {
        self.procedure.as_deref().unwrap_or(local)
    }

    /// The national `MaThanhPhanHoSo` of the local document key `key`.
    pub fn document_code<'a>(&'a self, key: &'a str) -> &'a str {
        self.documents.get(key).map_or(key, String::as_str)
    }
}

/// Everything the national record says about a dossier, read when the job runs.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierFacts {
    pub id: Uuid,
    pub code: Option<String>,
    pub procedure_code: String,
    pub procedure_name: String,
    /// The procedure's field (lĩnh vực) name.
    pub field_name: String,
    pub agency_code: String,
    pub agency_name: String,
    pub state: DossierState,
    pub channel: Channel,
    pub applicant: ApplicantFacts,
    pub submitted_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    /// `online`, `desk` or `post`.
    pub return_method: Option<String>,
    pub vneid_authenticated: bool,
    pub online_payment: OnlinePayment,
    pub documents: Vec<DocumentFacts>,
    pub fees: Vec<FeeFacts>,
    pub results: Vec<ResultFacts>,
    /// Base URL for the links to result documents.
    pub public_url: String,
    /// The national codes of the procedure and its documents.
    pub mappings: CodeMappings,
}

/// One audit event, for `CapNhatTienDoHoSoMC`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFacts {
    pub action: Action,
    pub actor: Actor,
    /// The acting staff member's or applicant's name; `None` for the system and the platforms.
    pub actor_name: Option<String>,
    pub to_state: DossierState,
    pub at: DateTime<Utc>,
}

/// `TaiLieuNop[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubmittedDocument {
    pub tep_dinh_kem_id: String,
    pub ten_tep_dinh_kem: String,
    pub is_deleted: bool,
    pub ma_thanh_phan_ho_so: String,
    /// 1: the component is an electronic file.
    pub duoc_so_hoa: u8,
    /// 1: taken from the citizen's store on the national portal (not supported here: 0).
    #[serde(rename = "DuocLayTuKhoDMQG")]
    pub duoc_lay_tu_kho_dmqg: u8,
}

/// `DanhSachLePhi[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Fee {
    pub ten_phi_le_phi: String,
    pub gia: i64,
}

/// `DanhSachGiayToKetQua[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResultDocument {
    pub ten_giay_to: String,
    pub giay_to_id: String,
    /// Where the result file is served (to the applicant and the agency's staff).
    pub duong_dan_tep_tin_ket_qua: String,
    /// The result's SHA-256, by which `GET /results/verify` checks it.
    pub ma_giay_to_ket_qua: String,
}

/// One dossier in `DongBoHoSoMC.data`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NationalDossier {
    pub ma_ho_so: String,
    #[serde(rename = "MaTTHC")]
    pub ma_tthc: String,
    #[serde(rename = "TenTTHC")]
    pub ten_tthc: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ma_linh_vuc: Option<String>,
    pub ten_linh_vuc: String,
    pub chu_ho_so: String,
    /// 1 citizen, 2 organisation.
    pub loai_doi_tuong: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub so_dinh_danh: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub so_dien_thoai: Option<String>,
    pub trich_yeu_ho_so: String,
    pub ngay_nop_ho_so: Option<String>,
    pub ngay_tiep_nhan: Option<String>,
    pub ngay_hen_tra: Option<String>,
    pub ngay_ket_thuc_xu_ly: Option<String>,
    pub ngay_tra: Option<String>,
    /// Only for a refused dossier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ngay_tu_choi: Option<String>,
    pub trang_thai_ho_so: u8,
    pub kenh_thuc_hien: u8,
    /// Result delivery: 0 at the desk (or online), 1 by post.
    pub hinh_thuc: u8,
    pub don_vi_xu_ly: String,
    #[serde(rename = "TaiKhoanDuocXacThucVoiVNeID")]
    pub tai_khoan_duoc_xac_thuc_voi_vneid: u8,
    pub duoc_thanh_toan_truc_tuyen: u8,
    pub ho_so_co_thanh_phan_so_hoa: u8,
    pub tai_lieu_nop: Vec<SubmittedDocument>,
    pub danh_sach_le_phi: Vec<Fee>,
    pub danh_sach_giay_to_ket_qua: Vec<ResultDocument>,
}

/// One step in `CapNhatTienDoHoSoMC.data`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProgressStep {
    pub ma_ho_so: String,
    pub nguoi_xu_ly: String,
    pub chuc_danh: String,
    pub thoi_diem_xu_ly: String,
    pub phong_ban_xu_ly: String,
    pub noi_dung_xu_ly: String,
    pub trang_thai: u8,
    pub ngay_bat_dau: String,
    pub ngay_ket_thuc_theo_quy_dinh: Option<String>,
}

/// Why no record can be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// A draft (or a discarded draft) is not known to the national portal.
    #[error("dossier {0} is a draft; nothing to synchronise")]
    NotSubmitted(Uuid),
}

fn flag(b: bool) -> u8 {
    u8::from(b)
}

/// The dossier as `DongBoHoSoMC` carries it.
///
/// # Errors
/// [`RecordError::NotSubmitted`] for a dossier that has no national status (a draft).
pub fn national_dossier(f: &DossierFacts) -> Result<NationalDossier, RecordError> {
    let status = f.state.national_status().ok_or(RecordError::NotSubmitted(f.id))?;
    let code = f.code.clone().ok_or(RecordError::NotSubmitted(f.id))?;
    let documents: Vec<SubmittedDocument> = f
        .documents
        .iter()
        .map(|d| SubmittedDocument {
            tep_dinh_kem_id: d.id.to_string(),
            ten_tep_dinh_kem: d.file_name.clone(),
            is_deleted: d.deleted,
            ma_thanh_phan_ho_so: f.mappings.document_code(&d.document_key).to_owned(),
            duoc_so_hoa: 1,
            duoc_lay_tu_kho_dmqg: 0,
        })
        .collect();
    let results = f
        .results
        .iter()
        .map(|r| ResultDocument {
            ten_giay_to: r.name.clone(),
            giay_to_id: r.id.to_string(),
            duong_dan_tep_tin_ket_qua: format!("{}/api/v1/dossiers/{}/results/{}", f.public_url, f.id, r.id),
            ma_giay_to_ket_qua: r.sha256.clone(),
        })
        .collect();
    Ok(NationalDossier {
        ma_ho_so: code,
        ma_tthc: f.mappings.procedure_code(&f.procedure_code).to_owned(),
        ten_tthc: f.procedure_name.clone(),
        ma_linh_vuc: None,
        ten_linh_vuc: f.field_name.clone(),
        chu_ho_so: f.applicant.full_name.clone(),
        loai_doi_tuong: 1,
        so_dinh_danh: f.applicant.national_id.clone(),
        email: f.applicant.email.clone(),
        so_dien_thoai: f.applicant.phone.clone(),
        trich_yeu_ho_so: f.procedure_name.clone(),
        ngay_nop_ho_so: national_time_opt(f.submitted_at),
        ngay_tiep_nhan: national_time_opt(f.received_at),
        ngay_hen_tra: national_time_opt(f.due_at),
        ngay_ket_thuc_xu_ly: national_time_opt(f.finished_at),
        ngay_tra: national_time_opt(f.returned_at),
        ngay_tu_choi: (f.state == DossierState::Refused).then(|| national_time_opt(f.finished_at)).flatten(),
        trang_thai_ho_so: status,
        kenh_thuc_hien: f.channel.national_code(),
        hinh_thuc: flag(f.return_method.as_deref() == Some("post")),
        don_vi_xu_ly: f.agency_name.clone(),
        tai_khoan_duoc_xac_thuc_voi_vneid: flag(f.vneid_authenticated),
        duoc_thanh_toan_truc_tuyen: f.online_payment.code(),
        ho_so_co_thanh_phan_so_hoa: flag(f.documents.iter().any(|d| !d.deleted)),
        tai_lieu_nop: documents,
        danh_sach_le_phi: f.fees.iter().map(|fee| Fee { ten_phi_le_phi: fee.name.clone(), gia: fee.amount }).collect(),
        danh_sach_giay_to_ket_qua: results,
    })
}

/// The national title of an actor (`ChucDanh`).
pub fn title(actor: Actor) -> &'static str {
    match actor {
        Actor::Citizen => "Người nộp hồ sơ",
        Actor::Clerk => "Cán bộ một cửa",
        Actor::Specialist => "Chuyên viên",
        Actor::Leader => "Lãnh đạo",
        Actor::Admin => "Quản trị viên",
        Actor::PaymentProvider => "Nền tảng thanh toán",
        Actor::NationalPortal => "Cổng Dịch vụ công quốc gia",
        Actor::System => "Hệ thống",
    }
}

/// What a step did, in Vietnamese (`NoiDungXuLy`). The staff's free-text note is not sent: it
/// may name people or facts the national record does not need.
pub fn step_description(action: Action) -> &'static str {
    match action {
        Action::Submit => "Nộp hồ sơ",
        Action::Receive => "Tiếp nhận hồ sơ",
        Action::Refuse => "Từ chối tiếp nhận hồ sơ",
        Action::RequestSupplement => "Yêu cầu bổ sung hồ sơ",
        Action::Supplement => "Công dân bổ sung hồ sơ",
        Action::Assign => "Phân công xử lý hồ sơ",
        Action::ProposeResult => "Trình kết quả giải quyết",
        Action::Approve => "Phê duyệt kết quả giải quyết",
        Action::SendBack => "Trả lại để xử lý lại",
        Action::RequestPayment => "Yêu cầu thực hiện nghĩa vụ tài chính",
        Action::ConfirmPayment => "Xác nhận đã thanh toán phí, lệ phí",
        Action::Resolve => "Hoàn thành giải quyết hồ sơ",
        Action::ReturnResult => "Trả kết quả",
        Action::Stop => "Dừng xử lý hồ sơ",
        Action::Apologize => "Xin lỗi và hẹn lại ngày trả kết quả",
        Action::Withdraw => "Công dân rút hồ sơ",
        Action::Rate => "Công dân đánh giá sự hài lòng",
    }
}

/// The step as `CapNhatTienDoHoSoMC` carries it.
///
/// # Errors
/// [`RecordError::NotSubmitted`] for a dossier without a code or a step into a draft.
pub fn progress_step(f: &DossierFacts, step: &StepFacts) -> Result<ProgressStep, RecordError> {
    let status = step.to_state.national_status().ok_or(RecordError::NotSubmitted(f.id))?;
    let code = f.code.clone().ok_or(RecordError::NotSubmitted(f.id))?;
    Ok(ProgressStep {
        ma_ho_so: code,
        nguoi_xu_ly: step.actor_name.clone().unwrap_or_else(|| title(step.actor).to_owned()),
        chuc_danh: title(step.actor).to_owned(),
        thoi_diem_xu_ly: national_time(step.at),
        phong_ban_xu_ly: f.agency_name.clone(),
        noi_dung_xu_ly: step_description(step.action).to_owned(),
        trang_thai: status,
        ngay_bat_dau: national_time(step.at),
        ngay_ket_thuc_theo_quy_dinh: national_time_opt(f.due_at),
    })
}

/// The name of the record-pushing service.
pub const SYNC_DOSSIER_SERVICE: &str = "DongBoHoSoMC";
/// The name of the progress service.
pub const PROGRESS_SERVICE: &str = "CapNhatTienDoHoSoMC";

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 5).unwrap()
    }

    fn facts(state: DossierState) -> DossierFacts {
        DossierFacts {
            id: Uuid::nil(),
            code: Some("000.17.22.H56-260302-0001".to_owned()),
            procedure_code: "1.004873".to_owned(),
            procedure_name: "Cấp Giấy xác nhận tình trạng hôn nhân".to_owned(),
            field_name: "Hộ tịch".to_owned(),
            agency_code: "000.17.22.H56".to_owned(),
            agency_name: "UBND xã A".to_owned(),
            state,
            channel: Channel::Online,
            applicant: ApplicantFacts {
                full_name: "Nguyễn Thị Ánh".to_owned(),
                national_id: Some("038095001234".to_owned()),
                email: Some("anh@example.vn".to_owned()),
                phone: None,
            },
            submitted_at: Some(at(1, 0)),
            received_at: None,
            due_at: None,
            finished_at: None,
            returned_at: None,
            return_method: None,
            vneid_authenticated: false,
            online_payment: OnlinePayment::None,
            documents: Vec::new(),
            fees: Vec::new(),
            results: Vec::new(),
            public_url: "https://dvc.example.gov.vn".to_owned(),
            mappings: CodeMappings::default(),
        }
    }

    #[test]
    fn mapped_codes_are_sent_as_the_national_ones_and_the_others_as_they_are() {
        let doc = Uuid::now_v7();
        let mut f = facts(DossierState::Received);
        f.documents = vec![
            DocumentFacts { id: doc, document_key: "to_khai".into(), file_name: "to-khai.pdf".into(), deleted: false },
            DocumentFacts { id: doc, document_key: "cccd".into(), file_name: "cccd.pdf".into(), deleted: false },
        ];
        f.mappings = CodeMappings {
            procedure: Some("1.004873.000.00.00.H56".into()),
            documents: [("to_khai".to_owned(), "TP-01".to_owned())].into(),
        };
        let record = serde_json::to_value(national_dossier(&f).unwrap()).unwrap();
        assert_eq!(record["MaTTHC"], "1.004873.000.00.00.H56");
        assert_eq!(record["TaiLieuNop"][0]["MaThanhPhanHoSo"], "TP-01");
        assert_eq!(record["TaiLieuNop"][1]["MaThanhPhanHoSo"], "cccd");
    }

    #[test]
    fn national_times_are_in_vietnam_without_separators() {
        assert_eq!(national_time(Utc.with_ymd_and_hms(2026, 3, 2, 17, 30, 9).unwrap()), "20260303003009");
        assert_eq!(national_time(at(1, 0)), "20260302080005");
    }

    #[test]
    fn every_state_after_submission_carries_its_status_code() {
        let expected = [
            (DossierState::Submitted, 1),
            (DossierState::Received, 2),
            (DossierState::Refused, 3),
            (DossierState::InProgress, 4),
            (DossierState::PendingApproval, 4),
            (DossierState::AwaitingSupplement, 5),
            (DossierState::AwaitingPayment, 6),
            (DossierState::Withdrawn, 7),
            (DossierState::Stopped, 8),
            (DossierState::Resolved, 9),
            (DossierState::Returned, 10),
        ];
        for (state, code) in expected {
            let record = national_dossier(&facts(state)).unwrap();
            assert_eq!(record.trang_thai_ho_so, code, "{state:?}");
        }
        assert_eq!(national_dossier(&facts(DossierState::Draft)), Err(RecordError::NotSubmitted(Uuid::nil())));
    }

    #[test]
    fn a_submitted_dossier_has_the_exact_national_shape() {
        let json = serde_json::to_value(national_dossier(&facts(DossierState::Submitted)).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "MaHoSo": "000.17.22.H56-260302-0001", "MaTTHC": "1.004873",
                "TenTTHC": "Cấp Giấy xác nhận tình trạng hôn nhân", "TenLinhVuc": "Hộ tịch",
                "ChuHoSo": "Nguyễn Thị Ánh", "LoaiDoiTuong": 1, "SoDinhDanh": "038095001234",
                "Email": "anh@example.vn", "TrichYeuHoSo": "Cấp Giấy xác nhận tình trạng hôn nhân",
                "NgayNopHoSo": "20260302080005", "NgayTiepNhan": null, "NgayHenTra": null,
                "NgayKetThucXuLy": null, "NgayTra": null, "TrangThaiHoSo": 1, "KenhThucHien": 2,
                "HinhThuc": 0, "DonViXuLy": "UBND xã A", "TaiKhoanDuocXacThucVoiVNeID": 0,
                "DuocThanhToanTrucTuyen": 0, "HoSoCoThanhPhanSoHoa": 0, "TaiLieuNop": [],
                "DanhSachLePhi": [], "DanhSachGiayToKetQua": []
            })
        );
    }

    #[test]
    fn a_returned_dossier_carries_its_dates_documents_fees_results_and_flags() {
        let mut f = facts(DossierState::Returned);
        f.channel = Channel::NationalPortal;
        f.received_at = Some(at(2, 0));
        f.due_at = Some(at(9, 0));
        f.finished_at = Some(at(3, 0));
        f.returned_at = Some(at(4, 0));
        f.return_method = Some("post".to_owned());
        f.vneid_authenticated = true;
        f.online_payment = OnlinePayment::from_payment(Some("online"), Some("hmac"));
        let doc = Uuid::from_u128(7);
        f.documents = vec![
            DocumentFacts { id: doc, document_key: "to_khai".into(), file_name: "to-khai.pdf".into(), deleted: false },
            DocumentFacts {
                id: Uuid::from_u128(8),
                document_key: "cccd".into(),
                file_name: "a.jpg".into(),
                deleted: true,
            },
        ];
        f.fees = vec![FeeFacts { name: "Lệ phí".into(), amount: 30_000 }];
        let result = Uuid::from_u128(9);
        f.results = vec![ResultFacts { id: result, name: "Giấy xác nhận".into(), sha256: "ab".repeat(32) }];

        let json = serde_json::to_value(national_dossier(&f).unwrap()).unwrap();

        assert_eq!(json["TrangThaiHoSo"], 10);
        assert_eq!(json["KenhThucHien"], 2);
        assert_eq!(
            (&json["NgayTiepNhan"], &json["NgayHenTra"], &json["NgayKetThucXuLy"], &json["NgayTra"]),
            (
                &serde_json::json!("20260302090005"),
                &serde_json::json!("20260302160005"),
                &serde_json::json!("20260302100005"),
                &serde_json::json!("20260302110005")
            )
        );
        assert!(json.get("NgayTuChoi").is_none());
        assert_eq!((json["HinhThuc"].as_u64(), json["TaiKhoanDuocXacThucVoiVNeID"].as_u64()), (Some(1), Some(1)));
        assert_eq!(
            (json["DuocThanhToanTrucTuyen"].as_u64(), json["HoSoCoThanhPhanSoHoa"].as_u64()),
            (Some(2), Some(1))
        );
        assert_eq!(
            json["TaiLieuNop"][0],
            serde_json::json!({"TepDinhKemId": doc.to_string(), "TenTepDinhKem": "to-khai.pdf", "IsDeleted": false,
                "MaThanhPhanHoSo": "to_khai", "DuocSoHoa": 1, "DuocLayTuKhoDMQG": 0})
        );
        assert_eq!(json["TaiLieuNop"][1]["IsDeleted"], true);
        assert_eq!(json["DanhSachLePhi"], serde_json::json!([{"TenPhiLePhi": "Lệ phí", "Gia": 30000}]));
        assert_eq!(
            json["DanhSachGiayToKetQua"][0],
            serde_json::json!({"TenGiayTo": "Giấy xác nhận", "GiayToId": result.to_string(),
                "DuongDanTepTinKetQua": format!("https://dvc.example.gov.vn/api/v1/dossiers/{}/results/{result}", Uuid::nil()),
                "MaGiayToKetQua": "ab".repeat(32)})
        );
    }

    #[test]
    fn a_refused_dossier_says_when_it_was_refused() {
        let mut f = facts(DossierState::Refused);
        f.finished_at = Some(at(5, 0));
        let record = national_dossier(&f).unwrap();
        assert_eq!((record.trang_thai_ho_so, record.ngay_tu_choi.as_deref()), (3, Some("20260302120005")));
    }

    #[test]
    fn online_payment_codes_distinguish_the_national_platform_from_local_gateways() {
        assert_eq!(OnlinePayment::from_payment(Some("online"), Some("paygov")).code(), 1);
        assert_eq!(OnlinePayment::from_payment(Some("online"), Some("hmac")).code(), 2);
        assert_eq!(OnlinePayment::from_payment(Some("cash"), None).code(), 0);
        assert_eq!(OnlinePayment::from_payment(None, None).code(), 0);
    }

    #[test]
    fn a_step_names_who_did_what_and_the_appointment() {
        let mut f = facts(DossierState::Received);
        f.due_at = Some(at(9, 0));
        let step = StepFacts {
            action: Action::Receive,
            actor: Actor::Clerk,
            actor_name: Some("Cán Bộ Xã".into()),
            to_state: DossierState::Received,
            at: at(2, 0),
        };
        let json = serde_json::to_value(progress_step(&f, &step).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"MaHoSo": "000.17.22.H56-260302-0001", "NguoiXuLy": "Cán Bộ Xã",
                "ChucDanh": "Cán bộ một cửa", "ThoiDiemXuLy": "20260302090005", "PhongBanXuLy": "UBND xã A",
                "NoiDungXuLy": "Tiếp nhận hồ sơ", "TrangThai": 2, "NgayBatDau": "20260302090005",
                "NgayKetThucTheoQuyDinh": "20260302160005"})
        );
        let by_platform = StepFacts { actor: Actor::PaymentProvider, actor_name: None, ..step };
        assert_eq!(progress_step(&f, &by_platform).unwrap().nguoi_xu_ly, "Nền tảng thanh toán");
    }

    #[test]
    fn every_action_has_a_description_and_drafts_are_not_synchronised() {
        for action in Action::ALL {
            assert!(!step_description(action).is_empty());
        }
        assert!(is_synced(DossierState::Draft, DossierState::Submitted));
        assert!(!is_synced(DossierState::Draft, DossierState::Withdrawn));
        assert!(is_synced(DossierState::Received, DossierState::Withdrawn));
        assert!(is_synced(DossierState::InProgress, DossierState::InProgress), "an apology moves NgayHenTra");
    }
}
