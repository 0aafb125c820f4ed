//! The catalogue as the indicators read it — procedures' flags and fields, agencies' names and
//! levels, which agency performs which procedure, the targets — kept in this process's memory.
//!
//! An indicator query reads the throughput records (what happened in the period) and this
//! catalogue (what is offered, and what is owed). The catalogue changes a few times a year and is
//! small (procedures × agencies), so reading it on every query was four of a province-wide
//! query's seven statements (issue 7). The rules that keep it true:
//! - every catalogue or target write through this process calls [`CatalogueCache::invalidate`]
//!   after it commits and before it answers, so the next report of this process sees it;
//! - a read of the database that started before an invalidation is not kept (an epoch taken
//!   before the read), so a report never brings back what a write replaced;
//! - across replicas (DESIGN.md §2): on PostgreSQL every catalogue write, whoever makes it, is
//!   announced by the database and drops the snapshot as soon as it is heard
//!   ([`crate::announcements`]); while this process cannot hear the announcements it keeps no
//!   snapshot ([`CatalogueCache::set_deaf`]). A snapshot also lives at most the time to live
//!   (`MOTCUA_CATALOGUE_CACHE_MS`, default five seconds), the only bound on SQLite for a write
//!   through another process such as the `import-procedures` command. `0` reads it for every
//!   report.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use entity::{agencies, procedure_agencies, procedures};
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};

use super::domain::{IndicatorFilter, ProcedureFlags, Target};
use super::service::list_targets;
use crate::catalog::domain::AgencyLevel;

/// A procedure's flags and the field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CataloguedProcedure {
    flags: ProcedureFlags,
    field: String,
}

/// An agency as the reports name and rank it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CataloguedAgency {
    pub code: String,
    pub name: String,
    pub level: AgencyLevel,
}

/// One snapshot of the catalogue, every list ordered by code.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorCatalogue {
    procedures: Vec<CataloguedProcedure>,
    agencies: Vec<CataloguedAgency>,
    /// (agency, procedure), ordered.
    pairs: Vec<(String, String)>,
    targets: Vec<Target>,
}

