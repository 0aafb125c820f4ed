//! The one-stop desk the processing and records tests share: agency A with a citizen, a clerk,
//! a specialist and a leader, and two full-online procedures with a fee — one the leader
//! approves, one the specialist resolves directly.

use serde_json::{json, Value};

use crate::helpers::{Session, TestApp, AGENCY_A};

/// Needs a leader's approval.
pub const APPROVED: &str = "1.004873";
/// The specialist resolves it directly.
pub const DIRECT: &str = "2.000635";

pub struct Desk {
    pub citizen: Session,
    pub clerk: Session,
    pub specialist: Session,
    pub leader: Session,
}

fn procedure(code: &str, approval_required: bool) -> Value {
    json!({
        "code": code, "name": format!("Thủ tục {code}"), "field": "Hộ tịch", "online_level": "full",
        "eligible_full_online": true, "approval_required": approval_required,
        "processing_time": {"value": 3, "unit": "working_days"},
        "fees": [{"name": "Lệ phí", "amount_vnd": 50000}],
        "documents": [{"key": "to_khai", "name": "Tờ khai", "mandatory": false, "accepted_types": ["application/pdf"], "max_bytes": 1048576}],
        "result": {"is_document": true, "name": "Giấy xác nhận"},
        "form_schema": {"type": "object", "properties": {"purpose": {"type": "string"}}, "required": ["purpose"]},
        "legal_basis": [], "agencies": [AGENCY_A]})
}

/// Agency A, the two procedures and the desk's people.
pub async fn setup(app: &TestApp) -> Desk {
    let admin = app.admin().await;
    app.agency(&admin, AGENCY_A).await;
    for p in [procedure(APPROVED, true), procedure(DIRECT, false)] {
        let response = app.post_json_as("/api/v1/admin/procedures", &p, &admin.access_token).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    }
    Desk {
        citizen: app.citizen("038095001234").await,
        clerk: app.staff(&admin, AGENCY_A, &["clerk"]).await,
        specialist: app.staff(&admin, AGENCY_A, &["specialist"]).await,
        leader: app.staff(&admin, AGENCY_A, &["leader"]).await,
    }
}

/// A dossier of `procedure` at agency A, submitted by `citizen`; its id.
pub async fn submitted(app: &TestApp, citizen: &Session, procedure: &str) -> String {
    let id = app.draft(citizen, AGENCY_A, procedure, json!({"purpose": "kết hôn"})).await;
    app.submit(citizen, &id).await;
    id
}

/// The dossier `id` as `who` sees it.
pub async fn dossier(app: &TestApp, who: &Session, id: &str) -> Value {
    app.dossier(who, id).await
}
