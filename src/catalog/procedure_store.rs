//! The only place procedures touch the database: the `procedures` row with its JSON columns, and
//! the `procedure_agencies` links.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{agencies, procedure_agencies, procedures};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::CatalogError;
use super::procedure_domain::{
    fold_vietnamese, ChannelOverrides, OnlineLevel, Procedure, ProcedureFilter, ProcedureResult,
};
use crate::calendar::domain::{ProcessingTime, TimeUnit};
use crate::http::pagination::Page;

fn unit_name(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::WorkingDays => "working_days",
        TimeUnit::WorkingHours => "working_hours",
        TimeUnit::CalendarDays => "calendar_days",
        TimeUnit::SameDay => "same_day",
    }
}

fn parse_unit(name: &str) -> Option<TimeUnit> {
    [TimeUnit::WorkingDays, TimeUnit::WorkingHours, TimeUnit::CalendarDays, TimeUnit::SameDay]
        .into_iter()
        .find(|unit| unit_name(*unit) == name)
}

fn stored_invalid(code: &str, column: &'static str, reason: impl ToString) -> CatalogError {
    CatalogError::StoredProcedureInvalid { code: code.to_owned(), column, reason: reason.to_string() }
}

fn read_json<T: DeserializeOwned>(code: &str, column: &'static str, text: &str) -> Result<T, CatalogError> {
    serde_json::from_str(text).map_err(|e| stored_invalid(code, column, e))
}

fn write_json<T: Serialize>(code: &str, column: &'static str, value: &T) -> Result<String, CatalogError> {
    serde_json::to_string(value).map_err(|e| stored_invalid(code, column, e))
}

fn procedure_from(m: procedures::Model, agencies: Vec<String>) -> Result<Procedure, CatalogError> {
    let online_level =
        OnlineLevel::parse(&m.online_level).ok_or_else(|| stored_invalid(&m.code, "online_level", &m.online_level))?;
    let processing_time = match (m.processing_value, m.processing_unit.as_deref()) {
        (None, None) => None,
        (Some(value), Some(unit)) => {
            let unit = parse_unit(unit).ok_or_else(|| stored_invalid(&m.code, "processing_unit", unit))?;
            let value = u32::try_from(value).map_err(|e| stored_invalid(&m.code, "processing_value", e))?;
            Some(ProcessingTime { value, unit })
        }
        _ => return Err(stored_invalid(&m.code, "processing_time", "only one of value and unit is set")),
    };
    Ok(Procedure {
        channel_overrides: match m.channel_overrides.as_deref() {
            Some(text) => read_json(&m.code, "channel_overrides", text)?,
            None => ChannelOverrides::default(),
        },
        fees: read_json(&m.code, "fees", &m.fees)?,
        documents: read_json(&m.code, "documents", &m.documents)?,
        form_schema: read_json(&m.code, "form_schema", &m.form_schema)?,
        legal_basis: read_json(&m.code, "legal_basis", &m.legal_basis)?,
        code: m.code,
        name: m.name,
        field: m.field,
        online_level,
        eligible_full_online: m.eligible_full_online,
        approval_required: m.approval_required,
        processing_time,
        result: ProcedureResult { is_document: m.result_is_document, name: m.result_name },
        valid_from: m.valid_from,
        valid_to: m.valid_to,
        agencies,
    })
}

fn active_model(p: &Procedure, now: DateTime<Utc>) -> Result<procedures::ActiveModel, CatalogError> {
    let processing_value = p
        .processing_time
        .map(|t| i32::try_from(t.value).map_err(|e| anyhow::anyhow!("processing time of {} too large: {e}", p.code)))
        .transpose()?;
    Ok(procedures::ActiveModel {
        code: Set(p.code.clone()),
        name: Set(p.name.clone()),
        name_search: Set(fold_vietnamese(&p.name)),
        field: Set(p.field.clone()),
        online_level: Set(p.online_level.as_str().to_owned()),
        eligible_full_online: Set(p.eligible_full_online),
        approval_required: Set(p.approval_required),
        processing_value: Set(processing_value),
        processing_unit: Set(p.processing_time.map(|t| unit_name(t.unit).to_owned())),
        fees: Set(write_json(&p.code, "fees", &p.fees)?),
        documents: Set(write_json(&p.code, "documents", &p.documents)?),
        result_is_document: Set(p.result.is_document),
        result_name: Set(p.result.name.clone()),
        form_schema: Set(write_json(&p.code, "form_schema", &p.form_schema)?),
        legal_basis: Set(write_json(&p.code, "legal_basis", &p.legal_basis)?),
        valid_from: Set(p.valid_from),
        valid_to: Set(p.valid_to),
        channel_overrides: Set(if p.channel_overrides.is_empty() {
            None
        } else {
            Some(write_json(&p.code, "channel_overrides", &p.channel_overrides)?)
        }),
        created_at: Set(now.fixed_offset()),
        updated_at: Set(now.fixed_offset()),
    })
}

async fn agencies_of(
    db: &impl ConnectionTrait,
    codes: Vec<String>,
) -> Result<HashMap<String, Vec<String>>, CatalogError> {
    let mut by_procedure: HashMap<String, Vec<String>> = HashMap::new();
    if codes.is_empty() {
        return Ok(by_procedure);
    }
    let links = procedure_agencies::Entity::find()
        .filter(procedure_agencies::Column::ProcedureCode.is_in(codes))
        .order_by_asc(procedure_agencies::Column::ProcedureCode)
        .order_by_asc(procedure_agencies::Column::AgencyCode)
        .all(db)
        .await?;
    for link in links {
        by_procedure.entry(link.procedure_code).or_default().push(link.agency_code);
    }
    Ok(by_procedure)
}

