//! The agencies' own DOCX templates of the official forms: which template prints a form, and
//! uploading, downloading and removing an agency's template.
//!
//! # Implementation Notes
//! Templates are kept in the database (`form_templates`), not the object store: each is small
//! (at most [`MAX_TEMPLATE_BYTES`]), is configuration every replica must see at once, belongs to
//! its agency row, and is replaced or removed together with its fingerprint in one statement,
//! so there is no orphaned file to clean up and backups of the database carry them.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::docx::{check_template, fill, FormValues, MAX_TEMPLATE_BYTES};
use super::error::FormsError;
use super::placeholders::OfficialForm;
use super::store::{self, NewTemplate};
use super::templates::default_template;
use crate::catalog::service as catalog;
use crate::domain_types::Role;
use crate::identity::service::Principal;

/// Where a template comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateSource {
    /// The agency uploaded it.
    Agency,
    /// The national template built into the service.
    Default,
}

impl TemplateSource {
    /// As in the `X-Template-Source` header and the list.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::Default => "default",
        }
    }
}

/// One form's template of an agency, without the bytes.
#[derive(Debug, Clone)]
pub struct TemplateSummary {
    pub form: OfficialForm,
    pub source: TemplateSource,
    /// The agency's template: its fingerprint, size, uploader and time.
    pub sha256: Option<String>,
    pub size: Option<i64>,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_at: Option<DateTime<Utc>>,
}

impl TemplateSummary {
    fn default_of(form: OfficialForm) -> Self {
        Self { form, source: TemplateSource::Default, sha256: None, size: None, uploaded_by: None, uploaded_at: None }
    }
}

fn unexpected(what: &str, e: impl std::fmt::Display) -> FormsError {
    FormsError::Unexpected(anyhow::anyhow!("{what}: {e}"))
}

/// The template `form` of `agency_code` prints with: the agency's own, else the national one.
///
/// # Errors
/// On storage failure.
pub async fn template_for(
    db: &DatabaseConnection,
    agency_code: &str,
    form: OfficialForm,
) -> Result<(Cow<'static, [u8]>, TemplateSource), FormsError> {
    match store::find_template_content(db, agency_code, form.as_str()).await? {
        Some(own) => Ok((Cow::Owned(own), TemplateSource::Agency)),
        None => Ok((Cow::Borrowed(default_template(form)?), TemplateSource::Default)),
    }
}

/// `form` as a Word document filled with `values`, from the template of `agency_code`.
///
/// # Errors
/// On storage failure, or a stored template that cannot be read (it was checked on upload).
pub async fn render_docx(
    db: &DatabaseConnection,
    agency_code: &str,
    form: OfficialForm,
    values: FormValues,
) -> Result<Vec<u8>, FormsError> {
    let (template, _) = template_for(db, agency_code, form).await?;
    let template = template.into_owned();
    // Inflating and deflating the package is CPU work; keep it off the request threads.
    tokio::task::spawn_blocking(move || fill(&template, &values))
        .await
        .map_err(|e| unexpected("fill template", e))?
        .map_err(|e| unexpected("fill stored template", e))
}

/// Province-wide admins manage every agency's templates; an agency's admin or leader its own.
fn authorise(caller: &Principal, agency_code: &str) -> Result<(), FormsError> {
    let province_admin = caller.has_role(Role::Admin) && caller.agency_code.is_none();
    let own_agency = caller.agency_code.as_deref() == Some(agency_code)
        && (caller.has_role(Role::Admin) || caller.has_role(Role::Leader));
    if province_admin || own_agency {
        Ok(())
    } else {
        Err(FormsError::TemplateForbidden(agency_code.to_owned()))
    }
}

/// Refuses a caller who may not manage `agency_code`'s templates, or an unknown agency.
///
/// # Errors
/// [`FormsError::TemplateForbidden`], [`FormsError::UnknownAgency`].
pub async fn require_manager(db: &DatabaseConnection, caller: &Principal, agency_code: &str) -> Result<(), FormsError> {
    authorise(caller, agency_code)?;
    match catalog::find_agency(db, agency_code).await.map_err(|e| unexpected("find agency", e))? {
        Some(_) => Ok(()),
        None => Err(FormsError::UnknownAgency(agency_code.to_owned())),
    }
}

