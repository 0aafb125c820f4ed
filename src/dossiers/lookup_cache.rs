//! An in-process cache of the public status lookup, the busiest public endpoint (issue 9).
//!
//! The rules that keep it from ever answering with a state older than the last transition this
//! process acknowledged:
//! - only found dossiers are cached: an unknown code is never remembered, so a code issued later
//!   is found at once;
//! - every transition made through this process invalidates its dossier's entry after its
//!   transaction commits and before its answer leaves ([`LookupCache::invalidate`]);
//! - a lookup that read the database before an invalidation never stores what it read: it takes
//!   a [`Ticket`] before reading, and [`LookupCache::put`] refuses a ticket older than an
//!   invalidation of that code, older than a purge, or older than the time to live.
//!
//! Across replicas (DESIGN.md §2: nothing another replica needs is kept in memory): on PostgreSQL
//! every change of a coded dossier, whoever makes it, is announced by the database and forgotten
//! here as soon as it is heard ([`crate::announcements`]); while this process cannot hear the
//! announcements the cache is deaf ([`LookupCache::set_deaf`]) and serves nothing. An entry also
//! lives at most the time to live (`MOTCUA_LOOKUP_CACHE_MS`: by default one minute on PostgreSQL,
//! one second on SQLite, where nothing announces another process's writes). `0` turns the cache
//! off.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::workflow::domain::DossierState;

/// Entries kept at most; beyond, expired ones are dropped and, if that is not enough, all.
const MAX_ENTRIES: usize = 100_000;

/// What the public lookup shows of a dossier, with the secret that unlocks it and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupView {
    /// Dossier code.
    pub code: String,
    /// The lookup secret printed on the receipt.
    pub lookup_secret: String,
    /// State.
    pub state: DossierState,
    /// Agency.
    pub agency_code: String,
    /// When the desk received it.
    pub received_at: Option<DateTime<Utc>>,
    /// When the result is due.
    pub due_at: Option<DateTime<Utc>>,
    /// The dossier's version when read.
    pub version: i32,
}

/// Taken before reading the database for a missed lookup; see [`LookupCache::put`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    epoch: u64,
    at: Instant,
}

enum Slot {
    Cached { view: Arc<LookupView>, until: Instant },
    Invalidated { epoch: u64, until: Instant },
}

#[derive(Default)]
struct Inner {
    /// Bumped by every invalidation and purge.
    epoch: u64,
    /// Tickets older than this are refused (set by a purge, which forgets invalidations).
    floor: u64,
    /// Changes made elsewhere cannot be heard now: nothing is served or stored.
    deaf: bool,
    entries: HashMap<String, Slot>,
}

impl Inner {
    /// Forgets every entry and every invalidation; tickets taken before are refused.
    fn purge(&mut self) {
        self.entries.clear();
        self.epoch += 1;
        self.floor = self.epoch;
    }
}

/// See the module documentation.
pub struct LookupCache {
    ttl: Duration,
    inner: Mutex<Inner>,
}

