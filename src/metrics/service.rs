//! Indicator and target use cases: the 766 indicators over the throughput records, and the
//! targets (list, set, load the resolutions').

use anyhow::Context;
use chrono::Utc;
use entity::targets;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};

use super::catalogue::IndicatorCatalogue;
use super::domain::{
    fractions, gap, points, ratio, resolution_targets, Indicator, IndicatorFilter, ProcedureFlags, Target,
};
use super::open::OpenAtEnd;
use super::records::Counters;
use super::store;
use crate::catalog::domain::AgencyLevel;

fn to_target(m: targets::Model) -> anyhow::Result<Target> {
    Ok(Target {
        indicator: Indicator::parse(&m.indicator).with_context(|| format!("unknown indicator {}", m.indicator))?,
        level: AgencyLevel::parse(&m.level).with_context(|| format!("unknown level {}", m.level))?,
        year: m.year,
        target: m.target,
        source: m.source,
    })
}

/// Targets matching every given filter, by indicator, level and year.
///
/// # Errors
/// On storage failure.
pub async fn list_targets(
    db: &DatabaseConnection,
    indicator: Option<Indicator>,
    level: Option<AgencyLevel>,
    year: Option<i32>,
) -> anyhow::Result<Vec<Target>> {
    let mut query = targets::Entity::find();
    if let Some(indicator) = indicator {
        query = query.filter(targets::Column::Indicator.eq(indicator.as_str()));
    }
    if let Some(level) = level {
        query = query.filter(targets::Column::Level.eq(level.as_str()));
    }
    if let Some(year) = year {
        query = query.filter(targets::Column::Year.eq(year));
    }
    let rows = query
        .order_by_asc(targets::Column::Indicator)
        .order_by_asc(targets::Column::Level)
        .order_by_asc(targets::Column::Year)
        .all(db)
        .await
        .context("list targets")?;
    rows.into_iter().map(to_target).collect()
}

/// Creates or replaces the target of an indicator at a level in a year.
///
/// # Errors
/// On storage failure.
pub async fn set_target(db: &impl ConnectionTrait, target: &Target) -> anyhow::Result<()> {
    let model = targets::ActiveModel {
        indicator: Set(target.indicator.as_str().to_owned()),
        level: Set(target.level.as_str().to_owned()),
        year: Set(target.year),
        target: Set(target.target),
        source: Set(target.source.clone()),
        updated_at: Set(Utc::now().fixed_offset()),
    };
    targets::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([targets::Column::Indicator, targets::Column::Level, targets::Column::Year])
                .update_columns([targets::Column::Target, targets::Column::Source, targets::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await
        .context("store target")?;
    Ok(())
}

/// Loads the resolutions' targets that are missing (an administrator's edits are kept).
///
/// # Errors
/// On storage failure.
pub async fn seed_resolution_targets(db: &DatabaseConnection) -> anyhow::Result<usize> {
    let existing = list_targets(db, None, None, None).await?;
    let mut added = 0;
    for target in resolution_targets() {
        let present =
            existing.iter().any(|t| (t.indicator, t.level, t.year) == (target.indicator, target.level, target.year));
        if !present {
            set_target(db, &target).await?;
            added += 1;
        }
    }
    Ok(added)
}

/// One indicator of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValue {
    pub indicator: Indicator,
    pub numerator: i64,
    pub denominator: i64,
    pub ratio: Option<f64>,
    pub target: Option<f64>,
    pub gap: Option<f64>,
    pub points: Option<f64>,
    pub max_points: f64,
}

/// A procedure an agency offers online that received no online dossier in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedService {
    pub agency_code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub online_level: String,
}

/// The indicators of a period and scope.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The level whose targets apply.
    pub level: AgencyLevel,
    /// The year whose targets apply (that of `to`).
    pub year: i32,
    pub items: Vec<IndicatorValue>,
    pub unused_online_services: Vec<UnusedService>,
    /// The open dossiers at the period's last day: within their deadline, and overdue.
    pub open: OpenAtEnd,
}

/// The indicators of the filter's period and scope, against the targets of `level` in the year
/// of `filter.to`. Reads the throughput records and the catalogue, never the dossiers.
///
/// # Errors
/// On storage failure.
pub async fn indicators(
    db: &DatabaseConnection,
    catalogue: &IndicatorCatalogue,
    filter: &IndicatorFilter,
    level: AgencyLevel,
) -> anyhow::Result<IndicatorReport> {
    let period = PeriodFigures::read(db, filter).await?;
    let targets = applicable_targets(catalogue.targets(), level, filter.to.year());
    Ok(period.report(&CatalogueInScope::of(catalogue, filter), filter, level, &targets, None))
}

