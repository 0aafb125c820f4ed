//! The one authorization layer: extractors that resolve the bearer token to a [`Principal`] and
//! check its kind, role or scope before the handler runs.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::domain::PrincipalKind;
use super::error::IdentityError;
use super::service::{self, Principal};
use crate::domain_types::Role;
use crate::error::ApiError;
use crate::startup::AppState;

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned()).filter(|t| !t.is_empty())
}

fn principal(req: &HttpRequest) -> Extracted<Principal> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let token = bearer(req);
    Box::pin(async move {
        let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
        let token = token.ok_or(IdentityError::Unauthenticated)?;
        Ok(service::authenticate(&state.db, &state.identity, &token).await?)
    })
}

fn require(req: &HttpRequest, check: fn(&Principal) -> bool) -> Extracted<Principal> {
    let fut = principal(req);
    Box::pin(async move {
        let p = fut.await?;
        if check(&p) {
            Ok(p)
        } else {
            Err(IdentityError::Forbidden.into())
        }
    })
}

macro_rules! caller_extractor {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        pub struct $name(pub Principal);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let fut = require(req, $check);
                Box::pin(async move { fut.await.map($name) })
            }
        }
    };
}

caller_extractor!(
    /// Any signed-in principal: citizen, staff or API client.
    Caller,
    |_| true
);
caller_extractor!(
    /// A signed-in citizen.
    CitizenCaller,
    |p| p.kind == PrincipalKind::Citizen
);
caller_extractor!(
    /// A signed-in staff member (any role).
    StaffCaller,
    |p| p.kind == PrincipalKind::Staff
);
caller_extractor!(
    /// A staff member with the `admin` role.
    AdminCaller,
    |p| p.has_role(Role::Admin)
);
caller_extractor!(
    /// A province-wide administrator (admin role, no agency): the catalogue, the calendar, the
    /// targets, API clients and signing keys reach every agency, so an agency's admin may not
    /// change them.
    ProvinceAdminCaller,
    |p| p.has_role(Role::Admin) && p.agency_code.is_none()
);
caller_extractor!(
    /// An API client (client-credentials token); check scopes with [`ClientCaller::require_scope`].
    ClientCaller,
    |p| p.kind == PrincipalKind::Client
);

impl StaffCaller {
    /// The staff member's agency, for what belongs to an agency's desk (its queue, its book).
    ///
    /// # Errors
    /// `desk_no_agency` (403) for province-wide staff, who have none.
    pub fn agency_code(&self) -> Result<String, ApiError> {
        self.0.agency_code.clone().ok_or_else(|| {
            ApiError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                "desk_no_agency",
                "this belongs to the staff of an agency; province-wide accounts have none",
            )
        })
    }
}

impl ClientCaller {
    /// Refuses the request unless the token carries `scope`.
    ///
    /// # Errors
    /// [`IdentityError::MissingScope`] as a 403 problem.
    pub fn require_scope(&self, scope: &'static str) -> Result<&Principal, ApiError> {
        if self.0.scopes.contains(scope) {
            Ok(&self.0)
        } else {
            Err(IdentityError::MissingScope(scope).into())
        }
    }
}
