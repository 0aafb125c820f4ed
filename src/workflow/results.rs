//! Result documents (kết quả giải quyết): drafted by a specialist, issued on approval — rendered,
//! stored content-addressed, hashed and signed by the service with Ed25519 — and verifiable by
//! anyone holding the dossier code and the document's SHA-256, without personal data.
//!
//! # Implementation Notes
//! The signature covers a plain-text statement (code, SHA-256, decision, time, key id) rather
//! than the file, so a verifier needs only what is printed on the paper copy. The signing key is
//! `MOTCUA_RESULT_SIGNING_KEY` (base64 of a 32-byte Ed25519 seed) or, when unset, generated on
//! first start and kept in `result_signing_keys`; every stored key keeps verifying.

use std::collections::HashMap;

use anyhow::Context;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use secrecy::ExposeSecret;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::actions::{Decision, Desk};
use super::error::WorkflowError;
use super::store;
use crate::calendar::domain::business_offset;
use crate::catalog::{procedure_service, service as catalog};
use crate::config::Settings;
use crate::dossiers::error::DossierError;
use crate::dossiers::service::Dossier;
use crate::http::html::escape;
use crate::storage::content_key;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The keys results are signed and verified with.
pub struct ResultSigner {
    key_id: String,
    signing: SigningKey,
    verifying: HashMap<String, VerifyingKey>,
}

fn key_id_of(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

impl ResultSigner {
    /// A signer with exactly this key (tests, and the configured key).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(&seed);
        let verifying = signing.verifying_key();
        let key_id = key_id_of(&verifying);
        Self { verifying: HashMap::from([(key_id.clone(), verifying)]), key_id, signing }
    }

    /// The configured key, or the newest stored one (generated and stored on first start); every
    /// stored key verifies.
    ///
    /// # Errors
    /// When the configured key is not base64 of 32 bytes, or storage fails.
    pub async fn bootstrap(db: &DatabaseConnection, settings: &Settings) -> anyhow::Result<Self> {
        let stored = store::result_keys(db).await.map_err(|e| anyhow::anyhow!("read result signing keys: {e}"))?;
        let mut signer = match &settings.result_signing_key {
            Some(configured) => {
                let bytes =
                    B64.decode(configured.expose_secret().trim()).context("MOTCUA_RESULT_SIGNING_KEY is not base64")?;
                let seed: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| anyhow::anyhow!("MOTCUA_RESULT_SIGNING_KEY must be 32 bytes (an Ed25519 seed)"))?;
                Self::from_seed(seed)
            }
            None => match stored.last() {
                Some(newest) => Self::from_seed(decode_seed(&newest.secret_key)?),
                None => {
                    let signer = Self::from_seed(rand::random());
                    store::insert_result_key(
                        db,
                        &signer.key_id,
                        &B64.encode(signer.signing.verifying_key().as_bytes()),
                        &B64.encode(signer.signing.to_bytes()),
                        Utc::now(),
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("store the result signing key: {e}"))?;
                    signer
                }
            },
        };
        for key in stored {
            let bytes: [u8; 32] = B64
                .decode(key.public_key.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| anyhow::anyhow!("stored result key {} is not 32 bytes", key.id))?;
            let verifying = VerifyingKey::from_bytes(&bytes).context("stored result key is not a valid point")?;
            signer.verifying.insert(key.id, verifying);
        }
        Ok(signer)
    }

    /// The id of the signing key.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    fn sign(&self, statement: &str) -> String {
        B64.encode(self.signing.sign(statement.as_bytes()).to_bytes())
    }

    /// The public key with this id, base64.
    pub fn public_key(&self, key_id: &str) -> Option<String> {
        self.verifying.get(key_id).map(|k| B64.encode(k.as_bytes()))
    }

    fn verify(&self, key_id: &str, statement: &str, signature: &str) -> bool {
        let Some(key) = self.verifying.get(key_id) else { return false };
        let Some(bytes) = B64.decode(signature).ok().and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
            return false;
        };
        key.verify(statement.as_bytes(), &Signature::from_bytes(&bytes)).is_ok()
    }
}

fn decode_seed(text: &str) -> anyhow::Result<[u8; 32]> {
    B64.decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("a stored result signing key is not 32 bytes"))
}

/// What the signature covers.
pub fn statement(code: &str, sha256: &str, decision: Decision, issued_at: DateTime<Utc>, key_id: &str) -> String {
    format!(
        "motcua result v1\ncode: {code}\nsha256: {sha256}\ndecision: {}\nissued_at: {}\nkey_id: {key_id}\n",
        decision.as_str(),
        issued_at.to_rfc3339_opts(SecondsFormat::Micros, true)
    )
}

