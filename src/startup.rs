//! Building and running the HTTP application: state, middleware, routes, graceful shutdown.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::{http::header, middleware::from_fn, web, App, HttpServer};
use anyhow::Context;
use migration::MigratorTrait;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::http::metrics::HttpMetrics;
use crate::http::{extractors, middleware, ops};
use crate::openapi::ApiDoc;
use crate::{db, error::ApiError};

/// What every handler can reach: shared, cheap to clone, nothing another replica would need.
pub struct AppState {
    /// Connection pool.
    pub db: DatabaseConnection,
    /// Settings loaded at start.
    pub settings: Settings,
    /// Operational metrics of this process.
    pub metrics: HttpMetrics,
    /// Keys, password hashing and mail for identity.
    pub identity: crate::identity::service::Identity,
    /// Per-address limit of public dossier lookups.
    pub lookup_limiter: crate::dossiers::service::LookupLimiter,
    /// Recent public lookups; every transition of this process invalidates its dossier's entry,
    /// and on PostgreSQL every change announced by the database (`announcements`).
    pub lookup_cache: Arc<crate::dossiers::lookup_cache::LookupCache>,
    /// The catalogue as the indicators read it; every catalogue and target write of this process
    /// invalidates it, and on PostgreSQL every one announced by the database (`announcements`).
    pub indicator_catalogue: Arc<crate::metrics::catalogue::CatalogueCache>,
    /// Attachments and result documents (the object store).
    pub files: crate::storage::FileStore,
    /// The key result documents are signed with.
    pub result_signer: crate::workflow::results::ResultSigner,
    /// Payment providers whose signed callbacks confirm online payments.
    pub payment_providers: Vec<Box<dyn crate::workflow::payments::PaymentProvider>>,
}

impl AppState {
    /// What the workflow's actions need.
    pub fn desk(&self) -> crate::workflow::actions::Desk<'_> {
        crate::workflow::actions::Desk {
            db: &self.db,
            files: &self.files,
            signer: &self.result_signer,
            public_url: &self.settings.public_url,
            lookups: &self.lookup_cache,
        }
    }
}

/// Every documented route: operations at the root, the API under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    ops::routes(cfg);
    crate::metrics::dashboard::routes(cfg);
    cfg.service(utoipa_actix_web::scope("/api/v1").configure(api_v1_routes));
}

fn api_v1_routes(cfg: &mut ServiceConfig) {
    crate::identity::routes(cfg);
    crate::catalog::routes(cfg);
    crate::calendar::routes(cfg);
    crate::dossiers::routes(cfg);
    crate::workflow::http::routes(cfg);
    crate::forms::routes(cfg);
    crate::metrics::http::routes(cfg);
    crate::integration::routes(cfg);
    crate::jobs::routes(cfg);
}

/// A bound, ready-to-run server, and the job worker that runs beside it.
pub struct Application {
    port: u16,
    server: Server,
    worker: Option<crate::jobs::Worker>,
    /// On PostgreSQL, the task hearing the database's announcements for the caches.
    announcements: Option<tokio::task::JoinHandle<()>>,
}

