//! Identity rules without I/O: who a caller is, token claims, scopes and throttling limits.

use std::collections::BTreeSet;

use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain_types::{Invalid, Role};

/// Issuer (`iss`) of our access tokens.
pub const TOKEN_ISSUER: &str = "motcua";
/// Audience (`aud`) of our access tokens.
pub const TOKEN_AUDIENCE: &str = "motcua-api";
/// Access tokens live 15 minutes at most.
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);
/// A refresh token (one sign-in family) lives 30 days unless rotated or revoked.
pub const REFRESH_TOKEN_TTL: Duration = Duration::days(30);
/// An e-mail verification link is valid for 24 hours.
pub const VERIFICATION_TTL: Duration = Duration::hours(24);
/// Version of the privacy notice a citizen consents to at registration (ND 13/2023 Điều 11, 13).
pub const PRIVACY_NOTICE_VERSION: &str = "2026-01";

/// Failed sign-ins allowed per account name within [`THROTTLE_WINDOW`] before it is locked.
pub const ACCOUNT_FAILURE_LIMIT: i32 = 5;
/// Failed sign-ins allowed per client address within [`THROTTLE_WINDOW`].
pub const ADDRESS_FAILURE_LIMIT: i32 = 20;
/// Window in which failures are counted.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// How long a lockout lasts.
pub const LOCKOUT: Duration = Duration::minutes(15);

/// What kind of principal an account or token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// A citizen or business representative.
    Citizen,
    /// One-stop desk staff (clerk, specialist, leader, admin).
    Staff,
    /// Another system (national portal…) using client credentials.
    Client,
}

impl PrincipalKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Staff => "staff",
            Self::Client => "client",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "citizen" => Some(Self::Citizen),
            "staff" => Some(Self::Staff),
            "client" => Some(Self::Client),
            _ => None,
        }
    }
}

/// Claims of an access token (RFC 7519). Roles and agency are not in the token: they are read
/// fresh on every request, so a change or a deactivation applies at once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Account id, or API client id.
    pub sub: Uuid,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires at.
    pub exp: i64,
    /// Token id.
    pub jti: Uuid,
    /// Principal kind.
    pub kind: PrincipalKind,
    /// Space-separated scopes (API clients only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Scopes an API client may be granted.
pub const KNOWN_SCOPES: [(&str, &str); 3] = [
    ("dossiers:intake", "file dossiers received on the national portal"),
    ("dossiers:read", "read dossiers and their status"),
    ("indicators:read", "read the 766 indicators"),
];

/// A validated, de-duplicated set of scopes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(BTreeSet<String>);

impl Scopes {
    /// Parses scope names, refusing unknown ones.
    ///
    /// # Errors
    /// [`Invalid`] on `field` naming the first unknown scope.
    pub fn parse<'a>(field: &str, names: impl IntoIterator<Item = &'a str>) -> Result<Self, Invalid> {
        let mut set = BTreeSet::new();
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            if !KNOWN_SCOPES.iter().any(|(known, _)| *known == name) {
                return Err(Invalid::new(field, format!("unknown scope {name:?}")));
            }
            set.insert(name.to_owned());
        }
        Ok(Self(set))
    }

    /// Reads the stored space-separated form (already validated when stored).
    pub fn from_stored(stored: &str) -> Self {
        Self(stored.split_whitespace().map(str::to_owned).collect())
    }

    /// Space-separated, as in OAuth 2.0 (RFC 6749 §3.3).
    pub fn to_space_separated(&self) -> String {
        self.0.iter().cloned().collect::<Vec<_>>().join(" ")
    }

    /// Whether `scope` is in the set.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    /// Whether every scope of `self` is in `granted`.
    pub fn is_subset(&self, granted: &Scopes) -> bool {
        self.0.is_subset(&granted.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scope names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().cloned().collect()
    }
}

/// Parses stored roles (`clerk,leader`), ignoring anything unknown.
pub fn parse_roles(stored: &str) -> Vec<Role> {
    stored.split(',').filter_map(|r| r.parse().ok()).collect()
}

/// Stores roles as a comma-separated, de-duplicated list.
pub fn store_roles(roles: &[Role]) -> String {
    let set: BTreeSet<&str> = roles.iter().map(|r| r.as_str()).collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

/// The state of a throttle counter after one more failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    /// Failures in the current window.
    pub failures: i32,
    /// Start of the current window.
    pub window_started_at: chrono::DateTime<chrono::Utc>,
    /// Set when the limit is reached.
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// Counts one more failure: a window older than [`THROTTLE_WINDOW`] starts over; reaching
/// `limit` locks for [`LOCKOUT`].
pub fn record_failure(
    previous: Option<ThrottleState>,
    limit: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> ThrottleState {
    let (failures, window_started_at) = match previous {
        Some(p) if now - p.window_started_at < THROTTLE_WINDOW => (p.failures + 1, p.window_started_at),
        _ => (1, now),
    };
    let locked_until = (failures >= limit).then(|| now + LOCKOUT);
    ThrottleState { failures, window_started_at, locked_until }
}

/// Seconds until a lock ends, if it is still in force.
pub fn retry_after(
    locked_until: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<u64> {
    locked_until.filter(|until| *until > now).map(|until| (until - now).num_seconds().max(1).unsigned_abs())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    #[test]
    fn the_fifth_failure_in_a_window_locks_the_account() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        let mut state = None;
        for i in 0..ACCOUNT_FAILURE_LIMIT {
            let next = record_failure(state, ACCOUNT_FAILURE_LIMIT, t0 + Duration::seconds(i.into()));
            assert_eq!(next.locked_until.is_some(), i + 1 == ACCOUNT_FAILURE_LIMIT);
            state = Some(next);
        }
        let locked = state.unwrap().locked_until;
        assert_eq!(retry_after(locked, t0 + Duration::seconds(4)), Some(900));
        assert_eq!(retry_after(locked, t0 + Duration::minutes(20)), None);
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        let first = record_failure(None, 5, t0);
        let much_later = record_failure(Some(ThrottleState { failures: 4, ..first }), 5, t0 + Duration::minutes(16));
        assert_eq!(much_later.failures, 1);
        assert_eq!(much_later.locked_until, None);
    }

    #[test]
    fn scopes_refuse_unknown_names_and_compare_as_sets() {
        assert!(Scopes::parse("scopes", ["dossiers:intake", "root"]).is_err());
        let granted = Scopes::parse("scopes", ["dossiers:intake", "dossiers:read"]).unwrap();
        let asked = Scopes::parse("scope", ["dossiers:read", "dossiers:read"]).unwrap();
        assert!(asked.is_subset(&granted));
        assert_eq!(granted.to_space_separated(), "dossiers:intake dossiers:read");
        assert_eq!(Scopes::from_stored("dossiers:intake dossiers:read"), granted);
    }

    #[test]
    fn roles_round_trip_through_storage_without_duplicates() {
        let stored = store_roles(&[Role::Leader, Role::Clerk, Role::Leader]);
        assert_eq!(stored, "clerk,leader");
        assert_eq!(parse_roles(&stored), vec![Role::Clerk, Role::Leader]);
    }
}