/// The public verification link of a result.
pub fn verification_url(public_url: &str, code: &str, sha256: &str) -> String {
    format!("{}/api/v1/results/verify?code={code}&sha256={sha256}", public_url.trim_end_matches('/'))
}

/// A result draft waiting for approval.
pub struct ResultDraft {
    pub id: Uuid,
    pub decision: Decision,
    pub summary: String,
}

/// The dossier's current draft, if any.
///
/// # Errors
/// On storage failure.
pub async fn find_draft(db: &impl ConnectionTrait, dossier_id: Uuid) -> Result<Option<ResultDraft>, DossierError> {
    let Some(row) = store::find_result_draft(db, dossier_id).await? else { return Ok(None) };
    let decision =
        Decision::parse(&row.decision).ok_or_else(|| anyhow::anyhow!("result {} has unknown decision", row.id))?;
    Ok(Some(ResultDraft { id: row.id, decision, summary: row.summary }))
}

pub(super) async fn insert_draft(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    decision: Decision,
    summary: &str,
    proposed_by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DossierError> {
    store::insert_result_draft(db, dossier_id, decision.as_str(), summary, proposed_by, now).await?;
    Ok(())
}

pub(super) async fn discard_draft(db: &impl ConnectionTrait, dossier_id: Uuid) -> Result<(), DossierError> {
    store::discard_result_drafts(db, dossier_id).await?;
    Ok(())
}

/// A rendered, stored and signed result document, ready to be recorded.
pub struct IssuedDocument {
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    pub signature: String,
    pub key_id: String,
}

/// Renders the result document of `dossier` with `decision` and `summary`, stores it and signs
/// it. Done before the action's transaction: the file is content-addressed, so one stored for a
/// step that then fails is harmless.
///
/// # Errors
/// On storage failure.
pub async fn prepare_document(
    desk: &Desk<'_>,
    dossier: &Dossier,
    decision: Decision,
    summary: &str,
    issued_at: DateTime<Utc>,
) -> Result<IssuedDocument, DossierError> {
    let db = desk.db;
    let code = dossier.code.clone().ok_or_else(|| anyhow::anyhow!("dossier {} has no code", dossier.id))?;
    let agency = catalog::find_agency(db, &dossier.agency_code)
        .await
        .map_err(|e| anyhow::anyhow!("find agency: {e}"))?
        .ok_or_else(|| anyhow::anyhow!("agency {} missing", dossier.agency_code))?;
    let procedure = procedure_service::find_procedure(db, &dossier.procedure_code)
        .await
        .map_err(|e| anyhow::anyhow!("find procedure: {e}"))?
        .ok_or_else(|| DossierError::UnknownProcedure(dossier.procedure_code.clone()))?;
    let applicant = crate::identity::service::find_account(db, dossier.applicant_id)
        .await
        .map_err(|e| anyhow::anyhow!("find applicant: {e}"))?;
    let html = document_html(&DocumentText {
        agency_name: &agency.name,
        code: &code,
        applicant_name: &applicant.full_name,
        procedure_name: &procedure.name,
        result_name: procedure.result.name.as_deref(),
        decision,
        summary,
        issued_at,
    });
    let bytes = html.into_bytes();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let storage_key = content_key(&sha256);
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    desk.files.put(&storage_key, bytes.into()).await?;
    let key_id = desk.signer.key_id().to_owned();
    let signature = desk.signer.sign(&statement(&code, &sha256, decision, issued_at, &key_id));
    Ok(IssuedDocument { file_name: format!("ket-qua-{code}.html"), size, sha256, storage_key, signature, key_id })
}

pub(super) async fn issue_draft(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    document: &IssuedDocument,
    issued_by: Uuid,
    issued_at: DateTime<Utc>,
) -> Result<(), DossierError> {
    if !store::issue_result_draft(db, dossier_id, document, issued_by, issued_at).await? {
        return Err(anyhow::anyhow!("dossier {dossier_id} has no result draft to issue").into());
    }
    Ok(())
}

struct DocumentText<'a> {
    agency_name: &'a str,
    code: &'a str,
    applicant_name: &'a str,
    procedure_name: &'a str,
    result_name: Option<&'a str>,
    decision: Decision,
    summary: &'a str,
    issued_at: DateTime<Utc>,
}