/// The outbox worker with every job handler and periodic task; `None` when this replica serves
/// the API only (`MOTCUA_JOBS_ENABLED=false`).
fn job_worker(db: &DatabaseConnection, settings: &Settings) -> anyhow::Result<Option<crate::jobs::Worker>> {
    if !settings.jobs_enabled {
        tracing::info!("job worker disabled in this process (MOTCUA_JOBS_ENABLED=false)");
        return Ok(None);
    }
    let config = crate::jobs::WorkerConfig {
        poll_interval: Duration::from_millis(settings.jobs_poll_ms),
        retry: crate::jobs::service::RetryPolicy {
            max_attempts: settings.jobs_max_attempts,
            backoff: Duration::from_millis(settings.jobs_backoff_ms),
        },
    };
    let mut worker = crate::jobs::Worker::new(db.clone(), config)
        .handler(crate::notify::MailHandler::new(crate::notify::Mailer::from_settings(settings)?));
    worker = worker.handler(crate::integration::sync::WebhookHandler::new(db.clone())?);
    match &settings.national_portal_url {
        Some(url) => {
            let adapter =
                crate::integration::sync::adapter::Adapter::new(crate::integration::sync::adapter::AdapterSettings {
                    url: url.clone(),
                    username: settings.national_portal_username.clone(),
                    password: settings.national_portal_password.clone().unwrap_or_else(|| "".into()),
                    timeout: Duration::from_millis(settings.national_portal_timeout_ms),
                })?;
            worker = worker.handler(crate::integration::sync::SyncHandler::new(
                db.clone(),
                std::sync::Arc::new(adapter),
                &settings.public_url,
            ));
        }
        // The jobs are still queued: they wait, visible to admins, until a worker with the URL runs.
        None => tracing::info!("outbound national-portal sync disabled (MOTCUA_NATIONAL_PORTAL_URL unset)"),
    }
    // Closed days' throughput records folded out of their shards (fewer rows for the indicators).
    worker = worker.every(Duration::from_secs(3600), crate::metrics::records::CompactTask);
    if settings.reminders_interval_secs > 0 {
        worker = worker.every(
            Duration::from_secs(settings.reminders_interval_secs),
            crate::notify::ReminderTask::new(&settings.public_url),
        );
    }
    match (&settings.payment_hmac_secret, &settings.payment_status_url) {
        (Some(secret), Some(url)) if settings.payment_reconcile_interval_secs > 0 => {
            let provider = crate::workflow::payments::HmacProvider::new(secret.clone())
                .with_status_url(url, Duration::from_secs(30))?;
            let policy = crate::workflow::payments::ReconcilePolicy {
                grace: chrono::TimeDelta::seconds(i64::try_from(settings.payment_reconcile_grace_secs)?),
                expiry: chrono::TimeDelta::hours(i64::try_from(settings.payment_expiry_hours)?),
            };
            worker = worker.every(
                Duration::from_secs(settings.payment_reconcile_interval_secs),
                crate::workflow::payments::ReconcileTask::new(Box::new(provider), policy, &settings.public_url),
            );
        }
        _ => tracing::info!(
            "payment reconciliation disabled (needs MOTCUA_PAYMENT_HMAC_SECRET and MOTCUA_PAYMENT_STATUS_URL)"
        ),
    }
    Ok(Some(worker))
}