async fn insert_links(db: &impl ConnectionTrait, p: &Procedure) -> Result<(), CatalogError> {
    if p.agencies.is_empty() {
        return Ok(());
    }
    let links = p.agencies.iter().map(|agency| procedure_agencies::ActiveModel {
        procedure_code: Set(p.code.clone()),
        agency_code: Set(agency.clone()),
    });
    procedure_agencies::Entity::insert_many(links).exec_without_returning(db).await?;
    Ok(())
}

pub(super) async fn find_procedure(db: &impl ConnectionTrait, code: &str) -> Result<Option<Procedure>, CatalogError> {
    let Some(row) = procedures::Entity::find_by_id(code.to_owned()).one(db).await? else {
        return Ok(None);
    };
    let agencies = agencies_of(db, vec![row.code.clone()]).await?.remove(&row.code).unwrap_or_default();
    procedure_from(row, agencies).map(Some)
}

/// Only the name of a procedure (what a notice shows), without its documents and agencies.
pub(super) async fn find_procedure_name(db: &impl ConnectionTrait, code: &str) -> Result<Option<String>, CatalogError> {
    Ok(procedures::Entity::find_by_id(code.to_owned())
        .select_only()
        .column(procedures::Column::Name)
        .into_tuple::<String>()
        .one(db)
        .await?)
}

/// Which of `codes` name an existing agency.
pub(super) async fn existing_agencies(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> Result<HashSet<String>, CatalogError> {
    if codes.is_empty() {
        return Ok(HashSet::new());
    }
    let rows = agencies::Entity::find()
        .select_only()
        .column(agencies::Column::Code)
        .filter(agencies::Column::Code.is_in(codes.iter().cloned()))
        .into_tuple::<String>()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

pub(super) async fn insert_procedure(
    db: &impl ConnectionTrait,
    p: &Procedure,
    now: DateTime<Utc>,
) -> Result<(), CatalogError> {
    active_model(p, now)?.insert(db).await.map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => CatalogError::ProcedureExists(p.code.clone()),
        _ => CatalogError::from(e),
    })?;
    insert_links(db, p).await
}

pub(super) async fn update_procedure(
    db: &impl ConnectionTrait,
    p: &Procedure,
    now: DateTime<Utc>,
) -> Result<(), CatalogError> {
    let mut row = active_model(p, now)?;
    row.created_at = NotSet;
    row.update(db).await?;
    procedure_agencies::Entity::delete_many()
        .filter(procedure_agencies::Column::ProcedureCode.eq(p.code.as_str()))
        .exec(db)
        .await?;
    insert_links(db, p).await
}

/// `%word%` for LIKE, with the pattern characters of the word escaped by `\`.
fn contains_pattern(word: &str) -> LikeExpr {
    let mut pattern = String::with_capacity(word.len() + 2);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    LikeExpr::new(pattern).escape('\\')
}

pub(super) async fn list_procedures(
    db: &impl ConnectionTrait,
    filter: &ProcedureFilter,
    page: Page,
) -> Result<(Vec<Procedure>, u64), CatalogError> {
    let mut query = procedures::Entity::find();
    // name_search is stored folded and the words arrive folded, so a plain LIKE is diacritics-
    // and case-insensitive on both backends (PostgreSQL's LIKE is case-sensitive).
    for word in &filter.words {
        query = query.filter(procedures::Column::NameSearch.like(contains_pattern(word)));
    }
    if let Some(field) = &filter.field {
        query = query.filter(procedures::Column::Field.eq(field.as_str()));
    }
    if let Some(online) = filter.online {
        query = query.filter(procedures::Column::OnlineLevel.eq(online.as_str()));
    }
    if let Some(agency) = &filter.agency {
        query = query.filter(
            procedures::Column::Code.in_subquery(
                Query::select()
                    .column(procedure_agencies::Column::ProcedureCode)
                    .from(procedure_agencies::Entity)
                    .and_where(procedure_agencies::Column::AgencyCode.eq(agency.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(level) = filter.level {
        query = query.filter(
            procedures::Column::Code.in_subquery(
                Query::select()
                    .column((procedure_agencies::Entity, procedure_agencies::Column::ProcedureCode))
                    .from(procedure_agencies::Entity)
                    .inner_join(
                        agencies::Entity,
                        Expr::col((agencies::Entity, agencies::Column::Code))
                            .equals((procedure_agencies::Entity, procedure_agencies::Column::AgencyCode)),
                    )
                    .and_where(Expr::col((agencies::Entity, agencies::Column::Level)).eq(level.as_str()))
                    .to_owned(),
            ),
        );
    }
    let total = query.clone().count(db).await?;
    let rows = query.order_by_asc(procedures::Column::Code).offset(page.offset()).limit(page.per_page).all(db).await?;
    let mut agencies = agencies_of(db, rows.iter().map(|r| r.code.clone()).collect()).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let links = agencies.remove(&row.code).unwrap_or_default();
            procedure_from(row, links)
        })
        .collect::<Result<_, _>>()?;
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_trip_through_their_stored_names() {
        for unit in [TimeUnit::WorkingDays, TimeUnit::WorkingHours, TimeUnit::CalendarDays, TimeUnit::SameDay] {
            assert_eq!(parse_unit(unit_name(unit)), Some(unit));
            // The stored name is the wire name, so the column reads like the API.
            assert_eq!(serde_json::to_value(unit).ok(), Some(serde_json::Value::from(unit_name(unit))));
        }
        assert_eq!(parse_unit("days"), None);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        let pattern = contains_pattern("100%_a\\b");
        let expected = LikeExpr::new("%100\\%\\_a\\\\b%").escape('\\');
        assert_eq!(format!("{pattern:?}"), format!("{expected:?}"));
    }
}
