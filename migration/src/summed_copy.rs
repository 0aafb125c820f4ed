//! Copying a table of counters into one keyed with or without the channel, its rows summed.

use sea_orm_migration::prelude::*;

/// `INSERT INTO target (key…, [channel,] shard, counts…) SELECT key…, ['',] shard,
/// SUM(count)… FROM source GROUP BY key…, shard`: the rows of `source` summed over their
/// channels into `target`, keyed without it; with `channel`, `target` is keyed with it and the
/// sums come back under an empty channel (a migration going back).
pub(crate) fn copy_summed_over_channels(
    target: impl IntoIden,
    source: impl IntoIden,
    key: &[DynIden],
    channel: Option<DynIden>,
    counts: &[DynIden],
) -> Result<InsertStatement, DbErr> {
    let shard = Alias::new("shard").into_iden();
    let mut select = Query::select();
    select.from(source).exprs(key.iter().cloned().map(Expr::col));
    if channel.is_some() {
        select.expr(Expr::val(""));
    }
    select.expr(Expr::col(shard.clone()));
    for count in counts {
        // SUM(bigint) is numeric on PostgreSQL: cast back to the column's type.
        select.expr(Func::cast_as(Func::sum(Expr::col(count.clone())), Alias::new("BIGINT")));
    }
    select.group_by_columns(key.iter().cloned().chain([shard.clone()]));
    let mut columns = key.to_vec();
    columns.extend(channel);
    columns.push(shard);
    columns.extend(counts.iter().cloned());
    let mut insert = Query::insert();
    insert.into_table(target).columns(columns).select_from(select).map_err(|e| DbErr::Migration(e.to_string()))?;
    Ok(insert.to_owned())
}