fn document_html(t: &DocumentText<'_>) -> String {
    let local = t.issued_at.with_timezone(&business_offset());
    let decision = match t.decision {
        Decision::Approved => "Chấp thuận",
        Decision::Denied => "Không chấp thuận",
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Kết quả giải quyết hồ sơ {code}</title>
<style>@page {{ size: A4; margin: 20mm; }} body {{ font-family: "Times New Roman", serif; font-size: 13pt; }}
h1 {{ font-size: 14pt; text-align: center; text-transform: uppercase; }} .center {{ text-align: center; }}</style>
</head><body>
<p class="center"><strong>{agency}</strong><br>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</p>
<h1>Kết quả giải quyết thủ tục hành chính</h1>
<p>Mã hồ sơ: <strong>{code}</strong></p>
<p>Thủ tục: {procedure}<br>Kết quả: {result}</p>
<p>Người yêu cầu: {applicant}</p>
<p>Quyết định: <strong>{decision}</strong></p>
<div>{summary}</div>
<p>Ban hành lúc {when}. Văn bản điện tử được ký số bởi hệ thống một cửa điện tử; kiểm tra tính xác thực bằng mã hồ sơ và mã SHA-256 của tệp.</p>
</body></html>"#,
        agency = escape(t.agency_name),
        code = escape(t.code),
        procedure = escape(t.procedure_name),
        result = escape(t.result_name.unwrap_or("Văn bản trả lời")),
        applicant = escape(t.applicant_name),
        decision = decision,
        summary = escape(t.summary).replace('\n', "<br>"),
        when = local.format("%H giờ %M phút, ngày %d/%m/%Y"),
    )
}

/// An issued result, as its owner and the agency's staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedResult {
    /// Id, for the download.
    pub id: Uuid,
    /// `approved` or `denied`.
    pub decision: Decision,
    /// The result's content or the reasons of a denial.
    pub summary: String,
    /// File name.
    pub file_name: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Ed25519 signature of the statement, base64.
    pub signature: String,
    /// Signing key id.
    pub key_id: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Public link that confirms it is genuine.
    pub verification_url: String,
}

/// The issued results of a dossier the caller may see.
///
/// # Errors
/// On storage failure.
pub async fn issued(
    db: &impl ConnectionTrait,
    dossier: &Dossier,
    public_url: &str,
) -> Result<Vec<IssuedResult>, DossierError> {
    let code = dossier.code.clone().unwrap_or_default();
    let rows = store::issued_results(db, dossier.id).await?;
    rows.into_iter()
        .map(|r| {
            let incomplete = || anyhow::anyhow!("issued result {} is incomplete", r.id);
            let sha256 = r.sha256.clone().ok_or_else(incomplete)?;
            Ok(IssuedResult {
                id: r.id,
                decision: Decision::parse(&r.decision).ok_or_else(incomplete)?,
                summary: r.summary.clone(),
                file_name: r.file_name.clone().ok_or_else(incomplete)?,
                size: r.size.ok_or_else(incomplete)?,
                verification_url: verification_url(public_url, &code, &sha256),
                sha256,
                signature: r.signature.clone().ok_or_else(incomplete)?,
                key_id: r.key_id.clone().ok_or_else(incomplete)?,
                issued_at: r.issued_at.ok_or_else(incomplete)?.with_timezone(&Utc),
            })
        })
        .collect()
}

/// The stored key of an issued result of `dossier`.
///
/// # Errors
/// [`DossierError::ResultNotFound`].
pub async fn storage_key_of(
    db: &impl ConnectionTrait,
    dossier: &Dossier,
    result_id: Uuid,
) -> Result<(String, String), DossierError> {
    store::issued_results(db, dossier.id)
        .await?
        .into_iter()
        .find(|r| r.id == result_id)
        .and_then(|r| Some((r.storage_key?, r.file_name?)))
        .ok_or_else(|| WorkflowError::ResultNotFound(result_id).into())
}

