//! File storage through the `object_store` crate (DESIGN.md §2): a local directory,
//! `$MOTCUA_DATA_DIR/objects`, by default; an S3-compatible bucket (AWS S3, MinIO, Ceph…) when
//! `MOTCUA_OBJECT_STORE_URL=s3://bucket/prefix`. Content is addressed by its SHA-256, computed by
//! the server, so identical files are stored once.
//!
//! # Implementation Notes
//! The S3 client is `object_store`'s own (reqwest 0.13 over rustls). It is built with the ring
//! crypto provider, the one rustls already uses in this binary, instead of the `aws` feature's
//! aws-lc-rs: one crypto library, no C/CMake build.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use anyhow::Context;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, RetryConfig};
use secrecy::ExposeSecret;

use crate::config::Settings;

/// How long the start-up check may wait for the object store to answer.
const STARTUP_CHECK_TIMEOUT: Duration = Duration::from_secs(15);
/// How long one storage operation may keep retrying: an upload should fail with a 500 rather
/// than hang for the client library's default three minutes.
const RETRY_TIMEOUT: Duration = Duration::from_secs(30);

/// A bucket and a key prefix inside it, from `s3://bucket/prefix`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket's name.
    pub bucket: String,
    /// Keys are stored under this prefix (no leading or trailing `/`); empty: the bucket's root.
    pub prefix: String,
}

/// Reads `s3://bucket` or `s3://bucket/some/prefix`.
///
/// # Errors
/// A human-readable reason when the URL is not of that form.
pub fn parse_s3_url(url: &str) -> Result<S3Location, String> {
    let rest = url.trim().strip_prefix("s3://").ok_or("expected s3://bucket or s3://bucket/prefix")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    // The rules S3 itself applies to new buckets (3–63 of a-z, 0-9, '.', '-'), so a typo such as
    // an upper-case letter or a stray ':' is caught at start, not at the first upload.
    let valid_bucket = (3..=63).contains(&bucket.len())
        && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !valid_bucket {
        return Err(format!("{bucket:?} is not a valid bucket name (3–63 of a-z, 0-9, '.', '-')"));
    }
    let prefix = prefix.trim_matches('/');
    if !prefix.is_empty() && ObjectPath::parse(prefix).is_err() {
        return Err(format!("{prefix:?} is not a valid key prefix (no empty, '.' or '..' segments)"));
    }
    Ok(S3Location { bucket: bucket.to_owned(), prefix: prefix.to_owned() })
}

/// An object being read: its size, and its content as it arrives from the store.
pub struct StoredObject {
    /// Size in bytes.
    pub size: u64,
    /// The content, chunk by chunk; an error ends it early.
    pub chunks: futures_util::stream::BoxStream<'static, Result<Bytes, object_store::Error>>,
}

/// Where attachments and result documents are kept. Cheap to clone.
#[derive(Clone, Debug)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
}

/// The storage key of content with this SHA-256 (64 lower-case hex digits):
/// `sha256/<first 2 hex>/<hex>`, so no directory grows too large.
pub fn content_key(sha256_hex: &str) -> String {
    let prefix = sha256_hex.get(..2).unwrap_or("00");
    format!("sha256/{prefix}/{sha256_hex}")
}

fn location(key: &str) -> anyhow::Result<ObjectPath> {
    ObjectPath::parse(key).with_context(|| format!("invalid storage key {key}"))
}

impl FileStore {
    /// The store the settings name: the S3-compatible bucket of `MOTCUA_OBJECT_STORE_URL`, or
    /// else the local directory under `MOTCUA_DATA_DIR`. Nothing is contacted yet: see
    /// [`FileStore::check`].
    ///
    /// # Errors
    /// When the settings do not make a usable store.
    pub fn open(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.object_store_url {
            Some(url) => Self::s3(url, settings),
            None => Self::local(&settings.data_dir),
        }
    }

    /// An S3-compatible bucket. Credentials: `MOTCUA_S3_ACCESS_KEY_ID` and
    /// `MOTCUA_S3_SECRET_ACCESS_KEY` when set, else what the standard `AWS_*` variables, a web
    /// identity token or the instance's role provide.
    fn s3(url: &str, settings: &Settings) -> anyhow::Result<Self> {
        let location = parse_s3_url(url).map_err(|e| anyhow::anyhow!("MOTCUA_OBJECT_STORE_URL: {e}"))?;
        // reqwest is built without a bundled crypto provider (see Cargo.toml); an Err only means
        // one is installed already, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let retry = RetryConfig { retry_timeout: RETRY_TIMEOUT, ..RetryConfig::default() };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&location.bucket)
            .with_allow_http(settings.s3_allow_http)
            .with_retry(retry);
        if let Some(endpoint) = &settings.s3_endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &settings.s3_region {
            builder = builder.with_region(region);
        }
        if let (Some(key_id), Some(secret)) = (&settings.s3_access_key_id, &settings.s3_secret_access_key) {
            builder = builder.with_access_key_id(key_id).with_secret_access_key(secret.expose_secret());
        }
        let bucket = builder.build().with_context(|| format!("configure the object store {url}"))?;
        let inner: Arc<dyn ObjectStore> = if location.prefix.is_empty() {
            Arc::new(bucket)
        } else {
            Arc::new(PrefixStore::new(bucket, location.prefix.as_str()))
        };
        tracing::info!(bucket = %location.bucket, prefix = %location.prefix, "object store: S3-compatible");
        Ok(Self { inner })
    }