/// The target of each indicator that applies at `level` in `year`: the one set for the latest
/// year up to `year`. A resolution's target for a year stays the target after it (100% of
/// eligible procedures full-online "by 2025" is still owed in 2026) until one is set for a later
/// year.
pub fn applicable_targets(targets: &[Target], level: AgencyLevel, year: i32) -> Vec<Target> {
    Indicator::ALL
        .into_iter()
        .filter_map(|indicator| {
            targets
                .iter()
                .filter(|t| t.indicator == indicator && t.level == level && t.year <= year)
                .max_by_key(|t| t.year)
                .cloned()
        })
        .collect()
}

/// One agency's indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyReport {
    pub agency_code: String,
    pub agency_name: String,
    pub report: IndicatorReport,
}

/// The indicators of each agency in the filter's scope (its agency, or those of its level, or
/// all), each against the targets of its own level. One read of the aggregates for all of them.
///
/// # Errors
/// On storage failure or an unknown stored level.
pub async fn indicators_by_agency(
    db: &DatabaseConnection,
    catalogue: &IndicatorCatalogue,
    filter: &IndicatorFilter,
) -> anyhow::Result<Vec<AgencyReport>> {
    let period = PeriodFigures::read(db, filter).await?;
    let in_scope = CatalogueInScope::of(catalogue, filter);
    Ok(catalogue
        .agencies_in_scope(filter)
        .map(|agency| {
            let of_level = applicable_targets(catalogue.targets(), agency.level, filter.to.year());
            let report = period.report(&in_scope, filter, agency.level, &of_level, Some(&agency.code));
            AgencyReport { agency_code: agency.code.clone(), agency_name: agency.name.clone(), report }
        })
        .collect())
}

