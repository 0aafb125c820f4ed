//! The only place the forms touch the database: the agencies' own DOCX templates.

use anyhow::Context;
use chrono::{DateTime, Utc};
use entity::form_templates::{self, Column, Entity};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

/// An agency's template without its bytes.
#[derive(Debug, Clone)]
pub struct StoredTemplate {
    pub form: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_at: DateTime<Utc>,
}

/// What is written for one upload.
pub struct NewTemplate<'a> {
    pub agency_code: &'a str,
    pub form: &'a str,
    pub content: Vec<u8>,
    pub sha256: String,
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTime<Utc>,
}

pub(super) async fn find_template_content(
    db: &impl ConnectionTrait,
    agency_code: &str,
    form: &str,
) -> anyhow::Result<Option<Vec<u8>>> {
    let content: Option<Vec<u8>> = Entity::find_by_id((agency_code.to_owned(), form.to_owned()))
        .select_only()
        .column(Column::Content)
        .into_tuple()
        .one(db)
        .await
        .context("find form template")?;
    Ok(content)
}

/// A template row without its bytes: form, SHA-256, size, uploader, time.
type TemplateRow = (String, String, i64, Option<Uuid>, chrono::DateTime<chrono::FixedOffset>);

pub(super) async fn find_templates_by_agency(
    db: &impl ConnectionTrait,
    agency_code: &str,
) -> anyhow::Result<Vec<StoredTemplate>> {
    let rows: Vec<TemplateRow> = Entity::find()
        .select_only()
        .columns([Column::Form, Column::Sha256, Column::Size, Column::UploadedBy, Column::UploadedAt])
        .filter(Column::AgencyCode.eq(agency_code))
        .order_by_asc(Column::Form)
        .into_tuple()
        .all(db)
        .await
        .context("list form templates")?;
    Ok(rows
        .into_iter()
        .map(|(form, sha256, size, uploaded_by, uploaded_at)| StoredTemplate {
            form,
            sha256,
            size,
            uploaded_by,
            uploaded_at: uploaded_at.with_timezone(&Utc),
        })
        .collect())
}

pub(super) async fn upsert_template(db: &impl ConnectionTrait, new: NewTemplate<'_>) -> anyhow::Result<()> {
    let size = i64::try_from(new.content.len()).context("template size")?;
    let row = form_templates::ActiveModel {
        agency_code: Set(new.agency_code.to_owned()),
        form: Set(new.form.to_owned()),
        content: Set(new.content),
        sha256: Set(new.sha256),
        size: Set(size),
        uploaded_by: Set(Some(new.uploaded_by)),
        uploaded_at: Set(new.uploaded_at.fixed_offset()),
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::AgencyCode, Column::Form])
                .update_columns([Column::Content, Column::Sha256, Column::Size, Column::UploadedBy, Column::UploadedAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .context("store form template")?;
    Ok(())
}

/// Whether there was a template to delete.
pub(super) async fn delete_template(db: &impl ConnectionTrait, agency_code: &str, form: &str) -> anyhow::Result<bool> {
    let result = Entity::delete_by_id((agency_code.to_owned(), form.to_owned()))
        .exec(db)
        .await
        .context("delete form template")?;
    Ok(result.rows_affected > 0)
}
