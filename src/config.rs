//! Settings: `MOTCUA_*` environment variables first, an optional `motcua.toml` for the same keys,
//! and a working default for everything (DESIGN.md §3).

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Everything the service needs to start, passed down from `main` (no global).
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `postgres://…` or `sqlite://path?mode=rwc`. Env: `MOTCUA_DATABASE_URL`.
    #[serde(default = "defaults::database_url")]
    pub database_url: SecretString,
    /// Address to bind. Env: `MOTCUA_LISTEN`; `127.0.0.1:0` picks a free port (tests).
    #[serde(default = "defaults::listen")]
    pub listen: String,
    /// Root of the local object store (attachments, results) and of the mail drop. Env: `MOTCUA_DATA_DIR`.
    #[serde(default = "defaults::data_dir")]
    pub data_dir: PathBuf,
    /// `s3://bucket` or `s3://bucket/prefix`: attachments and result documents go to that
    /// S3-compatible bucket; unset: to `data_dir/objects`. Env: `MOTCUA_OBJECT_STORE_URL`.
    #[serde(default)]
    pub object_store_url: Option<String>,
    /// The S3 API's base URL for a non-AWS store (MinIO, Ceph…), e.g. `https://minio.tinh.gov.vn:9000`;
    /// unset: AWS's endpoint for the region. Env: `MOTCUA_S3_ENDPOINT`.
    #[serde(default)]
    pub s3_endpoint: Option<String>,
    /// The bucket's region; unset: `AWS_REGION`, else `us-east-1`. Env: `MOTCUA_S3_REGION`.
    #[serde(default)]
    pub s3_region: Option<String>,
    /// Access key; unset (with the secret): the standard AWS credential chain.
    /// Env: `MOTCUA_S3_ACCESS_KEY_ID`.
    #[serde(default)]
    pub s3_access_key_id: Option<String>,
    /// Secret of the access key. Env: `MOTCUA_S3_SECRET_ACCESS_KEY`.
    #[serde(default)]
    pub s3_secret_access_key: Option<SecretString>,
    /// Allow a plain-HTTP endpoint (a MinIO on a trusted network, development). Env: `MOTCUA_S3_ALLOW_HTTP`.
    #[serde(default)]
    pub s3_allow_http: bool,
    /// Signing key for access tokens; unset: generated on first start and kept in the database.
    /// Env: `MOTCUA_JWT_SECRET`.
    #[serde(default)]
    pub jwt_secret: Option<SecretString>,
    /// `smtp://host:port`; unset: mail is written as .eml files under `data_dir/mail`. Env: `MOTCUA_SMTP_URL`.
    #[serde(default)]
    pub smtp_url: Option<SecretString>,
    /// Base URL of the national portal adapter; unset: outbound sync disabled.
    /// Env: `MOTCUA_NATIONAL_PORTAL_URL`.
    #[serde(default)]
    pub national_portal_url: Option<String>,
    /// User name for the adapter's session login. Env: `MOTCUA_NATIONAL_PORTAL_USERNAME`.
    #[serde(default)]
    pub national_portal_username: String,
    /// Password for the adapter's session login. Env: `MOTCUA_NATIONAL_PORTAL_PASSWORD`.
    #[serde(default)]
    pub national_portal_password: Option<SecretString>,
    /// Longest wait for one exchange with the adapter, in milliseconds.
    /// Env: `MOTCUA_NATIONAL_PORTAL_TIMEOUT_MS`.
    #[serde(default = "defaults::national_portal_timeout_ms")]
    pub national_portal_timeout_ms: u64,
    /// Load the demo catalogue; unset: only when the database is new and SQLite. Env: `MOTCUA_DEMO`.
    #[serde(default)]
    pub demo: Option<bool>,
    /// Origins of the citizen web frontend allowed by CORS, comma separated; none by default.
    /// Env: `MOTCUA_CORS_ORIGINS`.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Run pending migrations when serving starts. Env: `MOTCUA_MIGRATE_ON_START`.
    #[serde(default = "defaults::yes")]
    pub migrate_on_start: bool,
    /// Largest accepted JSON body in bytes. Env: `MOTCUA_JSON_LIMIT_BYTES`.
    #[serde(default = "defaults::json_limit_bytes")]
    pub json_limit_bytes: usize,
    /// HTTP worker threads; unset: one per CPU core. Env: `MOTCUA_WORKERS`.
    #[serde(default)]
    pub workers: Option<usize>,
    /// Database connection pool size. Env: `MOTCUA_DB_MAX_CONNECTIONS`.
    #[serde(default = "defaults::db_max_connections")]
    pub db_max_connections: u32,
    /// Public base URL of the citizen frontend or this service, used in links sent by e-mail.
    /// Env: `MOTCUA_PUBLIC_URL`.
    #[serde(default = "defaults::public_url")]
    pub public_url: String,
    /// Sender of the e-mail motcua sends. Env: `MOTCUA_MAIL_FROM`.
    #[serde(default = "defaults::mail_from")]
    pub mail_from: String,
    /// Ed25519 seed (base64 of 32 bytes) that signs result documents; unset: generated on first
    /// start and kept in the database. Env: `MOTCUA_RESULT_SIGNING_KEY`.
    #[serde(default)]
    pub result_signing_key: Option<SecretString>,
    /// Shared secret of the HMAC-signed payment callback (`POST /payments/callbacks/hmac`);
    /// unset: online payment callbacks are refused. Env: `MOTCUA_PAYMENT_HMAC_SECRET`.
    #[serde(default)]
    pub payment_hmac_secret: Option<SecretString>,
    /// The HMAC provider's status API (`GET {url}?payment_id=…`, signed like its callbacks);
    /// unset: pending payments are not reconciled. Env: `MOTCUA_PAYMENT_STATUS_URL`.
    #[serde(default)]
    pub payment_status_url: Option<String>,
    /// Hours after which a payment still unpaid expires. Env: `MOTCUA_PAYMENT_EXPIRY_HOURS`.
    #[serde(default = "defaults::payment_expiry_hours")]
    pub payment_expiry_hours: u64,
    /// How long a payment stays pending before the provider is asked about it, in seconds (its
    /// callback may still come). Env: `MOTCUA_PAYMENT_RECONCILE_GRACE_SECS`.
    #[serde(default = "defaults::payment_reconcile_grace_secs")]
    pub payment_reconcile_grace_secs: u64,
    /// How often the worker reconciles pending payments, in seconds; `0` turns it off.
    /// Env: `MOTCUA_PAYMENT_RECONCILE_INTERVAL_SECS`.
    #[serde(default = "defaults::payment_reconcile_interval_secs")]
    pub payment_reconcile_interval_secs: u64,
    /// Run the outbox worker in this process; `false` makes an API-only replica (another replica
    /// must run the worker). Env: `MOTCUA_JOBS_ENABLED`.
    #[serde(default = "defaults::yes")]
    pub jobs_enabled: bool,
    /// How often the worker looks for due jobs, in milliseconds (it is also woken at once when
    /// this process enqueues). Env: `MOTCUA_JOBS_POLL_MS`.
    #[serde(default = "defaults::jobs_poll_ms")]
    pub jobs_poll_ms: u64,
    /// Attempts before a failing job is parked as `dead`. Env: `MOTCUA_JOBS_MAX_ATTEMPTS`.
    #[serde(default = "defaults::jobs_max_attempts")]
    pub jobs_max_attempts: u32,
    /// First retry delay in milliseconds; it doubles with every attempt (±20%, capped at an hour).
    /// Env: `MOTCUA_JOBS_BACKOFF_MS`.
    #[serde(default = "defaults::jobs_backoff_ms")]
    pub jobs_backoff_ms: u64,
    /// How often the worker looks for overdue and nearly due dossiers to remind their agency's
    /// leaders, in seconds; `0` turns the reminders off. Env: `MOTCUA_REMINDERS_INTERVAL_SECS`.
    #[serde(default = "defaults::reminders_interval_secs")]
    pub reminders_interval_secs: u64,
    /// Public dossier lookups (`GET /lookup/{code}`) allowed per client address per minute, so
    /// codes and secrets cannot be enumerated; at least 1. Env: `MOTCUA_LOOKUPS_PER_MINUTE`.
    #[serde(default = "defaults::lookups_per_minute")]
    pub lookups_per_minute: u32,
    /// How long a public lookup's answer may be served from this process's memory, in
    /// milliseconds; see [`Self::lookup_cache_life`] for the default. A change through this
    /// process invalidates it at once, and on PostgreSQL so does one through any other process
    /// (announced by the database); on SQLite another process's change shows after at most this
    /// long. `0` turns the cache off. Env: `MOTCUA_LOOKUP_CACHE_MS`.
    #[serde(default)]
    pub lookup_cache_ms: Option<u64>,
    /// How long the catalogue the indicators read (procedures, agencies, targets) may be kept in
    /// this process's memory, in milliseconds; a catalogue or target write through this process
    /// invalidates it at once, one through another replica or a command shows after at most this
    /// long. `0` reads it for every report. Env: `MOTCUA_CATALOGUE_CACHE_MS`.
    #[serde(default = "defaults::catalogue_cache_ms")]
    pub catalogue_cache_ms: u64,
}

