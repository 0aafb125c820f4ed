//! Catalogue endpoints: agencies (public list and read, admin create and update).

use actix_web::{get, post, put, web, HttpResponse};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::domain::AgencyLevel;
use super::error::CatalogError;
use super::service::{self, Agency};
use crate::calendar::domain::OfficeHours;
use crate::domain_types::AgencyCode;
use crate::error::{ApiError, ProblemDetails};
use crate::http::json::Json;
use crate::http::pagination::{Page, PageQuery, Paginated};
use crate::identity::error::IdentityError;
use crate::identity::extract::ProvinceAdminCaller;
use crate::startup::AppState;

/// Registers the catalogue routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_agencies).service(get_agency).service(create_agency).service(update_agency);
    super::procedure_http::routes(cfg);
}

/// An agency (cơ quan / đơn vị).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "000.17.22.H56", "name": "UBND xã Đông Sơn (demo)", "level": "commune",
    "parent_code": "000.00.00.H56", "valid_from": null, "valid_to": null,
    "office_hours": [["07:30:00", "11:30:00"], ["13:30:00", "17:00:00"]]
}))]
pub struct AgencyResponse {
    /// QCVN 102:2016 identifier, e.g. `000.00.14.H56`.
    pub code: String,
    /// Name.
    pub name: String,
    /// `province`, `district` (history) or `commune`.
    pub level: AgencyLevel,
    /// Parent agency code.
    pub parent_code: Option<String>,
    /// First day of validity.
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity (mergers close agencies).
    pub valid_to: Option<NaiveDate>,
    /// Daily office sessions of the desk, `[["07:30:00", "11:30:00"], …]` (the default commune
    /// schedule when the agency has none of its own).
    #[schema(value_type = Vec<Vec<String>>)]
    pub office_hours: Vec<(NaiveTime, NaiveTime)>,
}

impl From<Agency> for AgencyResponse {
    fn from(a: Agency) -> Self {
        Self {
            code: a.code,
            name: a.name,
            level: a.level,
            parent_code: a.parent_code,
            valid_from: a.valid_from,
            valid_to: a.valid_to,
            office_hours: a.office_hours.unwrap_or_default().sessions,
        }
    }
}

/// An agency to create or replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "000.20.22.H56", "name": "UBND xã Quảng Phú", "level": "commune", "parent_code": "000.00.00.H56",
    "valid_from": "2025-07-01"
}))]
pub struct AgencyRequest {
    /// QCVN 102:2016 identifier (create only; ignored on update, where the path names it).
    #[serde(default)]
    pub code: Option<AgencyCode>,
    /// Name, 1–300 characters.
    pub name: String,
    /// Level.
    pub level: AgencyLevel,
    /// Parent agency code.
    #[serde(default)]
    pub parent_code: Option<AgencyCode>,
    /// First day of validity.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity.
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// Office sessions, `{"sessions": [["07:00", "11:30"], ["13:00", "16:30"]]}`; default schedule when omitted.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub office_hours: Option<OfficeHours>,
}

fn agency_from(code: AgencyCode, b: AgencyRequest) -> Result<Agency, ApiError> {
    let name = b.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 300 {
        return Err(IdentityError::Invalid(crate::domain_types::Invalid::new("name", "1–300 characters")).into());
    }
    Ok(Agency {
        code: code.as_str().to_owned(),
        name,
        level: b.level,
        parent_code: b.parent_code.map(|c| c.as_str().to_owned()),
        valid_from: b.valid_from,
        valid_to: b.valid_to,
        office_hours: b.office_hours,
    })
}

/// Agency list filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AgencyQuery {
    /// Only this level.
    pub level: Option<AgencyLevel>,
    /// Only children of this agency.
    pub parent: Option<String>,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Items per page, 1–100.
    pub per_page: Option<u64>,
}

/// Lists agencies.
#[utoipa::path(tag = "catalog", operation_id = "list_agencies", security(()), params(AgencyQuery),
    responses(
        (status = 200, description = "A page of agencies", body = Paginated<AgencyResponse>),
        (status = 400, description = "Invalid filter", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/agencies")]
async fn list_agencies(state: web::Data<AppState>, query: web::Query<AgencyQuery>) -> Result<HttpResponse, ApiError> {
    let page = Page::try_from(PageQuery { page: query.page, per_page: query.per_page })?;
    let (items, total) = service::list_agencies(&state.db, query.level, query.parent.as_deref(), page).await?;
    Ok(HttpResponse::Ok().json(Paginated::<AgencyResponse>::new(items, page, total)))
}

/// Reads one agency.
#[utoipa::path(tag = "catalog", operation_id = "get_agency", security(()), params(("code" = String, Path, description = "Agency code")),
    responses(
        (status = 200, description = "The agency", body = AgencyResponse),
        (status = 404, description = "No such agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[get("/agencies/{code}")]
async fn get_agency(state: web::Data<AppState>, code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    let agency = service::find_agency(&state.db, &code).await?.ok_or(CatalogError::AgencyNotFound(code))?;
    Ok(HttpResponse::Ok().json(AgencyResponse::from(agency)))
}

/// Registers an agency (province-wide admins only).
#[utoipa::path(tag = "admin", operation_id = "create_agency", request_body = AgencyRequest, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = AgencyResponse),
        (status = 400, description = "Invalid field or unknown parent", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a province-wide admin", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Code already used", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[post("/admin/agencies")]
async fn create_agency(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    body: Json<AgencyRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut b = body.into_inner();
    let code = b.code.take().ok_or_else(|| {
        ApiError::from(IdentityError::Invalid(crate::domain_types::Invalid::new("code", "the agency code is required")))
    })?;
    let created = service::create_agency(&state.db, agency_from(code, b)?).await;
    // Whatever the outcome: a failed write changed nothing, and forgetting costs one read.
    state.indicator_catalogue.invalidate();
    let agency = created?;
    Ok(HttpResponse::Created().json(AgencyResponse::from(agency)))
}

/// Replaces an agency's name, level, parent and validity (province-wide admins only).
#[utoipa::path(tag = "admin", operation_id = "update_agency", request_body = AgencyRequest, security(("bearer" = [])),
    params(("code" = String, Path, description = "Agency code")),
    responses(
        (status = 200, description = "Updated", body = AgencyResponse),
        (status = 404, description = "No such agency", body = ProblemDetails, content_type = "application/problem+json"),
    ))]
#[put("/admin/agencies/{code}")]
async fn update_agency(
    state: web::Data<AppState>,
    _admin: ProvinceAdminCaller,
    code: web::Path<String>,
    body: Json<AgencyRequest>,
) -> Result<HttpResponse, ApiError> {
    let code = AgencyCode::try_from(code.into_inner())
        .map_err(|_| CatalogError::AgencyNotFound("(invalid code)".to_owned()))?;
    let updated = service::update_agency(&state.db, agency_from(code, body.into_inner())?).await;
    state.indicator_catalogue.invalidate();
    let agency = updated?;
    Ok(HttpResponse::Ok().json(AgencyResponse::from(agency)))
}
