//! The only place the workflow touches the database: the state columns of `dossiers` and the
//! append-only `dossier_events`.

use chrono::{DateTime, Utc};
use entity::{dossier_events, dossiers};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::error::WorkflowError;

/// The state columns of a dossier.
pub struct StateRow {
    pub state: String,
    pub resume_state: Option<String>,
    pub version: i32,
}

pub(super) async fn find_state(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<StateRow>, WorkflowError> {
    Ok(dossiers::Entity::find_by_id(id).one(db).await?.map(|d| StateRow {
        state: d.state,
        resume_state: d.resume_state,
        version: d.version,
    }))
}

/// Moves the dossier to `to` if it is still at `version`; `false` when another transaction won.
/// On PostgreSQL the UPDATE also locks the row until commit, which orders the audit appends.
pub(super) async fn update_state(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    to: &str,
    resume_state: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, WorkflowError> {
    let result = dossiers::Entity::update_many()
        .col_expr(dossiers::Column::State, Expr::value(to))
        .col_expr(dossiers::Column::ResumeState, Expr::value(resume_state.map(str::to_owned)))
        .col_expr(dossiers::Column::Version, Expr::value(version + 1))
        .col_expr(dossiers::Column::UpdatedAt, Expr::value(now.fixed_offset()))
        .filter(dossiers::Column::Id.eq(id))
        .filter(dossiers::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub(super) async fn last_event(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Option<dossier_events::Model>, WorkflowError> {
    Ok(dossier_events::Entity::find()
        .filter(dossier_events::Column::DossierId.eq(dossier_id))
        .order_by_desc(dossier_events::Column::Seq)
        .one(db)
        .await?)
}

pub(super) async fn insert_event(db: &impl ConnectionTrait, event: dossier_events::Model) -> Result<(), WorkflowError> {
    dossier_events::ActiveModel {
        id: Set(event.id),
        dossier_id: Set(event.dossier_id),
        seq: Set(event.seq),
        action: Set(event.action),
        actor_id: Set(event.actor_id),
        actor_role: Set(event.actor_role),
        from_state: Set(event.from_state),
        to_state: Set(event.to_state),
        note: Set(event.note),
        data: Set(event.data),
        at: Set(event.at),
        prev_hash: Set(event.prev_hash),
        hash: Set(event.hash),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub(super) async fn events(
    db: &impl ConnectionTrait,
    dossier_id: Uuid,
) -> Result<Vec<dossier_events::Model>, WorkflowError> {
    Ok(dossier_events::Entity::find()
        .filter(dossier_events::Column::DossierId.eq(dossier_id))
        .order_by_asc(dossier_events::Column::Seq)
        .all(db)
        .await?)
}

/// Ids of every dossier that has audit events.
pub(super) async fn dossiers_with_events(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, WorkflowError> {
    use sea_orm::QuerySelect;
    Ok(dossier_events::Entity::find()
        .select_only()
        .column(dossier_events::Column::DossierId)
        .distinct()
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}
