//! Database connection for both backends: SQLite (embedded default) and PostgreSQL.

use std::collections::HashMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

/// How long a writer waits for its turn at SQLite's write lock before giving up, like the busy
/// timeout the pool sets: a writer that never gets its turn fails instead of hanging.
const SQLITE_WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(30);

/// One FIFO queue of writers per SQLite database file in this process. SQLite lets one writer at
/// a time hold the write lock; without this queue every writer polls the busy handler, whose
/// growing sleeps let late-comers overtake early ones, and under load a few unlucky writers
/// waited seconds (BENCHMARKS.md, submissions on SQLite). Tokio's semaphore hands out permits in
/// request order, so writers are served first come, first served. Keyed by file so several
/// databases in one process (the tests) do not queue behind each other.
static SQLITE_WRITE_TURNS: LazyLock<Mutex<HashMap<PathBuf, Arc<Semaphore>>>> = LazyLock::new(Default::default);

fn sqlite_write_turns(db: &DatabaseConnection) -> Arc<Semaphore> {
    let file = db.get_sqlite_connection_pool().connect_options().get_filename().to_path_buf();
    let mut turns = SQLITE_WRITE_TURNS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(turns.entry(file).or_insert_with(|| Arc::new(Semaphore::new(1))))
}

/// A transaction that will write; on SQLite it also holds this process's turn at the write lock
/// until it commits, rolls back or is dropped. Use it wherever a [`DatabaseTransaction`] is used.
pub struct WriteTransaction {
    // Declared before `_turn` so that a dropped transaction starts its rollback before the next
    // writer is let in.
    txn: DatabaseTransaction,
    _turn: Option<OwnedSemaphorePermit>,
    /// Statements sent inside the transaction and when it began: on SQLite the write lock is
    /// held for that long, so both are logged at commit (`RUST_LOG=motcua::db=debug`) to see what
    /// a write costs (BENCHMARKS.md, issue 9).
    statements: AtomicU32,
    began: Instant,
}

impl WriteTransaction {
    /// Commits, then lets the next writer in.
    ///
    /// # Errors
    /// When the commit fails; nothing is written then.
    pub async fn commit(self) -> Result<(), DbErr> {
        let statements = self.statements.load(Ordering::Relaxed);
        let began = self.began;
        self.txn.commit().await?;
        tracing::debug!(statements, held_us = began.elapsed().as_micros(), "write transaction committed");
        Ok(())
    }

    fn count(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }

    /// Rolls back, then lets the next writer in.
    ///
    /// # Errors
    /// When the database cannot be reached.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.count();
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.count();
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.count();
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.count();
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// Starts a transaction that will write. On SQLite it first waits its turn in this process's
/// FIFO queue of writers, then begins IMMEDIATE: a deferred transaction that reads and then
/// writes can fail with SQLITE_BUSY at once whatever the busy timeout, while an immediate one
/// takes the write lock up front (DESIGN.md §2). PostgreSQL needs neither.
///
/// # Errors
/// When the transaction cannot be started, or on SQLite when the turn does not come within
/// the busy timeout.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    let (turn, options) = if db.get_database_backend() == DbBackend::Sqlite {
        // The turn is taken before a pooled connection, so queued writers do not starve readers.
        let turn = tokio::time::timeout(SQLITE_WRITE_TURN_TIMEOUT, sqlite_write_turns(db).acquire_owned())
            .await
            .map_err(|_| DbErr::Custom("timed out waiting for the SQLite write lock".to_owned()))?
            .map_err(|_| DbErr::Custom("the SQLite write queue is closed".to_owned()))?;
        let immediate = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        (Some(turn), immediate)
    } else {
        // The default options begin as `begin()` does.
        (None, TransactionOptions::default())
    };
    let began = Instant::now();
    let txn = db.begin_with_options(options).await?;
    Ok(WriteTransaction { txn, _turn: turn, statements: AtomicU32::new(0), began })
}