impl IndicatorCatalogue {
    /// Reads the whole catalogue: four statements.
    ///
    /// # Errors
    /// On storage failure or a stored level this build does not know.
    pub async fn read(db: &sea_orm::DatabaseConnection) -> anyhow::Result<Self> {
        let procedures = procedures::Entity::find()
            .select_only()
            .columns([
                procedures::Column::Code,
                procedures::Column::Name,
                procedures::Column::OnlineLevel,
                procedures::Column::EligibleFullOnline,
                procedures::Column::ResultIsDocument,
                procedures::Column::Field,
            ])
            .order_by_asc(procedures::Column::Code)
            .into_tuple::<(String, String, String, bool, bool, String)>()
            .all(db)
            .await
            .context("read the procedures' flags")?
            .into_iter()
            .map(|(code, name, online_level, eligible_full_online, result_is_document, field)| CataloguedProcedure {
                flags: ProcedureFlags { code, name, online_level, eligible_full_online, result_is_document },
                field,
            })
            .collect();
        let agencies = agencies::Entity::find()
            .select_only()
            .columns([agencies::Column::Code, agencies::Column::Name, agencies::Column::Level])
            .order_by_asc(agencies::Column::Code)
            .into_tuple::<(String, String, String)>()
            .all(db)
            .await
            .context("read the agencies")?
            .into_iter()
            .map(|(code, name, level)| {
                let level =
                    AgencyLevel::parse(&level).with_context(|| format!("agency {code} has unknown level {level}"))?;
                Ok(CataloguedAgency { code, name, level })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let pairs = procedure_agencies::Entity::find()
            .select_only()
            .columns([procedure_agencies::Column::AgencyCode, procedure_agencies::Column::ProcedureCode])
            .order_by_asc(procedure_agencies::Column::AgencyCode)
            .order_by_asc(procedure_agencies::Column::ProcedureCode)
            .into_tuple::<(String, String)>()
            .all(db)
            .await
            .context("read which agency performs which procedure")?;
        let targets = list_targets(db, None, None, None).await?;
        Ok(Self { procedures, agencies, pairs, targets })
    }

    fn find_agency(&self, code: &str) -> Option<&CataloguedAgency> {
        self.agencies.binary_search_by(|a| a.code.as_str().cmp(code)).ok().map(|at| &self.agencies[at])
    }

    fn find_procedure(&self, code: &str) -> Option<&CataloguedProcedure> {
        self.procedures.binary_search_by(|p| p.flags.code.as_str().cmp(code)).ok().map(|at| &self.procedures[at])
    }

    /// The level of an agency, `None` if there is no such agency.
    pub fn agency_level(&self, code: &str) -> Option<AgencyLevel> {
        self.find_agency(code).map(|a| a.level)
    }

    /// The levels that have agencies, from the province down.
    pub fn levels(&self) -> Vec<AgencyLevel> {
        [AgencyLevel::Province, AgencyLevel::District, AgencyLevel::Commune]
            .into_iter()
            .filter(|level| self.agencies.iter().any(|a| a.level == *level))
            .collect()
    }

    /// Whether the agency is in the filter's agency and level.
    fn agency_in_scope(&self, filter: &IndicatorFilter, code: &str) -> bool {
        filter.agency_code.as_deref().is_none_or(|a| a == code)
            && filter.level.is_none_or(|level| self.agency_level(code) == Some(level))
    }

    /// Whether the procedure is the filter's procedure and in its field.
    fn procedure_in_scope(&self, filter: &IndicatorFilter, code: &str) -> bool {
        filter.procedure_code.as_deref().is_none_or(|p| p == code)
            && filter.field.as_deref().is_none_or(|field| self.find_procedure(code).is_some_and(|p| p.field == field))
    }

    /// The agencies of the filter's scope (its agency, or those of its level, or all), by code.
    pub fn agencies_in_scope<'a>(&'a self, filter: &'a IndicatorFilter) -> impl Iterator<Item = &'a CataloguedAgency> {
        self.agencies.iter().filter(|a| self.agency_in_scope(filter, &a.code))
    }

    /// The flags of the procedures the filter's procedure and field admit, by code.
    pub fn procedure_flags(&self, filter: &IndicatorFilter) -> Vec<ProcedureFlags> {
        self.procedures
            .iter()
            .filter(|p| self.procedure_in_scope(filter, &p.flags.code))
            .map(|p| p.flags.clone())
            .collect()
    }

    /// The (agency, procedure) pairs the catalogue assigns within the filter's scope, ordered.
    pub fn pairs_in_scope<'a>(&'a self, filter: &'a IndicatorFilter) -> impl Iterator<Item = &'a (String, String)> {
        self.pairs.iter().filter(|(agency, procedure)| {
            self.agency_in_scope(filter, agency) && self.procedure_in_scope(filter, procedure)
        })
    }

    /// Every target, by indicator, level and year.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }
}

struct Kept {
    catalogue: Arc<IndicatorCatalogue>,
    read_at: Instant,
}

/// See the module documentation.
pub struct CatalogueCache {
    ttl: Duration,
    /// Bumped by every invalidation.
    epoch: AtomicU64,
    /// Changes made by other processes cannot be heard now (`announcements`): nothing is kept.
    deaf: AtomicBool,
    kept: Mutex<Option<Kept>>,
}

impl CatalogueCache {
    /// A cache whose snapshot lives `ttl`; a zero `ttl` reads the catalogue every time.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, epoch: AtomicU64::new(0), deaf: AtomicBool::new(false), kept: Mutex::new(None) }
    }

    /// Whether a snapshot is kept at all (a zero time to live reads the catalogue every time).
    pub fn is_on(&self) -> bool {
        !self.ttl.is_zero()
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Option<Kept>> {
        // A panic while holding the lock cannot leave a half-written snapshot: it is replaced whole.
        self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The catalogue: the snapshot in memory if it is younger than the time to live and no write
    /// came after it, else read again.
    ///
    /// # Errors
    /// On storage failure.
    pub async fn get(&self, db: &sea_orm::DatabaseConnection) -> anyhow::Result<Arc<IndicatorCatalogue>> {
        if let Some(kept) = self.kept().as_ref().filter(|k| k.read_at.elapsed() < self.ttl) {
            return Ok(Arc::clone(&kept.catalogue));
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let read_at = Instant::now();
        let catalogue = Arc::new(IndicatorCatalogue::read(db).await?);
        let mut kept = self.kept();
        // Kept only if no write was acknowledged (or announced) since the read began.
        if self.is_on() && !self.deaf.load(Ordering::Acquire) && self.epoch.load(Ordering::Acquire) == epoch {
            *kept = Some(Kept { catalogue: Arc::clone(&catalogue), read_at });
        }
        Ok(catalogue)
    }

    /// Forgets the snapshot: call after a catalogue or target write commits, before answering.
    pub fn invalidate(&self) {
        let mut kept = self.kept();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        *kept = None;
    }

    /// While `deaf`, writes made by other processes cannot be heard: the snapshot is forgotten
    /// and none is kept until hearing again; a read begun before hearing again is not kept.
    pub fn set_deaf(&self, deaf: bool) {
        self.deaf.store(deaf, Ordering::Release);
        self.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn procedure(code: &str, field: &str) -> CataloguedProcedure {
        CataloguedProcedure {
            flags: ProcedureFlags {
                code: code.into(),
                name: format!("Thủ tục {code}"),
                online_level: "full".into(),
                eligible_full_online: true,
                result_is_document: true,
            },
            field: field.into(),
        }
    }

    fn agency(code: &str, level: AgencyLevel) -> CataloguedAgency {
        CataloguedAgency { code: code.into(), name: format!("Cơ quan {code}"), level }
    }

    fn catalogue() -> IndicatorCatalogue {
        let pair = |a: &str, p: &str| (a.to_owned(), p.to_owned());
        IndicatorCatalogue {
            procedures: vec![procedure("1.000001", "Hộ tịch"), procedure("1.000002", "Đất đai")],
            agencies: vec![
                agency("000.00.01.H56", AgencyLevel::Province),
                agency("000.00.21.H56", AgencyLevel::Commune),
                agency("000.00.22.H56", AgencyLevel::Commune),
            ],
            pairs: vec![
                pair("000.00.01.H56", "1.000002"),
                pair("000.00.21.H56", "1.000001"),
                pair("000.00.21.H56", "1.000002"),
                pair("000.00.22.H56", "1.000001"),
            ],
            targets: Vec::new(),
        }
    }

    fn filter() -> IndicatorFilter {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        IndicatorFilter { from: day, to: day, agency_code: None, level: None, procedure_code: None, field: None }
    }

    fn pairs(catalogue: &IndicatorCatalogue, filter: &IndicatorFilter) -> Vec<String> {
        catalogue.pairs_in_scope(filter).map(|(a, p)| format!("{a} {p}")).collect()
    }

    #[test]
    fn the_scope_of_a_report_is_cut_from_the_catalogue_as_the_records_are_in_sql() {
        let c = catalogue();
        assert_eq!(pairs(&c, &filter()).len(), 4);
        let communes = IndicatorFilter { level: Some(AgencyLevel::Commune), ..filter() };
        assert_eq!(
            pairs(&c, &communes),
            ["000.00.21.H56 1.000001", "000.00.21.H56 1.000002", "000.00.22.H56 1.000001"]
        );
        let land_in_communes = IndicatorFilter { field: Some("Đất đai".into()), ..communes.clone() };
        assert_eq!(pairs(&c, &land_in_communes), ["000.00.21.H56 1.000002"]);
        let one_agency = IndicatorFilter { agency_code: Some("000.00.22.H56".into()), ..filter() };
        assert_eq!(pairs(&c, &one_agency), ["000.00.22.H56 1.000001"]);
        let one_procedure = IndicatorFilter { procedure_code: Some("1.000002".into()), ..filter() };
        assert_eq!(pairs(&c, &one_procedure), ["000.00.01.H56 1.000002", "000.00.21.H56 1.000002"]);
        let codes = |f: &IndicatorFilter| c.procedure_flags(f).into_iter().map(|p| p.code).collect::<Vec<_>>();
        assert_eq!(codes(&land_in_communes), ["1.000002"], "the field cuts the procedures, the level does not");
        assert_eq!(codes(&communes), ["1.000001", "1.000002"]);
        let agencies = |f: &IndicatorFilter| c.agencies_in_scope(f).map(|a| a.code.clone()).collect::<Vec<_>>();
        assert_eq!(agencies(&communes), ["000.00.21.H56", "000.00.22.H56"]);
        assert_eq!(c.agency_level("000.00.21.H56"), Some(AgencyLevel::Commune));
        assert_eq!(c.agency_level("000.00.99.H56"), None);
        assert_eq!(c.levels(), [AgencyLevel::Province, AgencyLevel::Commune]);
    }
}