/// Every form's template of an agency: its own where it uploaded one, else the national one.
///
/// # Errors
/// [`FormsError::TemplateForbidden`], [`FormsError::UnknownAgency`].
pub async fn list_templates(
    db: &DatabaseConnection,
    caller: &Principal,
    agency_code: &str,
) -> Result<Vec<TemplateSummary>, FormsError> {
    require_manager(db, caller, agency_code).await?;
    let own = store::find_templates_by_agency(db, agency_code).await?;
    Ok(OfficialForm::ALL
        .into_iter()
        .map(|form| match own.iter().find(|t| t.form == form.as_str()) {
            Some(t) => TemplateSummary {
                form,
                source: TemplateSource::Agency,
                sha256: Some(t.sha256.clone()),
                size: Some(t.size),
                uploaded_by: t.uploaded_by,
                uploaded_at: Some(t.uploaded_at),
            },
            None => TemplateSummary::default_of(form),
        })
        .collect())
}

/// The template an agency's `form` prints with, to download and edit.
///
/// # Errors
/// [`FormsError::TemplateForbidden`], [`FormsError::UnknownAgency`].
pub async fn download_template(
    db: &DatabaseConnection,
    caller: &Principal,
    agency_code: &str,
    form: OfficialForm,
) -> Result<(Cow<'static, [u8]>, TemplateSource), FormsError> {
    require_manager(db, caller, agency_code).await?;
    template_for(db, agency_code, form).await
}

/// Makes `template` the agency's template of `form`, replacing any earlier one, once it is a
/// Word document whose placeholders the form all has.
///
/// # Errors
/// [`FormsError::TemplateForbidden`], [`FormsError::UnknownAgency`],
/// [`FormsError::TemplateTooLarge`], [`FormsError::Template`] (not a DOCX, unknown placeholders).
pub async fn upload_template(
    db: &DatabaseConnection,
    caller: &Principal,
    agency_code: &str,
    form: OfficialForm,
    template: Vec<u8>,
) -> Result<TemplateSummary, FormsError> {
    require_manager(db, caller, agency_code).await?;
    if template.len() > MAX_TEMPLATE_BYTES {
        return Err(FormsError::TemplateTooLarge);
    }
    let (template, checked) = tokio::task::spawn_blocking(move || {
        let checked = check_template(&template, &form.vocabulary());
        (template, checked)
    })
    .await
    .map_err(|e| unexpected("check template", e))?;
    checked?;
    let sha256 = hex::encode(Sha256::digest(&template));
    let size = i64::try_from(template.len()).map_err(|e| unexpected("template size", e))?;
    let uploaded_at = Utc::now();
    store::upsert_template(
        db,
        NewTemplate {
            agency_code,
            form: form.as_str(),
            content: template,
            sha256: sha256.clone(),
            uploaded_by: caller.id,
            uploaded_at,
        },
    )
    .await?;
    tracing::info!(agency_code, form = form.as_str(), %sha256, "form template uploaded");
    Ok(TemplateSummary {
        form,
        source: TemplateSource::Agency,
        sha256: Some(sha256),
        size: Some(size),
        uploaded_by: Some(caller.id),
        uploaded_at: Some(uploaded_at),
    })
}

/// Removes the agency's template of `form`, so the national one prints it again. Removing one
/// that is not there is not an error.
///
/// # Errors
/// [`FormsError::TemplateForbidden`], [`FormsError::UnknownAgency`].
pub async fn reset_template(
    db: &DatabaseConnection,
    caller: &Principal,
    agency_code: &str,
    form: OfficialForm,
) -> Result<(), FormsError> {
    require_manager(db, caller, agency_code).await?;
    if store::delete_template(db, agency_code, form.as_str()).await? {
        tracing::info!(agency_code, form = form.as_str(), "form template reset to the default");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::domain::PrincipalKind;

    fn staff(agency: Option<&str>, roles: &[Role]) -> Principal {
        Principal {
            id: Uuid::nil(),
            kind: PrincipalKind::Staff,
            agency_code: agency.map(str::to_owned),
            roles: roles.to_vec(),
            scopes: Default::default(),
        }
    }

    #[test]
    fn province_admins_and_an_agencys_admins_and_leaders_manage_its_templates() {
        let a = "000.17.22.H56";
        assert!(authorise(&staff(None, &[Role::Admin]), a).is_ok());
        assert!(authorise(&staff(Some(a), &[Role::Admin]), a).is_ok());
        assert!(authorise(&staff(Some(a), &[Role::Leader]), a).is_ok());
        assert!(authorise(&staff(Some(a), &[Role::Clerk, Role::Specialist]), a).is_err());
        assert!(authorise(&staff(Some("000.00.01.H56"), &[Role::Admin, Role::Leader]), a).is_err());
        assert!(authorise(&staff(None, &[Role::Leader]), a).is_err());
    }
}
