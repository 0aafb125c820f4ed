//! Access tokens (HS256 JWT with a `kid`, algorithm pinned) and opaque secrets (refresh tokens,
//! verification links, client secrets) that are stored only as SHA-256 hashes.

use std::collections::HashMap;
use std::sync::RwLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::domain::{AccessClaims, PrincipalKind, Scopes, ACCESS_TOKEN_TTL, TOKEN_AUDIENCE, TOKEN_ISSUER};
use super::error::IdentityError;

/// A signing key as loaded from storage.
#[derive(Clone)]
pub struct SigningKey {
    /// Key id, sent in the JWT header.
    pub kid: String,
    /// The HMAC secret.
    pub secret: Vec<u8>,
    /// After this instant the key no longer verifies; `None` for the current signing key.
    pub retire_at: Option<DateTime<Utc>>,
}

/// The keys this process signs and verifies with; refreshed from storage by the service.
pub struct KeyRing {
    inner: RwLock<Keys>,
}

struct Keys {
    signing: SigningKey,
    verifying: HashMap<String, SigningKey>,
    loaded_at: DateTime<Utc>,
}

impl KeyRing {
    /// A ring from the stored keys: the newest key without `retire_at` signs.
    ///
    /// # Errors
    /// When no key is active.
    pub fn new(keys: Vec<SigningKey>, now: DateTime<Utc>) -> anyhow::Result<Self> {
        Ok(Self { inner: RwLock::new(Keys::build(keys, now)?) })
    }

    /// Replaces the keys (after a rotation or a periodic reload).
    ///
    /// # Errors
    /// When no key is active.
    pub fn replace(&self, keys: Vec<SigningKey>, now: DateTime<Utc>) -> anyhow::Result<()> {
        let built = Keys::build(keys, now)?;
        let mut guard = self.inner.write().map_err(|_| anyhow::anyhow!("key ring lock poisoned"))?;
        *guard = built;
        Ok(())
    }

    /// When the keys were last loaded.
    pub fn loaded_at(&self) -> Option<DateTime<Utc>> {
        self.inner.read().ok().map(|k| k.loaded_at)
    }

    /// Whether a key id is known.
    pub fn knows(&self, kid: &str) -> bool {
        self.inner.read().is_ok_and(|k| k.verifying.contains_key(kid))
    }

    /// Issues an access token for a principal.
    ///
    /// # Errors
    /// When signing fails.
    pub fn issue(
        &self,
        sub: Uuid,
        kind: PrincipalKind,
        scope: Option<&Scopes>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let keys = self.inner.read().map_err(|_| anyhow::anyhow!("key ring lock poisoned"))?;
        let claims = AccessClaims {
            iss: TOKEN_ISSUER.to_owned(),
            aud: TOKEN_AUDIENCE.to_owned(),
            sub,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: (now + ACCESS_TOKEN_TTL).timestamp(),
            jti: Uuid::now_v7(),
            kind,
            scope: scope.map(Scopes::to_space_separated),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(keys.signing.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&keys.signing.secret))?)
    }

    /// Verifies an access token: HS256 only (so `alg: none` and algorithm confusion fail), a known
    /// and unretired `kid`, signature, `exp`, `nbf`, `iss` and `aud`.
    ///
    /// # Errors
    /// [`IdentityError::TokenInvalid`] saying why.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, IdentityError> {
        let invalid = |why: &str| IdentityError::TokenInvalid(why.to_owned());
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed token"))?;
        if header.alg != Algorithm::HS256 {
            return Err(invalid("unexpected signing algorithm"));
        }
        let kid = header.kid.ok_or_else(|| invalid("missing key id"))?;
        let keys = self.inner.read().map_err(|_| invalid("key ring unavailable"))?;
        let key = keys.verifying.get(&kid).ok_or_else(|| invalid("unknown key id"))?;
        if key.retire_at.is_some_and(|at| at <= now) {
            return Err(invalid("the signing key has been retired"));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[TOKEN_ISSUER]);
        validation.set_audience(&[TOKEN_AUDIENCE]);
        // Time checks are done below against `now`, the caller's clock, so they are testable.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims = ["exp", "nbf", "iss", "aud", "sub"].iter().map(|s| (*s).to_owned()).collect();
        let data = jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_secret(&key.secret), &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                match e.kind() {
                    K::InvalidAudience => invalid("the token is not meant for this API"),
                    K::InvalidIssuer => invalid("the token was not issued by motcua"),
                    K::InvalidSignature => invalid("bad signature"),
                    _ => invalid("the token could not be verified"),
                }
            })?;
        let (now, leeway) = (now.timestamp(), 5);
        if data.claims.exp + leeway <= now {
            return Err(invalid("the token has expired"));
        }
        if data.claims.nbf - leeway > now {
            return Err(invalid("the token is not valid yet"));
        }
        Ok(data.claims)
    }
}

