//! Demo data for a new embedded database (`MOTCUA_DEMO`, `motcua seed-demo`): agencies of one
//! province, the 20 real procedures of `seed/procedures.json`, and one staff account per role. Every value here is demo data, not official.

use sea_orm::DatabaseConnection;

use crate::catalog::domain::AgencyLevel;
use crate::catalog::service::{self as catalog, Agency};
use crate::domain_types::{AgencyCode, Email, FullName, Password, Role};
use crate::identity::error::IdentityError;
use crate::identity::password::PasswordHasher;
use crate::identity::service as identity;

/// Password of every demo staff account (demo data; never use in production).
pub const DEMO_PASSWORD: &str = "Motcua-Demo-2026!";

/// Demo agencies: one province, two departments and three communes, with codes in the QCVN 102
/// shape of real Thanh Hóa dossier codes (DOMAIN.md §4.1); names and the codes other than
/// `000.00.14.H56` and `000.17.22.H56` are invented for the demo.
const AGENCIES: [(&str, &str, AgencyLevel, Option<&str>); 6] = [
    ("000.00.00.H56", "UBND tỉnh Thanh Hóa (demo)", AgencyLevel::Province, None),
    ("000.00.14.H56", "Sở Tư pháp tỉnh Thanh Hóa (demo)", AgencyLevel::Province, Some("000.00.00.H56")),
    ("000.00.21.H56", "Sở Xây dựng tỉnh Thanh Hóa (demo)", AgencyLevel::Province, Some("000.00.00.H56")),
    ("000.17.22.H56", "UBND xã Đông Sơn (demo)", AgencyLevel::Commune, Some("000.00.00.H56")),
    ("000.18.22.H56", "UBND xã Đông Tiến (demo)", AgencyLevel::Commune, Some("000.00.00.H56")),
    ("000.19.22.H56", "UBND phường Hạc Thành (demo)", AgencyLevel::Commune, Some("000.00.00.H56")),
];

/// Demo staff: (e-mail, name, agency, roles). The first is the province-wide administrator.
const STAFF: [(&str, &str, Option<&str>, &[Role]); 4] = [
    ("admin@demo.motcua.vn", "Quản trị Demo", None, &[Role::Admin]),
    ("clerk@demo.motcua.vn", "Cán bộ Một Cửa", Some("000.17.22.H56"), &[Role::Clerk]),
    ("specialist@demo.motcua.vn", "Chuyên Viên Demo", Some("000.17.22.H56"), &[Role::Specialist]),
    ("leader@demo.motcua.vn", "Lãnh Đạo Demo", Some("000.17.22.H56"), &[Role::Leader]),
];

/// Loads whatever demo data is missing and says what it added.
///
/// # Errors
/// On storage failure.
pub async fn seed(db: &DatabaseConnection) -> anyhow::Result<String> {
    let mut added = Vec::new();
    for (code, name, level, parent) in AGENCIES {
        if catalog::find_agency(db, code).await?.is_none() {
            let agency = Agency {
                code: code.to_owned(),
                name: name.to_owned(),
                level,
                parent_code: parent.map(str::to_owned),
                valid_from: None,
                valid_to: None,
                office_hours: None,
            };
            catalog::create_agency(db, agency).await?;
            added.push(format!("agency {code}"));
        }
    }
    let agency_codes: Vec<&str> = AGENCIES.iter().map(|(code, ..)| *code).collect();
    let procedures = crate::catalog::procedure_seed::seed_demo_procedures(db, &agency_codes).await?;
    if procedures > 0 {
        added.push(format!("{procedures} procedures"));
    }
    let targets = crate::metrics::service::seed_resolution_targets(db).await?;
    if targets > 0 {
        added.push(format!("{targets} targets"));
    }
    let hasher = PasswordHasher::new()?;
    for (email, name, agency, roles) in STAFF {
        let agency = agency.map(|code| AgencyCode::try_from(code.to_owned())).transpose()?;
        let created = identity::create_staff_account(
            db,
            &hasher,
            Email::try_from(email.to_owned())?,
            FullName::try_from(name.to_owned())?,
            Password::try_from(DEMO_PASSWORD.to_owned())?,
            agency,
            roles,
        )
        .await;
        match created {
            Ok(_) => added.push(format!("staff {email}")),
            Err(IdentityError::AccountExists) => {}
            Err(e) => return Err(anyhow::anyhow!("create demo staff {email}: {e}")),
        }
    }
    Ok(if added.is_empty() { "demo data already present".to_owned() } else { format!("added: {}", added.join(", ")) })
}