/// What the public verification confirms: no personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "valid": true, "code": "000.17.22.H56-261130-0001", "procedure_code": "1.004873",
    "agency_code": "000.17.22.H56", "decision": "approved", "issued_at": "2026-11-30T01:58:58.424518Z",
    "sha256": "1c750534cb0a9f838f583e430c4aa5c667185d46505ac120a176b76f3b43afe8", "key_id": "0657918c568bde20",
    "public_key": "2a3bq3lGWu21eIzh2qcFDAATDnzZlPOTEbPAE2R+7dk=",
    "signature": "GNeb5BvaYP25cBl38vfZgPXqfyDrcqQMFfyIBWjODOTsa/YM7gvWKEAEoA2sFDmn0aaHX/5CfxB6TLEMPXPCCQ==",
    "statement": "motcua result v1\ncode: 000.17.22.H56-261130-0001\nsha256: 1c750534cb0a9f838f583e430c4aa5c667185d46505ac120a176b76f3b43afe8\ndecision: approved\nissued_at: 2026-11-30T01:58:58.424518Z\nkey_id: 0657918c568bde20\n"
}))]
pub struct Verification {
    /// Always `true` (an unknown or forged result answers 404).
    pub valid: bool,
    /// Dossier code.
    pub code: String,
    /// Procedure code.
    pub procedure_code: String,
    /// Issuing agency.
    pub agency_code: String,
    /// `approved` or `denied`.
    pub decision: Decision,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// SHA-256 of the genuine file.
    pub sha256: String,
    /// Signing key id.
    pub key_id: String,
    /// The signing key, base64 (Ed25519).
    pub public_key: String,
    /// The signature, base64.
    pub signature: String,
    /// The signed statement, so anyone can check the signature offline.
    pub statement: String,
}

/// Confirms that a result with this SHA-256 was issued for dossier `code` and that its signature
/// holds.
///
/// # Errors
/// [`DossierError::ResultNotGenuine`] for an unknown code, another hash, or a bad signature —
/// all alike.
pub async fn verify(
    db: &impl ConnectionTrait,
    signer: &ResultSigner,
    code: &str,
    sha256: &str,
) -> Result<Verification, DossierError> {
    let sha256 = sha256.trim().to_ascii_lowercase();
    let code = code.trim();
    let Some((dossier, row)) = store::find_issued_by_code_and_hash(db, code, &sha256).await? else {
        return Err(WorkflowError::ResultNotGenuine.into());
    };
    let (Some(signature), Some(key_id), Some(issued_at), Some(decision)) =
        (row.signature, row.key_id, row.issued_at, Decision::parse(&row.decision))
    else {
        return Err(WorkflowError::ResultNotGenuine.into());
    };
    let issued_at = issued_at.with_timezone(&Utc);
    let statement = statement(code, &sha256, decision, issued_at, &key_id);
    if !signer.verify(&key_id, &statement, &signature) {
        return Err(WorkflowError::ResultNotGenuine.into());
    }
    Ok(Verification {
        valid: true,
        code: code.to_owned(),
        procedure_code: dossier.procedure_code,
        agency_code: dossier.agency_code,
        decision,
        issued_at,
        sha256,
        public_key: signer.public_key(&key_id).unwrap_or_default(),
        key_id,
        signature,
        statement,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_own_statement() {
        let signer = ResultSigner::from_seed([7; 32]);
        let at = DateTime::parse_from_rfc3339("2026-11-29T08:00:00Z").unwrap().with_timezone(&Utc);
        let s = statement("000.17.22.H56-261129-0001", &"ab".repeat(32), Decision::Approved, at, signer.key_id());
        let signature = signer.sign(&s);
        assert!(signer.verify(signer.key_id(), &s, &signature));
        let other = statement("000.17.22.H56-261129-0002", &"ab".repeat(32), Decision::Approved, at, signer.key_id());
        assert!(!signer.verify(signer.key_id(), &other, &signature));
        let denied = statement("000.17.22.H56-261129-0001", &"ab".repeat(32), Decision::Denied, at, signer.key_id());
        assert!(!signer.verify(signer.key_id(), &denied, &signature));
        assert!(!signer.verify("unknown", &s, &signature));
        assert!(!signer.verify(signer.key_id(), &s, "not base64"));
    }

    #[test]
    fn the_document_escapes_what_people_typed() {
        let at = DateTime::parse_from_rfc3339("2026-11-29T08:00:00Z").unwrap().with_timezone(&Utc);
        let html = document_html(&DocumentText {
            agency_name: "UBND xã",
            code: "000.17.22.H56-261129-0001",
            applicant_name: "<b>Ánh</b>",
            procedure_name: "Khai sinh",
            result_name: None,
            decision: Decision::Denied,
            summary: "a\nb",
            issued_at: at,
        });
        assert!(html.contains("&lt;b&gt;Ánh&lt;/b&gt;"));
        assert!(html.contains("Không chấp thuận"));
        assert!(html.contains("a<br>b"));
        assert!(html.contains("15 giờ 00 phút, ngày 29/11/2026"));
    }
}