impl Keys {
    fn build(keys: Vec<SigningKey>, now: DateTime<Utc>) -> anyhow::Result<Self> {
        let signing = keys
            .iter()
            .rfind(|k| k.retire_at.is_none())
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no active signing key"))?;
        let verifying =
            keys.into_iter().filter(|k| k.retire_at.is_none_or(|at| at > now)).map(|k| (k.kid.clone(), k)).collect();
        Ok(Self { signing, verifying, loaded_at: now })
    }
}

/// A new random secret (256 bits), URL-safe base64.
pub fn random_secret() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// SHA-256 of a secret, hex: how opaque secrets are stored and looked up. High-entropy random
/// secrets need no slow hash (unlike passwords).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Key id for a configured secret: derived from it, so every replica with the same secret agrees.
pub fn kid_for(secret: &[u8]) -> String {
    format!("k-{}", &hex::encode(Sha256::digest(secret))[..16])
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn key(kid: &str, secret: &[u8], retire_at: Option<DateTime<Utc>>) -> SigningKey {
        SigningKey { kid: kid.to_owned(), secret: secret.to_vec(), retire_at }
    }

    fn forge(header: &str, claims: &serde_json::Value, sig: &str) -> String {
        format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims.to_string()), sig)
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let now = Utc::now();
        let ring = KeyRing::new(vec![key("a", b"0123456789abcdef0123456789abcdef", None)], now).unwrap();
        let token = ring.issue(Uuid::now_v7(), PrincipalKind::Citizen, None, now).unwrap();
        assert!(ring.verify(&token, now).is_ok());
        let late = ring.verify(&token, now + Duration::minutes(16)).unwrap_err();
        assert!(late.to_string().contains("expired"), "{late}");
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let now = Utc::now();
        let ring = KeyRing::new(vec![key("a", b"0123456789abcdef0123456789abcdef", None)], now).unwrap();
        let claims = serde_json::json!({"iss": "motcua", "aud": "motcua-api", "sub": Uuid::now_v7(),
            "iat": now.timestamp(), "nbf": now.timestamp(), "exp": now.timestamp() + 60, "jti": Uuid::now_v7(), "kind": "staff"});
        for header in [r#"{"alg":"none","kid":"a"}"#, r#"{"alg":"HS512","kid":"a"}"#, r#"{"alg":"RS256","kid":"a"}"#] {
            assert!(ring.verify(&forge(header, &claims, ""), now).is_err(), "{header}");
        }
    }

    #[test]
    fn a_retired_key_still_verifies_until_its_retirement() {
        let now = Utc::now();
        let old = KeyRing::new(vec![key("old", b"old-secret-old-secret-old-secret", None)], now).unwrap();
        let token = old.issue(Uuid::now_v7(), PrincipalKind::Staff, None, now).unwrap();
        let rotated = KeyRing::new(
            vec![
                key("old", b"old-secret-old-secret-old-secret", Some(now + Duration::minutes(15))),
                key("new", b"new-secret-new-secret-new-secret", None),
            ],
            now,
        )
        .unwrap();
        assert!(rotated.verify(&token, now + Duration::minutes(1)).is_ok());
        let fresh = rotated.issue(Uuid::now_v7(), PrincipalKind::Staff, None, now).unwrap();
        assert_eq!(jsonwebtoken::decode_header(&fresh).unwrap().kid.as_deref(), Some("new"));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let now = Utc::now();
        let ring = KeyRing::new(vec![key("a", b"0123456789abcdef0123456789abcdef", None)], now).unwrap();
        let impostor = KeyRing::new(vec![key("a", b"ffffffffffffffffffffffffffffffff", None)], now).unwrap();
        let token = impostor.issue(Uuid::now_v7(), PrincipalKind::Staff, None, now).unwrap();
        assert!(ring.verify(&token, now).is_err());
    }
}