    /// Writes and removes a small object, so that a wrong endpoint, bucket, credential or
    /// permission stops the start with its reason instead of failing the first upload. (A read
    /// would not do: S3 answers a HEAD in a missing bucket with the same 404 as a missing key.)
    ///
    /// # Errors
    /// When the store does not answer in time or refuses the write.
    pub async fn check(&self) -> anyhow::Result<()> {
        let probe = location("motcua-startup-check")?;
        let write_and_remove = async {
            self.inner.put(&probe, Bytes::from_static(b"motcua").into()).await?;
            match self.inner.delete(&probe).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        };
        match tokio::time::timeout(STARTUP_CHECK_TIMEOUT, write_and_remove).await {
            Err(_) => anyhow::bail!("the object store did not answer within {STARTUP_CHECK_TIMEOUT:?}"),
            Ok(result) => result.context("the object store refused to store a test object"),
        }
    }

    /// A store rooted at `<data_dir>/objects`, created if missing.
    ///
    /// # Errors
    /// When the directory cannot be created or opened.
    pub fn local(data_dir: &Path) -> anyhow::Result<Self> {
        let root = data_dir.join("objects");
        std::fs::create_dir_all(&root).with_context(|| format!("create the object directory {}", root.display()))?;
        let store = LocalFileSystem::new_with_prefix(&root)
            .with_context(|| format!("open the object directory {}", root.display()))?;
        Ok(Self { inner: Arc::new(store) })
    }

    /// Stores `bytes` under `key`, replacing what was there.
    ///
    /// # Errors
    /// On storage failure.
    pub async fn put(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        self.inner.put(&location(key)?, bytes.into()).await.with_context(|| format!("store object {key}"))?;
        Ok(())
    }

    /// The bytes under `key`; `None` when there are none.
    ///
    /// # Errors
    /// On storage failure.
    pub async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        match self.inner.get(&location(key)?).await {
            Ok(found) => Ok(Some(found.bytes().await.with_context(|| format!("read object {key}"))?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(anyhow::Error::new(e).context(format!("open object {key}"))),
        }
    }

    /// The object under `key`, to be streamed to a client without holding it whole in memory;
    /// `None` when there is none.
    ///
    /// # Errors
    /// On storage failure.
    pub async fn open_read(&self, key: &str) -> anyhow::Result<Option<StoredObject>> {
        match self.inner.get(&location(key)?).await {
            Ok(found) => {
                let size = found.range.end.saturating_sub(found.range.start);
                Ok(Some(StoredObject { size, chunks: found.into_stream() }))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(anyhow::Error::new(e).context(format!("open object {key}"))),
        }
    }

    /// Removes the object under `key`; removing a missing object is not an error.
    ///
    /// # Errors
    /// On storage failure.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.inner.delete(&location(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(anyhow::Error::new(e).context(format!("delete object {key}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_name_a_bucket_and_an_optional_prefix() {
        assert_eq!(
            parse_s3_url("s3://motcua-files"),
            Ok(S3Location { bucket: "motcua-files".to_owned(), prefix: String::new() })
        );
        assert_eq!(
            parse_s3_url("s3://motcua.files/prod/tinh/"),
            Ok(S3Location { bucket: "motcua.files".to_owned(), prefix: "prod/tinh".to_owned() })
        );
        for bad in
            ["motcua-files", "https://s3.example/b", "s3://", "s3://ab", "s3://Motcua", "s3://-b-", "s3://b:9000/x"]
        {
            assert!(parse_s3_url(bad).is_err(), "{bad} accepted");
        }
        assert!(parse_s3_url("s3://bucket/a//b").is_err());
        assert!(parse_s3_url("s3://bucket/a/../b").is_err());
    }

    #[test]
    fn content_keys_fan_out_by_the_first_two_hex_digits() {
        assert_eq!(content_key("abcdef"), "sha256/ab/abcdef");
    }

    #[tokio::test]
    async fn put_get_and_delete_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::local(dir.path()).unwrap();
        let key = content_key(&"a1".repeat(32));
        store.put(&key, Bytes::from_static(b"%PDF-1.4")).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap().as_deref(), Some(&b"%PDF-1.4"[..]));
        let opened = store.open_read(&key).await.unwrap().unwrap();
        assert_eq!(opened.size, 8);
        let chunks: Vec<Bytes> = futures_util::TryStreamExt::try_collect(opened.chunks).await.unwrap();
        assert_eq!(chunks.concat(), b"%PDF-1.4");
        store.delete(&key).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), None);
        assert!(store.open_read(&key).await.unwrap().is_none());
        store.delete(&key).await.unwrap();
    }
}
