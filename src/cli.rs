//! The command line (DESIGN.md §4): `serve` (default), `migrate`, `create-admin`, `seed-demo`,
//! `import-procedures`, `recount`, `generate-dossiers`, `openapi`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use migration::MigratorTrait;
use secrecy::ExposeSecret;

use crate::config::{self, Settings};
use crate::{db, startup::Application, telemetry};

/// motcua — the one-stop (một cửa) public-service backend.
///
/// With no command it serves the API. Configuration comes from MOTCUA_* environment variables
/// (see the README), optionally from a motcua.toml file. By default it uses an SQLite file
/// `motcua.db` in the current directory and listens on 127.0.0.1:8080.
#[derive(Debug, Parser)]
#[command(name = "motcua", version, about, long_about)]
pub struct Cli {
    /// Read settings from this TOML file (default: ./motcua.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (migrates the database first unless MOTCUA_MIGRATE_ON_START=false).
    Serve,
    /// Apply pending database migrations and exit; `--status` only lists them.
    Migrate {
        /// List applied and pending migrations without changing anything.
        #[arg(long)]
        status: bool,
    },
    /// Create an administrator account; reads the password from standard input (one line).
    ///
    /// Example: `echo 'a long passphrase' | motcua create-admin --email admin@tinh.gov.vn`
    CreateAdmin {
        /// E-mail the administrator signs in with.
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long, default_value = "Quản trị hệ thống")]
        full_name: String,
        /// Limit the administrator to one agency (QCVN 102 code); province-wide when omitted.
        #[arg(long)]
        agency: Option<String>,
    },
    /// Load the demo agencies and demo staff accounts (idempotent).
    SeedDemo,
    /// Import procedures from a file in the national TTHC database's JSON shape (an array of
    /// `LayThuTuc` records): creates or updates each one, leaves unchanged ones alone, reports
    /// every bad record and goes on. Exits 1 when some record failed.
    ///
    /// Example: `motcua import-procedures seed/import-sample.json --default-agency 000.17.22.H56 --dry-run`
    ImportProcedures {
        /// The JSON file.
        file: PathBuf,
        /// Report what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Agency of new procedures whose performing units map to no agency.
        #[arg(long, value_name = "AGENCY_CODE")]
        default_agency: Option<String>,
        /// JSON object mapping national unit names or codes (`TENDONVI`/`MADONVI`) to agency codes.
        #[arg(long, value_name = "FILE")]
        agency_map: Option<PathBuf>,
    },
    /// Rebuild the throughput records (the indicators' per-day counters) from the dossiers and
    /// their audit events, in one transaction.
    Recount {
        /// Only compare the live records with the audit events; change nothing, exit 1 on a
        /// difference.
        #[arg(long)]
        check: bool,
    },
    /// Fill the database with generated dossiers and their throughput records, for benchmarks
    /// of the indicators: submissions spread evenly over the last DAYS days and over the
    /// catalogue's (agency, procedure) pairs, every channel, timelines cut at the present (so the
    /// recent ones are still open). Writes no audit events: do not `recount` such a database.
    ///
    /// Example: `motcua seed-demo && motcua generate-dossiers --count 1000000 --days 365`
    GenerateDossiers {
        /// How many dossiers.
        #[arg(long)]
        count: u64,
        /// Seed of the generator: the same seed gives the same dossiers.
        #[arg(long, default_value_t = 766)]
        seed: u64,
        /// Days back from today the submissions spread over.
        #[arg(long, default_value_t = 365)]
        days: u32,
    },
    /// Print the OpenAPI 3.1 document (JSON) to standard output.
    Openapi,
}

/// Runs the command and turns any failure into a message on stderr and exit code 1.
pub fn main(cli: Cli) -> ExitCode {
    return_large_allocations_to_the_os();
    telemetry::init("info");
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Each argon2id hash allocates 19 MiB. glibc raises its mmap threshold after such a block is
/// freed and then keeps later ones in per-thread heaps, which grew the process by ~20 MiB per
/// thread that ever hashed. A fixed 1 MiB threshold returns every large block on free.
fn return_large_allocations_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Openapi) = cli.command {
        let document = crate::openapi::document().to_pretty_json().context("serialise the OpenAPI document")?;
        println!("{document}");
        return Ok(());
    }
    let settings = config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate { status } => migrate(&settings, status).await,
        Command::CreateAdmin { email, full_name, agency } => create_admin(&settings, email, full_name, agency).await,
        Command::SeedDemo => {
            let db = db::connect(settings.database_url.expose_secret(), 2).await?;
            migration::Migrator::up(&db, None).await.context("apply migrations")?;
            let report = crate::demo::seed(&db).await?;
            println!("{report}");
            Ok(())
        }
        Command::Recount { check: true } => {
            let db = db::connect(settings.database_url.expose_secret(), 2).await?;
            let differences = crate::metrics::records::check(&db).await?;
            let open_differences = crate::metrics::open::check(&db).await?;
            if differences.is_empty() && open_differences.is_empty() {
                println!(
                    "the throughput records agree with the audit events, the open-dossier records with the dossiers"
                );
                return Ok(());
            }
            for key in &differences {
                println!("differs: {key:?}");
            }
            for key in &open_differences {
                println!("differs: {key:?}");
            }
            anyhow::bail!(
                "{} throughput record(s) differ from the audit events, {} open-dossier record(s) from the dossiers",
                differences.len(),
                open_differences.len()
            )
        }
        Command::Recount { check: false } => {
            let db = db::connect(settings.database_url.expose_secret(), 2).await?;
            migration::Migrator::up(&db, None).await.context("apply migrations")?;
            let report = crate::metrics::records::recount(&db).await?;
            println!(
                "replayed {} dossier(s) into {} record(s); {} open-dossier record(s)",
                report.dossiers, report.records, report.open_records
            );
            Ok(())
        }
        Command::GenerateDossiers { count, seed, days } => {
            let db = db::connect(settings.database_url.expose_secret(), 2).await?;
            migration::Migrator::up(&db, None).await.context("apply migrations")?;
            let plan = crate::metrics::generate::Plan { count, seed, days };
            let generated = crate::metrics::generate::generate(&db, plan).await?;
            println!(
                "generated {} dossier(s), {} throughput record(s), {} open-dossier record(s)",
                generated.dossiers, generated.records, generated.open_records
            );
            Ok(())
        }
        Command::ImportProcedures { file, dry_run, default_agency, agency_map } => {
            import_procedures(&settings, &file, dry_run, default_agency, agency_map.as_deref()).await
        }
        Command::Openapi => Ok(()),
    }
}