impl LookupCache {
    /// A cache whose entries live `ttl`; a zero `ttl` caches nothing.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, inner: Mutex::default() }
    }

    /// Whether anything is cached at all (a zero time to live turns the cache off).
    pub fn is_on(&self) -> bool {
        !self.ttl.is_zero()
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The map is consistent after every statement: a panic elsewhere cannot corrupt it.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached view of `code`, if fresh.
    pub fn get(&self, code: &str) -> Option<Arc<LookupView>> {
        if self.ttl.is_zero() {
            return None;
        }
        let inner = self.inner();
        if inner.deaf {
            return None;
        }
        match inner.entries.get(code) {
            Some(Slot::Cached { view, until }) if Instant::now() < *until => Some(Arc::clone(view)),
            _ => None,
        }
    }

    /// Take before reading the database; hand to [`Self::put`] with what was read.
    pub fn ticket(&self) -> Ticket {
        Ticket { epoch: self.inner().epoch, at: Instant::now() }
    }

    /// Stores `view` as read under `ticket`, unless the code was invalidated (or the cache
    /// purged) since the ticket was taken, or the ticket is older than the time to live.
    pub fn put(&self, ticket: Ticket, view: Arc<LookupView>) {
        let now = Instant::now();
        if self.ttl.is_zero() || now.duration_since(ticket.at) >= self.ttl {
            return;
        }
        let mut inner = self.inner();
        if inner.deaf || ticket.epoch < inner.floor {
            return;
        }
        if let Some(Slot::Invalidated { epoch, until }) = inner.entries.get(&view.code) {
            if *epoch > ticket.epoch && now < *until {
                return;
            }
        }
        if inner.entries.len() >= MAX_ENTRIES && !inner.entries.contains_key(&view.code) {
            inner.entries.retain(|_, slot| match slot {
                Slot::Cached { until, .. } | Slot::Invalidated { until, .. } => now < *until,
            });
            if inner.entries.len() >= MAX_ENTRIES {
                inner.purge();
                return;
            }
        }
        let until = ticket.at + self.ttl;
        inner.entries.insert(view.code.clone(), Slot::Cached { view, until });
    }

    /// Forgets `code`: call after a transaction that changed its dossier commits, before
    /// answering. Lookups that read the database before this call will not store what they read.
    pub fn invalidate(&self, code: &str) {
        if self.ttl.is_zero() {
            return;
        }
        let mut inner = self.inner();
        inner.epoch += 1;
        let slot = Slot::Invalidated { epoch: inner.epoch, until: Instant::now() + self.ttl };
        inner.entries.insert(code.to_owned(), slot);
    }

    /// While `deaf`, changes made by other processes cannot be heard: everything cached is
    /// forgotten, and nothing is served or stored until hearing again. Lookups read before
    /// hearing again are not stored either (their tickets are refused).
    pub fn set_deaf(&self, deaf: bool) {
        let mut inner = self.inner();
        inner.purge();
        inner.deaf = deaf;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(code: &str, state: DossierState, version: i32) -> Arc<LookupView> {
        Arc::new(LookupView {
            code: code.to_owned(),
            lookup_secret: "ABCDEF".to_owned(),
            state,
            agency_code: "H25".to_owned(),
            received_at: None,
            due_at: None,
            version,
        })
    }

    #[test]
    fn a_stored_view_is_served_until_its_code_is_invalidated() {
        let cache = LookupCache::new(Duration::from_secs(60));
        assert!(cache.get("H25-260101-0001").is_none());
        cache.put(cache.ticket(), view("H25-260101-0001", DossierState::Submitted, 2));
        assert_eq!(cache.get("H25-260101-0001").map(|v| v.version), Some(2));
        cache.invalidate("H25-260101-0001");
        assert!(cache.get("H25-260101-0001").is_none());
        cache.put(cache.ticket(), view("H25-260101-0001", DossierState::Received, 3));
        assert_eq!(cache.get("H25-260101-0001").map(|v| v.state), Some(DossierState::Received));
    }

    #[test]
    fn a_view_read_before_an_invalidation_is_never_stored() {
        // A lookup reads the old state, a transition commits and invalidates, then the lookup
        // tries to store what it read: it must be refused.
        let cache = LookupCache::new(Duration::from_secs(60));
        let before = cache.ticket();
        cache.invalidate("H25-260101-0001");
        cache.put(before, view("H25-260101-0001", DossierState::Submitted, 2));
        assert!(cache.get("H25-260101-0001").is_none());
        // Other codes are not affected by that invalidation.
        cache.put(before, view("H25-260101-0002", DossierState::Submitted, 2));
        assert!(cache.get("H25-260101-0002").is_some());
    }

    #[test]
    fn entries_expire_and_an_old_ticket_is_refused() {
        let cache = LookupCache::new(Duration::from_millis(30));
        let old = cache.ticket();
        cache.put(cache.ticket(), view("H25-260101-0001", DossierState::Submitted, 2));
        assert!(cache.get("H25-260101-0001").is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get("H25-260101-0001").is_none(), "expired");
        cache.put(old, view("H25-260101-0001", DossierState::Submitted, 2));
        assert!(cache.get("H25-260101-0001").is_none(), "a ticket older than the time to live");
    }

    #[test]
    fn a_deaf_cache_serves_and_stores_nothing_and_forgets_what_it_had() {
        let cache = LookupCache::new(Duration::from_secs(60));
        cache.put(cache.ticket(), view("H25-260101-0001", DossierState::Submitted, 2));
        let read_while_deaf = {
            cache.set_deaf(true);
            cache.ticket()
        };
        assert!(cache.get("H25-260101-0001").is_none(), "forgotten when the announcements stop");
        cache.put(cache.ticket(), view("H25-260101-0002", DossierState::Submitted, 2));
        assert!(cache.get("H25-260101-0002").is_none(), "nothing stored while deaf");
        cache.set_deaf(false);
        cache.put(read_while_deaf, view("H25-260101-0003", DossierState::Submitted, 2));
        assert!(cache.get("H25-260101-0003").is_none(), "a view read while deaf is not stored after");
        cache.put(cache.ticket(), view("H25-260101-0003", DossierState::Submitted, 2));
        assert!(cache.get("H25-260101-0003").is_some(), "hearing again, it caches again");
    }

    #[test]
    fn a_zero_time_to_live_caches_nothing() {
        let cache = LookupCache::new(Duration::ZERO);
        cache.put(cache.ticket(), view("H25-260101-0001", DossierState::Submitted, 2));
        assert!(cache.get("H25-260101-0001").is_none());
    }
}
