//! Catalogue rules without I/O.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Administrative level of an agency. Since 01/07/2025 local government has two tiers (province
/// and commune); `district` is kept for history and old dossiers (DOMAIN.md, "READ FIRST").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyLevel {
    /// Cấp tỉnh.
    Province,
    /// Cấp huyện (abolished 01/07/2025; history only).
    District,
    /// Cấp xã.
    Commune,
}

impl AgencyLevel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::District => "district",
            Self::Commune => "commune",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "province" => Some(Self::Province),
            "district" => Some(Self::District),
            "commune" => Some(Self::Commune),
            _ => None,
        }
    }
}
