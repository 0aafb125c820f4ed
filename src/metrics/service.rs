//! Indicator and target use cases: the 766 indicators over the throughput records, and the
//! targets (list, set, load the resolutions').

use anyhow::Context;
use chrono::Utc;
use entity::targets;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use super::domain::{
    fractions, gap, points, ratio, resolution_targets, Indicator, IndicatorFilter, ProcedureFlags, Target,
};
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
}

/// The level of an agency, `None` if there is no such agency.
///
/// # Errors
/// On storage failure or an unknown stored level.
pub async fn agency_level(db: &impl ConnectionTrait, code: &str) -> anyhow::Result<Option<AgencyLevel>> {
    store::find_agency_level(db, code)
        .await?
        .map(|level| AgencyLevel::parse(&level).with_context(|| format!("agency {code} has unknown level {level}")))
        .transpose()
}

/// The levels that have agencies, from the province down.
///
/// # Errors
/// On storage failure or an unknown stored level.
pub async fn agency_levels(db: &impl ConnectionTrait) -> anyhow::Result<Vec<AgencyLevel>> {
    let stored = store::agency_levels(db).await?;
    let mut levels = stored
        .iter()
        .map(|l| AgencyLevel::parse(l).with_context(|| format!("unknown agency level {l}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    levels.sort_by_key(|l| match l {
        AgencyLevel::Province => 0,
        AgencyLevel::District => 1,
        AgencyLevel::Commune => 2,
    });
    Ok(levels)
}

/// The indicators of the filter's period and scope, against the targets of `level` in the year
/// of `filter.to`. Reads the throughput records and the catalogue, never the dossiers.
///
/// # Errors
/// On storage failure.
pub async fn indicators(
    db: &DatabaseConnection,
    filter: &IndicatorFilter,
    level: AgencyLevel,
) -> anyhow::Result<IndicatorReport> {
    let year = filter.to.year();
    let sums = store::sum_records_by_procedure(db, filter).await?;
    let open = super::open::at_end(&store::open_per_due_day(db, filter).await?, filter.to);
    let catalogue = store::procedure_flags(db, filter).await?;
    let pairs = store::catalogue_pairs(db, filter).await?;
    let used: BTreeSet<(String, String)> = store::pairs_received_online(db, filter).await?.into_iter().collect();
    let targets = list_targets(db, None, Some(level), Some(year)).await?;
    let offered: BTreeSet<String> = pairs.iter().map(|(_, procedure)| procedure.clone()).collect();
    let items = fractions(&sums, open, &catalogue, &offered)
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
    let flags = |code: &str| catalogue.iter().find(|p| p.code == code);
    let unused_online_services = pairs
        .into_iter()
        .filter_map(|(agency_code, procedure_code)| {
            let p: &ProcedureFlags = flags(&procedure_code)?;
            let unused = p.offered_online() && !used.contains(&(agency_code.clone(), procedure_code.clone()));
            unused.then(|| UnusedService {
                agency_code,
                procedure_code,
                procedure_name: p.name.clone(),
                online_level: p.online_level.clone(),
            })
        })
        .collect();
    Ok(IndicatorReport { from: filter.from, to: filter.to, level, year, items, unused_online_services })
}
