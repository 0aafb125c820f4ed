//! File storage through the `object_store` crate (DESIGN.md §2): a local directory,
//! `$MOTCUA_DATA_DIR/objects`, by default. Content is addressed by its SHA-256, computed by the
//! server, so identical files are stored once.
//!
//! # Implementation Notes
//! Only the local filesystem backend is compiled in (the crate's default features); an
//! S3-compatible store needs `object_store`'s `aws` feature and a constructor here.

use std::path::Path;
use std::sync::Arc;

use actix_web::web::Bytes;
use anyhow::Context;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

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
        store.delete(&key).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), None);
        store.delete(&key).await.unwrap();
    }
}
