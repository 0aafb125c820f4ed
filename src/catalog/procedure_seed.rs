//! The demo catalogue: the 20 real procedures of `seed/procedures.json` (national codes, times,
//! fees, documents and legal basis from public sources; DOMAIN.md), completed with demo settings
//! where the file has `null` or no field at all.

use anyhow::Context;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use serde_json::json;

use super::domain::AgencyLevel;
use super::procedure_domain::{ChannelOverrides, Fee, OnlineLevel, Procedure, ProcedureResult, RequiredDocument};
use super::{procedure_service, service};
use crate::calendar::domain::ProcessingTime;

const DEMO_PROCEDURES: &str = include_str!("../../seed/procedures.json");

// Demo settings filling values the source file leaves null or lacks (DOMAIN.md: a filled value
// must be marked as demo data). None of them is official.
const DEMO_ACCEPTED_TYPES: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];
const DEMO_MAX_BYTES: u64 = 10_485_760;
const DEMO_ONLINE_LEVEL: OnlineLevel = OnlineLevel::Partial;

fn demo_form_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {"applicant_address": {"type": "string"}},
        "required": ["applicant_address"],
    })
}

/// One entry of `seed/procedures.json`; `source` and other extra keys are ignored.
#[derive(Deserialize)]
struct SeedProcedure {
    code: String,
    name: String,
    field: String,
    level: AgencyLevel,
    online_level: Option<OnlineLevel>,
    // `"days"` reads as calendar days and `{"value": null, "unit": null}` as no fixed deadline.
    #[serde(default, deserialize_with = "ProcessingTime::deserialize_optional")]
    processing_time: Option<ProcessingTime>,
    fees: Vec<Fee>,
    documents: Vec<SeedDocument>,
    result: Option<String>,
    legal_basis: Vec<String>,
}

#[derive(Deserialize)]
struct SeedDocument {
    key: String,
    name: String,
    mandatory: bool,
}

impl SeedProcedure {
    fn into_procedure(self, agencies: Vec<String>) -> Procedure {
        // Demo setting: the file gives no level for most procedures.
        let online_level = self.online_level.unwrap_or(DEMO_ONLINE_LEVEL);
        Procedure {
            code: self.code,
            name: self.name,
            field: self.field,
            online_level,
            eligible_full_online: online_level == OnlineLevel::Full,
            approval_required: true,
            processing_time: self.processing_time,
            fees: self.fees,
            documents: self
                .documents
                .into_iter()
                .map(|d| RequiredDocument {
                    key: d.key,
                    name: d.name,
                    mandatory: d.mandatory,
                    // Demo settings: the file lists no file types or sizes.
                    accepted_types: DEMO_ACCEPTED_TYPES.iter().map(|t| (*t).to_owned()).collect(),
                    max_bytes: DEMO_MAX_BYTES,
                    template_url: None,
                })
                .collect(),
            // Demo setting: every named result is treated as an issued document.
            result: ProcedureResult { is_document: self.result.is_some(), name: self.result },
            // Demo setting: the file has no form schema.
            form_schema: demo_form_schema(),
            legal_basis: self.legal_basis,
            valid_from: None,
            valid_to: None,
            agencies,
            channel_overrides: ChannelOverrides::default(),
        }
    }
}

/// Loads the 20 demo procedures, creating or updating each one, and returns how many were
/// written (0 when all were already as in the file). A commune-level procedure is performed by
/// every commune agency among `agencies`, a province-level one by every province agency.
///
/// # Errors
/// When the embedded file does not parse, an agency does not exist, a level has no agency among
/// `agencies`, or storage fails.
pub async fn seed_demo_procedures(db: &DatabaseConnection, agencies: &[&str]) -> anyhow::Result<usize> {
    let mut by_level: Vec<(AgencyLevel, String)> = Vec::with_capacity(agencies.len());
    for code in agencies {
        let agency = service::find_agency(db, code)
            .await
            .with_context(|| format!("read demo agency {code}"))?
            .with_context(|| format!("demo agency {code} does not exist"))?;
        by_level.push((agency.level, agency.code));
    }
    let seeds: Vec<SeedProcedure> =
        serde_json::from_str(DEMO_PROCEDURES).context("parse the embedded seed/procedures.json")?;
    let mut written = 0;
    for seed in seeds {
        let code = seed.code.clone();
        let performers: Vec<String> =
            by_level.iter().filter(|(level, _)| *level == seed.level).map(|(_, code)| code.clone()).collect();
        if performers.is_empty() {
            anyhow::bail!("no demo agency of level {} for procedure {code}", seed.level.as_str());
        }
        let changed = procedure_service::upsert_procedure(db, seed.into_procedure(performers))
            .await
            .with_context(|| format!("load demo procedure {code}"))?;
        if changed {
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::domain::TimeUnit;

    fn seeds() -> Vec<SeedProcedure> {
        match serde_json::from_str(DEMO_PROCEDURES) {
            Ok(seeds) => seeds,
            Err(e) => panic!("seed/procedures.json: {e}"),
        }
    }

    #[test]
    fn the_embedded_file_holds_twenty_valid_procedures() {
        let seeds = seeds();
        assert_eq!(seeds.len(), 20);
        for seed in seeds {
            let code = seed.code.clone();
            let procedure = seed.into_procedure(vec!["000.17.22.H56".to_owned()]);
            if let Err(errors) = procedure.validated() {
                panic!("{code}: {errors:?}");
            }
        }
    }

    #[test]
    fn nulls_are_filled_with_the_demo_settings() {
        let by_code = |code: &str| {
            let seed = seeds().into_iter().find(|s| s.code == code);
            seed.map(|s| s.into_procedure(Vec::new())).unwrap_or_else(|| panic!("{code} in the file"))
        };
        let birth = by_code("1.001193");
        assert_eq!(birth.online_level, OnlineLevel::Full);
        assert!(birth.eligible_full_online);
        assert_eq!(birth.processing_time, Some(ProcessingTime::same_day()));
        assert_eq!(birth.fees[1].amount_vnd, None, "a null amount stays null");
        assert_eq!(birth.documents[0].accepted_types, DEMO_ACCEPTED_TYPES);
        assert_eq!(birth.documents[0].max_bytes, DEMO_MAX_BYTES);

        let permit = by_code("1.013225");
        assert_eq!(permit.online_level, OnlineLevel::Partial, "null level → partial");
        assert!(!permit.eligible_full_online);
        assert_eq!(permit.processing_time, Some(ProcessingTime { value: 15, unit: TimeUnit::CalendarDays }));

        let allowance = by_code("1.001776");
        assert_eq!(allowance.processing_time, None, "null time → no deadline");
    }
}
