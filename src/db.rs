//! Database connection for both backends: SQLite (embedded default) and PostgreSQL.

use std::time::Duration;

use anyhow::Context;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

/// Opens a pool. SQLite gets WAL, `synchronous=FULL` (an acknowledged write survives power loss),
/// foreign keys and a busy timeout.
///
/// # Errors
/// When the database cannot be reached or the file cannot be created.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
        });
    Database::connect(options).await.context("connect to the database")
}

/// Starts a transaction that will write. On SQLite it begins IMMEDIATE: a deferred transaction
/// that reads and then writes can fail with SQLITE_BUSY at once whatever the busy timeout, while
/// an immediate one queues for the write lock (DESIGN.md §2). PostgreSQL ignores the mode.
///
/// # Errors
/// When the transaction cannot be started.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    db.begin_with_options(options).await
}
