//! The only place attachments touch the database. Replaced and deleted files keep their row,
//! with `deleted_at` set; "current" means not deleted.

use chrono::{DateTime, Utc};
use entity::attachments;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::error::DossierError;

/// A stored attachment.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub document_key: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub storage_key: String,
    pub created_at: DateTime<Utc>,
}

impl From<attachments::Model> for Attachment {
    fn from(m: attachments::Model) -> Self {
        Self {
            id: m.id,
            dossier_id: m.dossier_id,
            document_key: m.document_key,
            file_name: m.file_name,
            content_type: m.content_type,
            size: u64::try_from(m.size).unwrap_or_default(),
            sha256: m.sha256,
            storage_key: m.storage_key,
            created_at: m.created_at.with_timezone(&Utc),
        }
    }
}

pub(super) async fn insert_attachment(db: &impl ConnectionTrait, a: &Attachment) -> Result<(), DossierError> {
    attachments::ActiveModel {
        id: Set(a.id),
        dossier_id: Set(a.dossier_id),
        document_key: Set(a.document_key.clone()),
        file_name: Set(a.file_name.clone()),
        content_type: Set(a.content_type.clone()),
        size: Set(i64::try_from(a.size).map_err(|_| anyhow::anyhow!("attachment size out of range"))?),
        sha256: Set(a.sha256.clone()),
        storage_key: Set(a.storage_key.clone()),
        created_at: Set(a.created_at.fixed_offset()),
        deleted_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Marks the current attachment(s) of one document deleted; answers how many.
pub(super) async fn delete_current_for_document(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    document_key: &str,
    at: DateTime<Utc>,
) -> Result<u64, DossierError> {
    let result = attachments::Entity::update_many()
        .col_expr(attachments::Column::DeletedAt, Expr::value(Some(at.fixed_offset())))
        .filter(attachments::Column::DossierId.eq(dossier_id))
        .filter(attachments::Column::DocumentKey.eq(document_key))
        .filter(attachments::Column::DeletedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Marks one current attachment deleted; answers whether there was one.
pub(super) async fn delete_attachment(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, DossierError> {
    let result = attachments::Entity::update_many()
        .col_expr(attachments::Column::DeletedAt, Expr::value(Some(at.fixed_offset())))
        .filter(attachments::Column::Id.eq(id))
        .filter(attachments::Column::DossierId.eq(dossier_id))
        .filter(attachments::Column::DeletedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// The current attachments of a dossier, by document key, oldest first.
pub(super) async fn list_current(db: &impl ConnectionTrait, dossier_id: Uuid) -> Result<Vec<Attachment>, DossierError> {
    let rows = attachments::Entity::find()
        .filter(attachments::Column::DossierId.eq(dossier_id))
        .filter(attachments::Column::DeletedAt.is_null())
        .order_by_asc(attachments::Column::DocumentKey)
        .order_by_asc(attachments::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Attachment::from).collect())
}

/// One current attachment of a dossier.
pub(super) async fn find_current(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
    id: Uuid,
) -> Result<Option<Attachment>, DossierError> {
    let row = attachments::Entity::find_by_id(id)
        .filter(attachments::Column::DossierId.eq(dossier_id))
        .filter(attachments::Column::DeletedAt.is_null())
        .one(db)
        .await?;
    Ok(row.map(Attachment::from))
}