mod defaults {
    use std::path::PathBuf;

    use secrecy::SecretString;

    pub fn database_url() -> SecretString {
        SecretString::from("sqlite://motcua.db?mode=rwc")
    }
    pub fn listen() -> String {
        "127.0.0.1:8080".to_owned()
    }
    pub fn data_dir() -> PathBuf {
        PathBuf::from("./data")
    }
    pub fn yes() -> bool {
        true
    }
    pub fn json_limit_bytes() -> usize {
        1024 * 1024
    }
    pub fn db_max_connections() -> u32 {
        16
    }
    pub fn mail_from() -> String {
        "Cổng dịch vụ công <no-reply@motcua.local>".to_owned()
    }
    pub fn public_url() -> String {
        "http://127.0.0.1:8080".to_owned()
    }
    pub fn jobs_poll_ms() -> u64 {
        1000
    }
    pub fn jobs_max_attempts() -> u32 {
        8
    }
    pub fn jobs_backoff_ms() -> u64 {
        2000
    }
    pub fn reminders_interval_secs() -> u64 {
        900
    }
    pub fn national_portal_timeout_ms() -> u64 {
        30_000
    }
    pub fn payment_expiry_hours() -> u64 {
        72
    }
    pub fn payment_reconcile_grace_secs() -> u64 {
        900
    }
    pub fn payment_reconcile_interval_secs() -> u64 {
        300
    }
    pub fn catalogue_cache_ms() -> u64 {
        5000
    }
    pub fn lookups_per_minute() -> u32 {
        crate::dossiers::service::LOOKUPS_PER_MINUTE
    }
}

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("could not read the configuration: {0}")]
    Source(#[from] config::ConfigError),
    #[error("invalid setting {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

/// Loads the settings: defaults, then `file` (or `./motcua.toml` when it exists), then the environment.
///
/// # Errors
/// [`SettingsError`] when the file cannot be parsed or a value is invalid.
pub fn load(file: Option<&Path>) -> Result<Settings, SettingsError> {
    let mut builder = config::Config::builder();
    let default_file = Path::new("motcua.toml");
    match file {
        Some(path) => builder = builder.add_source(config::File::from(path).required(true)),
        None if default_file.exists() => builder = builder.add_source(config::File::from(default_file).required(false)),
        None => {}
    }
    builder = builder.add_source(
        config::Environment::with_prefix("MOTCUA")
            .try_parsing(true)
            .list_separator(",")
            .with_list_parse_key("cors_origins"),
    );
    let settings: Settings = builder.build()?.try_deserialize()?;
    settings.validate()
}

impl Settings {
    /// Settings for a given database with every other value at its default (tests, tools).
    pub fn with_database(database_url: &str) -> Self {
        Self {
            database_url: SecretString::from(database_url),
            listen: defaults::listen(),
            data_dir: defaults::data_dir(),
            object_store_url: None,
            s3_endpoint: None,
            s3_region: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_allow_http: false,
            jwt_secret: None,
            smtp_url: None,
            national_portal_url: None,
            national_portal_username: String::new(),
            national_portal_password: None,
            national_portal_timeout_ms: defaults::national_portal_timeout_ms(),
            demo: None,
            cors_origins: Vec::new(),
            migrate_on_start: true,
            json_limit_bytes: defaults::json_limit_bytes(),
            workers: None,
            db_max_connections: defaults::db_max_connections(),
            public_url: defaults::public_url(),
            mail_from: defaults::mail_from(),
            result_signing_key: None,
            payment_hmac_secret: None,
            payment_status_url: None,
            payment_expiry_hours: defaults::payment_expiry_hours(),
            payment_reconcile_grace_secs: defaults::payment_reconcile_grace_secs(),
            payment_reconcile_interval_secs: defaults::payment_reconcile_interval_secs(),
            jobs_enabled: true,
            jobs_poll_ms: defaults::jobs_poll_ms(),
            jobs_max_attempts: defaults::jobs_max_attempts(),
            jobs_backoff_ms: defaults::jobs_backoff_ms(),
            reminders_interval_secs: defaults::reminders_interval_secs(),
            lookups_per_minute: defaults::lookups_per_minute(),
            lookup_cache_ms: None,
            catalogue_cache_ms: defaults::catalogue_cache_ms(),
        }
    }

    /// Whether the configured database is SQLite (the embedded default).
    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose_secret().starts_with("sqlite:")
    }

    /// How long a public lookup may be served from memory: `MOTCUA_LOOKUP_CACHE_MS` if set, else
    /// one second on SQLite (nothing announces another process's writes there) and one minute on
    /// PostgreSQL, where every change is announced and heard at once (`announcements`)
    /// and the time to live is only a last bound.
    pub fn lookup_cache_life(&self) -> std::time::Duration {
        let ms = self.lookup_cache_ms.unwrap_or(if self.is_sqlite() { 1_000 } else { 60_000 });
        std::time::Duration::from_millis(ms)
    }

    fn validate(mut self) -> Result<Self, SettingsError> {
        let url = self.database_url.expose_secret();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(SettingsError::Invalid {
                key: "MOTCUA_DATABASE_URL",
                message: "expected a sqlite://… or postgres://… URL".to_owned(),
            });
        }
        if self.json_limit_bytes < 1024 {
            return Err(SettingsError::Invalid {
                key: "MOTCUA_JSON_LIMIT_BYTES",
                message: "must be at least 1024".to_owned(),
            });
        }
        if self.db_max_connections == 0 {
            return Err(SettingsError::Invalid {
                key: "MOTCUA_DB_MAX_CONNECTIONS",
                message: "must be at least 1".to_owned(),
            });
        }
        // On PostgreSQL one pooled connection is kept listening for changes (announcements):
        // with a pool of one, requests would wait for it forever.
        let caching = !self.lookup_cache_life().is_zero() || self.catalogue_cache_ms > 0;
        if !self.is_sqlite() && caching && self.db_max_connections < 2 {
            return Err(SettingsError::Invalid {
                key: "MOTCUA_DB_MAX_CONNECTIONS",
                message: "must be at least 2 on PostgreSQL while a cache is on (one connection listens for \
                          changes); or turn the caches off with MOTCUA_LOOKUP_CACHE_MS=0 and MOTCUA_CATALOGUE_CACHE_MS=0"
                    .to_owned(),
            });
        }
        if self.jobs_poll_ms == 0 {
            return Err(SettingsError::Invalid {
                key: "MOTCUA_JOBS_POLL_MS",
                message: "must be at least 1".to_owned(),
            });
        }
        if !(1..=24 * 366).contains(&self.payment_expiry_hours) {
            return Err(SettingsError::Invalid {
                key: "MOTCUA_PAYMENT_EXPIRY_HOURS",
                message: "between 1 and 8784 (a year)".to_owned(),
            });
        }
        if self.payment_reconcile_grace_secs > 7 * 86_400 {
            return Err(SettingsError::Invalid {
                key: "MOTCUA_PAYMENT_RECONCILE_GRACE_SECS",
                message: "at most 604800 (a week)".to_owned(),
            });
        }
        if self.lookups_per_minute == 0 {
            return Err(SettingsError::Invalid {
                key: "MOTCUA_LOOKUPS_PER_MINUTE",
                message: "must be at least 1".to_owned(),
            });
        }
        if self.jobs_max_attempts == 0 {
            return Err(SettingsError::Invalid {
                key: "MOTCUA_JOBS_MAX_ATTEMPTS",
                message: "must be at least 1".to_owned(),
            });
        }
        if let Some(secret) = &self.jwt_secret {
            // A short or placeholder secret makes every token forgeable; refuse it rather than warn.
            let s = secret.expose_secret();
            if s.len() < 32 || s.contains("change") || s.contains("secret") {
                return Err(SettingsError::Invalid {
                    key: "MOTCUA_JWT_SECRET",
                    message: "must be at least 32 random characters (leave unset to generate one)".to_owned(),
                });
            }
        }
        self.cors_origins.retain(|o| !o.trim().is_empty());
        for origin in &mut self.cors_origins {
            *origin = origin.trim().trim_end_matches('/').to_owned();
            if !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return Err(SettingsError::Invalid {
                    key: "MOTCUA_CORS_ORIGINS",
                    message: format!("{origin:?} is not an http(s) origin"),
                });
            }
        }
        self.public_url = self.public_url.trim_end_matches('/').to_owned();
        self.national_portal_url =
            self.national_portal_url.take().map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
        if let Some(url) = &self.national_portal_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(SettingsError::Invalid {
                    key: "MOTCUA_NATIONAL_PORTAL_URL",
                    message: "expected an http(s) URL".to_owned(),
                });
            }
        }
        self.validate_object_store()?;
        if self.national_portal_timeout_ms == 0 {
            return Err(SettingsError::Invalid {
                key: "MOTCUA_NATIONAL_PORTAL_TIMEOUT_MS",
                message: "must be at least 1".to_owned(),
            });
        }
        Ok(self)
    }

    /// The S3 settings make sense together: a valid bucket URL, an http(s) endpoint (plain HTTP
    /// only when allowed), both halves of an access key or neither. Blank values count as unset,
    /// as an empty variable in a compose file means "not configured".
    fn validate_object_store(&mut self) -> Result<(), SettingsError> {
        fn blank_is_unset(value: &mut Option<String>) {
            *value = value.take().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        }
        blank_is_unset(&mut self.object_store_url);
        blank_is_unset(&mut self.s3_endpoint);
        blank_is_unset(&mut self.s3_region);
        blank_is_unset(&mut self.s3_access_key_id);
        if self.s3_secret_access_key.as_ref().is_some_and(|s| s.expose_secret().trim().is_empty()) {
            self.s3_secret_access_key = None;
        }
        let Some(url) = &self.object_store_url else {
            return Ok(());
        };
        crate::storage::parse_s3_url(url)
            .map_err(|message| SettingsError::Invalid { key: "MOTCUA_OBJECT_STORE_URL", message })?;
        if let Some(endpoint) = &self.s3_endpoint {
            let plain = endpoint.starts_with("http://");
            if !(plain || endpoint.starts_with("https://")) {
                return Err(SettingsError::Invalid {
                    key: "MOTCUA_S3_ENDPOINT",
                    message: "expected an http(s) URL".to_owned(),
                });
            }
            if plain && !self.s3_allow_http {
                return Err(SettingsError::Invalid {
                    key: "MOTCUA_S3_ENDPOINT",
                    message: "plain http sends the files unencrypted: use https, or set MOTCUA_S3_ALLOW_HTTP=true"
                        .to_owned(),
                });
            }
        }
        match (&self.s3_access_key_id, &self.s3_secret_access_key) {
            (Some(_), None) => Err(SettingsError::Invalid {
                key: "MOTCUA_S3_SECRET_ACCESS_KEY",
                message: "must be set with MOTCUA_S3_ACCESS_KEY_ID".to_owned(),
            }),
            (None, Some(_)) => Err(SettingsError::Invalid {
                key: "MOTCUA_S3_ACCESS_KEY_ID",
                message: "must be set with MOTCUA_S3_SECRET_ACCESS_KEY".to_owned(),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3(url: &str) -> Settings {
        let mut settings = Settings::with_database("sqlite://motcua.db?mode=rwc");
        settings.object_store_url = Some(url.to_owned());
        settings
    }

    fn invalid_key(result: Result<Settings, SettingsError>) -> &'static str {
        match result {
            Err(SettingsError::Invalid { key, .. }) => key,
            other => panic!("expected an invalid setting, got {other:?}"),
        }
    }

    #[test]
    fn the_lookup_cache_lives_a_second_on_sqlite_and_a_minute_on_postgresql_unless_set() {
        let sqlite = Settings::with_database("sqlite://motcua.db?mode=rwc");
        assert_eq!(sqlite.lookup_cache_life(), std::time::Duration::from_secs(1));
        let mut postgres = Settings::with_database("postgres://motcua@db/motcua");
        assert_eq!(postgres.lookup_cache_life(), std::time::Duration::from_secs(60));
        postgres.lookup_cache_ms = Some(250);
        assert_eq!(postgres.lookup_cache_life(), std::time::Duration::from_millis(250));
    }

    #[test]
    fn a_postgresql_pool_of_one_is_refused_while_a_connection_listens_for_the_caches() {
        let mut postgres = Settings::with_database("postgres://motcua@db/motcua");
        postgres.db_max_connections = 1;
        assert_eq!(invalid_key(postgres.clone().validate()), "MOTCUA_DB_MAX_CONNECTIONS");
        postgres.lookup_cache_ms = Some(0);
        assert_eq!(invalid_key(postgres.clone().validate()), "MOTCUA_DB_MAX_CONNECTIONS", "the catalogue's cache");
        postgres.catalogue_cache_ms = 0;
        assert!(postgres.validate().is_ok(), "no listener without the caches");
        let mut sqlite = Settings::with_database("sqlite://motcua.db?mode=rwc");
        sqlite.db_max_connections = 1;
        assert!(sqlite.validate().is_ok(), "nothing listens on SQLite");
    }

    #[test]
    fn the_local_directory_stays_the_default_and_blank_s3_values_are_unset() {
        let mut settings = Settings::with_database("sqlite://motcua.db?mode=rwc");
        settings.object_store_url = Some("  ".to_owned());
        settings.s3_access_key_id = Some(String::new());
        let settings = settings.validate().unwrap();
        assert_eq!(settings.object_store_url, None);
        assert_eq!(settings.s3_access_key_id, None);
    }

    #[test]
    fn an_s3_store_needs_a_valid_url_an_https_endpoint_and_a_whole_key() {
        assert_eq!(invalid_key(s3("minio://bucket").validate()), "MOTCUA_OBJECT_STORE_URL");
        assert_eq!(invalid_key(s3("s3://Bucket_1").validate()), "MOTCUA_OBJECT_STORE_URL");

        let mut plain = s3("s3://motcua-files/prod");
        plain.s3_endpoint = Some("http://127.0.0.1:9000".to_owned());
        assert_eq!(invalid_key(plain.clone().validate()), "MOTCUA_S3_ENDPOINT");
        plain.s3_allow_http = true;
        assert!(plain.validate().is_ok());

        let mut endpoint = s3("s3://motcua-files");
        endpoint.s3_endpoint = Some("minio.tinh.gov.vn:9000".to_owned());
        assert_eq!(invalid_key(endpoint.validate()), "MOTCUA_S3_ENDPOINT");

        let mut half_key = s3("s3://motcua-files");
        half_key.s3_access_key_id = Some("AKIA".to_owned());
        assert_eq!(invalid_key(half_key.clone().validate()), "MOTCUA_S3_SECRET_ACCESS_KEY");
        half_key.s3_secret_access_key = Some(SecretString::from("s"));
        assert!(half_key.validate().is_ok());
    }
}