async fn import_procedures(
    settings: &Settings,
    file: &std::path::Path,
    dry_run: bool,
    default_agency: Option<String>,
    agency_map: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use crate::catalog::import_domain::{mapping_of, records_of, AgencyMapping};
    use crate::catalog::procedure_service::{import_procedures, ImportOutcome};
    let read_json = |path: &std::path::Path| -> anyhow::Result<serde_json::Value> {
        let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parse {} as JSON", path.display()))
    };
    let records = records_of(read_json(file)?).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let names = match agency_map {
        Some(path) => match read_json(path)? {
            serde_json::Value::Object(object) => mapping_of(&object).map_err(|e| anyhow::anyhow!("{e}"))?,
            _ => anyhow::bail!("{}: expected an object of unit names to agency codes", path.display()),
        },
        None => Vec::new(),
    };
    let db = db::connect(settings.database_url.expose_secret(), 2).await?;
    migration::Migrator::up(&db, None).await.context("apply migrations")?;
    let mapping = AgencyMapping::new(names, default_agency);
    let lines = import_procedures(&db, &records, &mapping, dry_run).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut failed = 0;
    for line in &lines {
        let code = line.code.as_deref().unwrap_or("?");
        match line.outcome {
            ImportOutcome::Created => println!("#{} {code}: created", line.index),
            ImportOutcome::Updated => println!("#{} {code}: updated ({})", line.index, line.changes.join(", ")),
            ImportOutcome::Unchanged => println!("#{} {code}: unchanged", line.index),
            ImportOutcome::Failed => {
                failed += 1;
                for e in &line.errors {
                    println!("#{} {code}: FAILED {e}", line.index);
                }
            }
        }
    }
    let count = |o: ImportOutcome| lines.iter().filter(|l| l.outcome == o).count();
    println!(
        "{}{} created, {} updated, {} unchanged, {failed} failed",
        if dry_run { "dry run (nothing written): " } else { "" },
        count(ImportOutcome::Created),
        count(ImportOutcome::Updated),
        count(ImportOutcome::Unchanged),
    );
    if failed > 0 {
        anyhow::bail!("{failed} record(s) failed");
    }
    Ok(())
}

async fn create_admin(
    settings: &Settings,
    email: String,
    full_name: String,
    agency: Option<String>,
) -> anyhow::Result<()> {
    use crate::domain_types::{AgencyCode, Email, FullName, Password};
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    let email = Email::try_from(email)?;
    let full_name = FullName::try_from(full_name)?;
    let password = Password::try_from(password)?;
    let agency = agency.map(AgencyCode::try_from).transpose()?;
    let db = db::connect(settings.database_url.expose_secret(), 2).await?;
    migration::Migrator::up(&db, None).await.context("apply migrations")?;
    let hasher = crate::identity::password::PasswordHasher::new()?;
    let roles = [crate::domain_types::Role::Admin];
    let account =
        crate::identity::service::create_staff_account(&db, &hasher, email, full_name, password, agency, &roles)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("created administrator {} ({})", account.email, account.id);
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    app.run_until_stopped().await
}

async fn migrate(settings: &Settings, status_only: bool) -> anyhow::Result<()> {
    let db = db::connect(settings.database_url.expose_secret(), 2).await?;
    if status_only {
        for m in migration::Migrator::get_applied_migrations(&db).await? {
            println!("applied  {}", m.name());
        }
        for m in migration::Migrator::get_pending_migrations(&db).await? {
            println!("pending  {}", m.name());
        }
        return Ok(());
    }
    let pending = migration::Migrator::get_pending_migrations(&db).await?.len();
    migration::Migrator::up(&db, None).await.context("apply migrations")?;
    println!("applied {pending} migration(s); the database is current");
    Ok(())
}
