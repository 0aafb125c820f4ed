use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Per-channel processing times and fees: a procedure may be faster or cheaper online than at
/// the desk (the national record's `CACHTHUCTHUCHIEN` gives each `KENH` its own `THOIGIAN` and
/// `PHILEPHI`).
#[derive(DeriveIden)]
enum Procedures {
    Table,
    /// JSON `{"online": {"processing_time"?, "fees"?}, "direct": …, "postal": …}`; null: the
    /// procedure's own time and fees hold on every channel.
    ChannelOverrides,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table(Procedures::Table).add_column(text_null(Procedures::ChannelOverrides)).to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Procedures::Table).drop_column(Procedures::ChannelOverrides).to_owned())
            .await
    }
}