impl Application {
    /// Connects to the database, migrates (unless disabled), binds the listener and builds the server.
    ///
    /// # Errors
    /// When the database is unreachable, a migration fails or the address cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("create the data directory {}", settings.data_dir.display()))?;
        let db = db::connect(settings.database_url.expose_secret(), settings.db_max_connections).await?;
        let is_new = migration::Migrator::get_applied_migrations(&db).await.map(|m| m.is_empty()).unwrap_or(false);
        if settings.migrate_on_start {
            migration::Migrator::up(&db, None).await.context("run database migrations")?;
        }
        let seeded = crate::calendar::service::seed_official_if_empty(&db)
            .await
            .map_err(|e| anyhow::anyhow!("seed the calendar: {e}"))?;
        if seeded > 0 {
            tracing::info!(years = seeded, "official working calendar loaded");
        }
        // Demo data by default only for a brand-new embedded database (DESIGN.md §3).
        if settings.demo.unwrap_or(is_new && settings.is_sqlite()) {
            let report = crate::demo::seed(&db).await.context("load the demo data")?;
            tracing::info!(%report, "demo data");
        }
        let listener = TcpListener::bind(&settings.listen).with_context(|| format!("bind {}", settings.listen))?;
        let port = listener.local_addr().context("read the bound address")?.port();
        tracing::info!(address = %listener.local_addr().context("read the bound address")?, "listening");
        let workers = settings.workers;
        let identity = crate::identity::service::bootstrap(&db, &settings)
            .await
            .map_err(|e| anyhow::anyhow!("prepare identity: {e}"))?;
        let result_signer = crate::workflow::results::ResultSigner::bootstrap(&db, &settings).await?;
        let mut payment_providers: Vec<Box<dyn crate::workflow::payments::PaymentProvider>> = Vec::new();
        if let Some(secret) = &settings.payment_hmac_secret {
            payment_providers.push(Box::new(crate::workflow::payments::HmacProvider::new(secret.clone())));
        }
        let files = crate::storage::FileStore::open(&settings)?;
        files.check().await.context("check the object store")?;
        let worker = job_worker(&db, &settings)?;
        let lookup_limiter = crate::dossiers::service::LookupLimiter::new(settings.lookups_per_minute);
        let lookup_cache = Arc::new(crate::dossiers::lookup_cache::LookupCache::new(settings.lookup_cache_life()));
        let indicator_catalogue = Arc::new(crate::metrics::catalogue::CatalogueCache::new(Duration::from_millis(
            settings.catalogue_cache_ms,
        )));
        let hearers = crate::announcements::Hearers {
            lookups: Arc::clone(&lookup_cache),
            catalogue: Arc::clone(&indicator_catalogue),
        };
        // Listening starts once nothing can fail any more (a failed start leaves no listener
        // behind) and before serving.
        let announced_by = db.clone();
        let state = web::Data::new(AppState {
            result_signer,
            payment_providers,
            db,
            files,
            settings,
            metrics: HttpMetrics::new()?,
            identity,
            lookup_limiter,
            lookup_cache,
            indicator_catalogue,
        });
        let api = crate::openapi::document();
        let server = HttpServer::new(move || {
            let json_limit = state.settings.json_limit_bytes;
            App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .configure(routes)
                .into_app()
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api.clone()))
                .app_data(state.clone())
                .app_data(extractors::query_config())
                .app_data(extractors::path_config())
                .app_data(extractors::form_config(json_limit))
                .default_service(web::to(route_not_found))
                .wrap(from_fn(middleware::refuse_nul_characters))
                .wrap(cors(&state.settings.cors_origins))
                .wrap(from_fn(middleware::request_context))
                .wrap(middleware::security_headers())
        })
        .disable_signals()
        .listen(listener)
        .context("start listening")?;
        let announcements = crate::announcements::listen(&announced_by, hearers);
        let server = match workers {
            Some(n) => server.workers(n),
            None => server,
        }
        .shutdown_timeout(30)
        .run();
        Ok(Self { port, server, worker, announcements })
    }

    /// The bound port (useful with `127.0.0.1:0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server the way a signal does (`stop(true)` drains in-flight requests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves (and runs the job worker) until SIGINT or SIGTERM, or a stop through [`Self::handle`];
    /// then stops accepting and drains in-flight requests, and only then stops the worker (a job
    /// already running gets a short grace). Jobs left pending wait in the outbox for another
    /// replica or the next start.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutdown requested; draining in-flight requests");
            handle.stop(true).await;
        });
        let stop_jobs = CancellationToken::new();
        let worker = self.worker.map(|w| w.spawn(stop_jobs.clone()));
        let served = self.server.await.context("run the HTTP server");
        if let Some(listening) = &self.announcements {
            listening.abort();
        }
        stop_jobs.cancel();
        if let Some(worker) = worker {
            if let Err(e) = worker.await {
                tracing::error!(error = %e, "the job worker ended abnormally");
            }
        }
        served
    }
}

async fn route_not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found("route_not_found", format!("no route matches {} {}", req.method(), req.path())))
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH, header::ACCEPT])
        .allowed_header("idempotency-key")
        .allowed_header("x-request-id")
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER])
        .expose_headers(["x-request-id"])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
