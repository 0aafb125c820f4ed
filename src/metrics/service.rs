//! Target use cases: list, set, and load the resolutions' targets.

use anyhow::Context;
use chrono::Utc;
use entity::targets;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};

use super::domain::{resolution_targets, Indicator, Target};
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
