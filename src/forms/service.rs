//! Gathering a form's data: the dossier the caller may see, its agency, procedure and applicant,
//! and the audit event the form prints; the tracking book's dossiers of a period.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use sea_orm::DatabaseConnection;
use serde_json::Value;
use uuid::Uuid;

use super::domain::{
    action_vi, state_vi, Apology, BookRow, ControlSheet, ControlStep, DossierForm, DossierHeading, FormKind, Refusal,
    StopNotice, SupplementLine, SupplementRequest, TrackingBook,
};
use super::error::FormsError;
use crate::calendar::domain::business_offset;
use crate::catalog::{procedure_service, service as catalog};
use crate::dossiers::receipt;
use crate::dossiers::service::{self as dossiers, Dossier};
use crate::identity::domain::PrincipalKind;
use crate::identity::service::{self as identity, Principal};
use crate::workflow::domain::timeliness;
use crate::workflow::service::AuditEvent;

/// Longest period of one tracking book, in days.
pub const MAX_BOOK_DAYS: i64 = 366;
/// Most lines of one tracking book.
pub const MAX_BOOK_ROWS: u64 = 5000;

fn local(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&business_offset())
}

fn unexpected(what: &str, e: impl std::fmt::Display) -> FormsError {
    FormsError::Unexpected(anyhow::anyhow!("{what}: {e}"))
}

/// The applicant's address as the form data gives it, under one of the usual keys.
fn address_of(form_data: &Value) -> Option<String> {
    ["applicant_address", "address", "dia_chi"]
        .iter()
        .find_map(|k| form_data.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

async fn heading(
    db: &DatabaseConnection,
    caller: &Principal,
    dossier: &Dossier,
    form: &str,
    request_id: Option<String>,
) -> Result<(DossierHeading, crate::catalog::procedure_domain::Procedure), FormsError> {
    let agency = catalog::find_agency(db, &dossier.agency_code)
        .await
        .map_err(|e| unexpected("find agency", e))?
        .ok_or_else(|| unexpected("find agency", "missing"))?;
    let procedure = procedure_service::find_procedure(db, &dossier.procedure_code)
        .await
        .map_err(|e| unexpected("find procedure", e))?
        .ok_or_else(|| unexpected("find procedure", "missing"))?;
    let applicant =
        identity::find_account(db, dossier.applicant_id).await.map_err(|e| unexpected("find applicant", e))?;
    if caller.kind == PrincipalKind::Staff {
        identity::log_personal_data_access(db, caller, applicant.id, "read", form, request_id)
            .await
            .map_err(|e| unexpected("log personal-data access", e))?;
    }
    let heading = DossierHeading {
        agency_code: agency.code,
        agency_name: agency.name,
        dossier_code: dossier.code.clone().unwrap_or_default(),
        applicant_name: applicant.full_name,
        applicant_address: address_of(&dossier.form_data),
        applicant_phone: applicant.phone,
        applicant_email: applicant.email,
        procedure_code: procedure.code.clone(),
        procedure_name: procedure.name.clone(),
        received_at: dossier.received_at.map(local),
        due_at: dossier.due_at.map(local),
    };
    Ok((heading, procedure))
}

/// Names of the actors of `events`, by account id (staff who acted).
async fn actor_names(db: &DatabaseConnection, events: &[&AuditEvent]) -> HashMap<Uuid, String> {
    let mut names = HashMap::new();
    for id in events.iter().filter_map(|e| e.actor_id) {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
            if let Ok(account) = identity::find_account(db, id).await {
                slot.insert(account.full_name);
            }
        }
    }
    names
}

fn text(data: &Value, key: &str) -> Option<String> {
    data.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn time(data: &Value, key: &str) -> Option<DateTime<FixedOffset>> {
    data.get(key)
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&business_offset()))
}