/// The calendar months of `[from, to]`, the first and last cut to the period.
pub fn months_of(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut months = Vec::new();
    let mut start = from;
    while start <= to {
        let next_month = start.with_day(1).and_then(|first| first.checked_add_months(chrono::Months::new(1)));
        let end = next_month.and_then(|next| next.pred_opt()).map_or(to, |last| last.min(to));
        months.push((start, end));
        match end.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    months
}

/// The most months one series covers: ten years of a monthly dashboard.
pub const MAX_SERIES_MONTHS: usize = 120;

/// The indicators of each calendar month of the filter's period (the first and last cut to it),
/// each against the targets of `level` in its own year: what the dashboard draws over time.
/// The same figures as one indicator query per month, read in a handful of statements for all
/// the months.
///
/// # Errors
/// On storage failure.
pub async fn indicators_by_month(
    db: &DatabaseConnection,
    catalogue: &IndicatorCatalogue,
    filter: &IndicatorFilter,
    level: AgencyLevel,
) -> anyhow::Result<Vec<IndicatorReport>> {
    let months = months_of(filter.from, filter.to);
    let sums = store::sum_records_by_month_and_pair(db, filter, &months).await?;
    let ends: Vec<NaiveDate> = months.iter().map(|(_, to)| *to).collect();
    let open = super::open::at_each_end(store::open_per_due_day_by_reception_month(db, filter).await?, &ends);
    let targets = catalogue.targets();
    let catalogue = CatalogueInScope::of(catalogue, filter);
    Ok(months
        .into_iter()
        .zip(sums.into_iter().zip(open))
        .map(|((from, to), (sums, open))| {
            let month = IndicatorFilter { from, to, ..filter.clone() };
            let of_year = applicable_targets(targets, level, to.year());
            PeriodFigures { sums, open }.report(&catalogue, &month, level, &of_year, None)
        })
        .collect())
}

/// The catalogue of a scope, whatever the period: the procedures' indicator flags and the
/// (agency, procedure) pairs it assigns.
struct CatalogueInScope {
    flags: Vec<ProcedureFlags>,
    pairs: Vec<store::AgencyProcedure>,
}

impl CatalogueInScope {
    fn of(catalogue: &IndicatorCatalogue, filter: &IndicatorFilter) -> Self {
        Self { flags: catalogue.procedure_flags(filter), pairs: catalogue.pairs_in_scope(filter).cloned().collect() }
    }
}

/// What the indicators of one period and scope are computed from, read once and cut per agency.
struct PeriodFigures {
    /// Ordered by pair.
    sums: Vec<(store::AgencyProcedure, Counters)>,
    /// The open dossiers at the period's end, per agency.
    open: BTreeMap<String, OpenAtEnd>,
}

impl PeriodFigures {
    async fn read(db: &DatabaseConnection, filter: &IndicatorFilter) -> anyhow::Result<Self> {
        Ok(Self {
            sums: store::sum_records_by_pair(db, filter).await?,
            open: super::open::at_end_per_agency(&store::open_per_due_day(db, filter).await?, filter.to),
        })
    }

    /// Whether the pair received an online or national-portal dossier in the period.
    fn received_online(&self, pair: &store::AgencyProcedure) -> bool {
        self.sums.binary_search_by(|(p, _)| p.cmp(pair)).is_ok_and(|at| self.sums[at].1.received_online > 0)
    }

    /// The report of the whole scope (`agency` `None`) or of one agency in it, against
    /// `targets` (those of the report's level and year).
    fn report(
        &self,
        catalogue: &CatalogueInScope,
        filter: &IndicatorFilter,
        level: AgencyLevel,
        targets: &[Target],
        agency: Option<&str>,
    ) -> IndicatorReport {
        let in_scope = |code: &str| agency.is_none_or(|a| a == code);
        let sums = self.sums.iter().filter(|((a, _), _)| in_scope(a)).map(|((_, p), c)| (p.as_str(), c));
        let mut open = OpenAtEnd::default();
        for (_, at_end) in self.open.iter().filter(|(a, _)| in_scope(a)) {
            open.add(*at_end);
        }
        let pairs: Vec<&store::AgencyProcedure> = catalogue.pairs.iter().filter(|(a, _)| in_scope(a)).collect();
        let offered: BTreeSet<String> = pairs.iter().map(|(_, procedure)| procedure.clone()).collect();
        let items = fractions(sums, open, &catalogue.flags, &offered)
            .into_iter()
            .map(|f| {
                let r = ratio(f.numerator, f.denominator);
                let target = targets.iter().find(|t| t.indicator == f.indicator).map(|t| t.target);
                IndicatorValue {
                    indicator: f.indicator,
                    numerator: f.numerator,
                    denominator: f.denominator,
                    ratio: r,
                    target,
                    gap: gap(target, r),
                    points: points(r, f.indicator.max_points(), f.indicator.scoring_target()),
                    max_points: f.indicator.max_points(),
                }
            })
            .collect();
        let flags = |code: &str| catalogue.flags.iter().find(|p| p.code == code);
        let unused_online_services = pairs
            .into_iter()
            .filter_map(|pair| {
                let (agency_code, procedure_code) = pair;
                let p: &ProcedureFlags = flags(procedure_code)?;
                let unused = p.offered_online() && !self.received_online(pair);
                unused.then(|| UnusedService {
                    agency_code: agency_code.clone(),
                    procedure_code: procedure_code.clone(),
                    procedure_name: p.name.clone(),
                    online_level: p.online_level.clone(),
                })
            })
            .collect();
        IndicatorReport {
            from: filter.from,
            to: filter.to,
            level,
            year: filter.to.year(),
            items,
            unused_online_services,
            open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn target(indicator: Indicator, level: AgencyLevel, year: i32, target: f64) -> Target {
        Target { indicator, level, year, target, source: "Nghị quyết".into() }
    }

    #[test]
    fn the_target_of_the_latest_year_up_to_the_reports_applies_at_the_reports_level() {
        use AgencyLevel::{Commune, Province};
        let targets = [
            target(Indicator::SatisfactionShare, Province, 2022, 0.85),
            target(Indicator::SatisfactionShare, Province, 2027, 0.9),
            target(Indicator::SatisfactionShare, Commune, 2022, 0.8),
            target(Indicator::DigitisedShare, Province, 2023, 1.0),
        ];
        let of = |level, year| -> Vec<(Indicator, i32)> {
            applicable_targets(&targets, level, year).iter().map(|t| (t.indicator, t.year)).collect()
        };
        assert_eq!(of(Province, 2021), []);
        assert_eq!(of(Province, 2022), [(Indicator::SatisfactionShare, 2022)]);
        assert_eq!(of(Province, 2026), [(Indicator::DigitisedShare, 2023), (Indicator::SatisfactionShare, 2022)]);
        assert_eq!(of(Province, 2027), [(Indicator::DigitisedShare, 2023), (Indicator::SatisfactionShare, 2027)]);
        assert_eq!(of(Commune, 2030), [(Indicator::SatisfactionShare, 2022)]);
    }

    #[test]
    fn a_period_splits_into_its_calendar_months_cut_at_both_ends() {
        assert_eq!(
            months_of(day(2026, 11, 15), day(2027, 1, 10)),
            [
                (day(2026, 11, 15), day(2026, 11, 30)),
                (day(2026, 12, 1), day(2026, 12, 31)),
                (day(2027, 1, 1), day(2027, 1, 10)),
            ]
        );
        assert_eq!(months_of(day(2026, 2, 3), day(2026, 2, 3)), [(day(2026, 2, 3), day(2026, 2, 3))]);
        assert_eq!(months_of(day(2024, 2, 1), day(2024, 2, 29)), [(day(2024, 2, 1), day(2024, 2, 29))]);
    }
}