/// A dossier's form data, for its applicant or staff of its agency, to print as HTML or DOCX. A form
/// that prints an event (02, 03, 04, the stop notice) prints the latest such event. A staff
/// member's read is recorded in the personal-data access log.
///
/// # Errors
/// [`FormsError::NotIssued`] when the dossier has no such event; the dossier's 404 when the
/// caller may not see it; 409 for a receipt of a dossier not received.
pub async fn dossier_form(
    db: &DatabaseConnection,
    caller: &Principal,
    id: Uuid,
    kind: FormKind,
    public_url: &str,
    request_id: Option<String>,
) -> Result<DossierForm, FormsError> {
    if kind == FormKind::Receipt {
        let receipt = receipt::receipt(db, caller, id, request_id).await?;
        let lookup_url = receipt::lookup_url(public_url, &receipt);
        return Ok(DossierForm::Receipt { receipt, lookup_url });
    }
    let (dossier, events) = dossiers::history(db, caller, id).await?;
    let purpose = format!("form {}", kind.as_str());
    let (heading, procedure) = heading(db, caller, &dossier, &purpose, request_id).await?;
    if kind == FormKind::ControlSheet {
        let all: Vec<&AuditEvent> = events.iter().collect();
        let names = actor_names(db, &all).await;
        let due = dossier.processing.statutory_due_at;
        let steps = events
            .iter()
            .map(|e| ControlStep {
                at: local(e.at),
                action: action_vi(&e.action).to_owned(),
                giver: match e.actor_id.and_then(|id| names.get(&id)) {
                    Some(name) => format!("{name} ({})", e.actor_role),
                    None => e.actor_role.clone(),
                },
                to_state: state_vi(&e.to_state).to_owned(),
                // As GET /history: steps after reception of a dossier with an appointment.
                on_time: due
                    .filter(|_| !matches!(e.from_state.as_str(), "draft" | "submitted"))
                    .map(|due| timeliness(e.at, due)),
                note: e.note.clone(),
            })
            .collect();
        return Ok(DossierForm::ControlSheet(ControlSheet { heading, steps }));
    }
    let action = kind.action().ok_or_else(|| unexpected("form", "no action"))?;
    let event = events.iter().rev().find(|e| e.action == action).ok_or(FormsError::NotIssued(kind.as_str()))?;
    let data: Value = serde_json::from_str(&event.data).map_err(|e| unexpected("event data", e))?;
    let officer = actor_names(db, &[event]).await.into_values().next().unwrap_or_default();
    let at = local(event.at);
    let reason = text(&data, "reason").unwrap_or_default();
    let form = match kind {
        FormKind::SupplementRequest => {
            let items = data
                .get("items")
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .map(|item| SupplementLine {
                            document: text(item, "document_key").map(|key| {
                                procedure.documents.iter().find(|d| d.key == key).map_or(key, |d| d.name.clone())
                            }),
                            description: text(item, "description").unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let request_number = data.get("request_number").and_then(Value::as_i64).unwrap_or(1);
            DossierForm::SupplementRequest(SupplementRequest { heading, at, request_number, reason, items, officer })
        }
        FormKind::Refusal => {
            DossierForm::Refusal(Refusal { heading, at, reason, legal_basis: text(&data, "legal_basis"), officer })
        }
        FormKind::Apology => DossierForm::Apology(Apology {
            heading,
            at,
            reason,
            previous_due_at: time(&data, "previous_due_at"),
            new_due_at: time(&data, "new_due_at"),
            officer,
        }),
        FormKind::StopNotice => DossierForm::StopNotice(StopNotice { heading, at, reason, officer }),
        FormKind::Receipt | FormKind::ControlSheet => return Err(unexpected("form", "handled above")),
    };
    Ok(form)
}

/// The tracking book (Sổ theo dõi hồ sơ, Mẫu 06/07) of the staff member's agency: the dossiers
/// received from `from` to `to` inclusive (Asia/Ho_Chi_Minh dates), oldest first.
///
/// # Errors
/// [`FormsError::NoAgency`] for staff without an agency, [`FormsError::BadPeriod`].
pub async fn tracking_book(
    db: &DatabaseConnection,
    caller: &Principal,
    from: NaiveDate,
    to: NaiveDate,
    request_id: Option<String>,
) -> Result<TrackingBook, FormsError> {
    let agency_code = caller.agency_code.clone().ok_or(FormsError::NoAgency)?;
    if to < from {
        return Err(FormsError::BadPeriod { field: "to", message: "must not be before from".to_owned() });
    }
    if (to - from).num_days() >= MAX_BOOK_DAYS {
        return Err(FormsError::BadPeriod { field: "to", message: format!("at most {MAX_BOOK_DAYS} days") });
    }
    let start_of = |day: NaiveDate| {
        business_offset()
            .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| unexpected("period", day))
    };
    let next = to.succ_opt().ok_or_else(|| unexpected("period", to))?;
    let agency = catalog::find_agency(db, &agency_code)
        .await
        .map_err(|e| unexpected("find agency", e))?
        .ok_or_else(|| unexpected("find agency", "missing"))?;
    let rows = dossiers::received_between(db, &agency_code, start_of(from)?, start_of(next)?, MAX_BOOK_ROWS).await?;
    let mut procedures: HashMap<String, String> = HashMap::new();
    let mut applicants: HashMap<Uuid, (String, String)> = HashMap::new();
    let mut lines = Vec::with_capacity(rows.len());
    for d in rows {
        if !procedures.contains_key(&d.procedure_code) {
            let name = procedure_service::find_procedure(db, &d.procedure_code)
                .await
                .map_err(|e| unexpected("find procedure", e))?
                .map_or_else(|| d.procedure_code.clone(), |p| p.name);
            procedures.insert(d.procedure_code.clone(), name);
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = applicants.entry(d.applicant_id) {
            let account =
                identity::find_account(db, d.applicant_id).await.map_err(|e| unexpected("find applicant", e))?;
            identity::log_personal_data_access(db, caller, account.id, "read", "tracking book", request_id.clone())
                .await
                .map_err(|e| unexpected("log personal-data access", e))?;
            slot.insert((account.full_name, account.phone.unwrap_or_default()));
        }
        let (name, phone) = applicants.get(&d.applicant_id).cloned().unwrap_or_default();
        let contact = match address_of(&d.form_data) {
            Some(address) if !phone.is_empty() => format!("{address}; {phone}"),
            Some(address) => address,
            None => phone,
        };
        lines.push(BookRow {
            dossier_code: d.code.clone().unwrap_or_default(),
            procedure_name: procedures.get(&d.procedure_code).cloned().unwrap_or_default(),
            applicant_name: name,
            applicant_contact: contact,
            received_at: d.received_at.map(local),
            due_at: d.due_at.map(local),
            resolved_at: d.resolved_at.map(local),
            returned_at: d.returned_at.map(local),
            state: state_vi(d.state.as_str()).to_owned(),
        });
    }
    Ok(TrackingBook { agency_code: agency.code, agency_name: agency.name, from, to, rows: lines })
}
