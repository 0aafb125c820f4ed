//! Indicator keys (DESIGN.md §8) and the targets the provincial resolutions set for them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalog::domain::AgencyLevel;

/// An indicator of Decision 766 / the resolutions, by its wire key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// Eligible procedures offered fully online (766 §3.1 sub-ratio).
    ProceduresFullOnlineShare,
    /// Dossiers received through an online channel ÷ all received.
    OnlineDossierShare,
    /// Dossiers of eligible procedures processed fully online (766 §3.3).
    FullyOnlineProcessedShare,
    /// Dossiers finished on time or still within their deadline (766 §2.1).
    OnTimeShare,
    /// Dossiers with fees paid online (766 §3.6).
    OnlinePaymentShare,
    /// Dossiers with an electronic result (766 §4.1).
    ElectronicResultShare,
    /// Dossiers digitised (766 §4.2).
    DigitisedShare,
    /// Satisfaction with receiving and handling (766 §5.4).
    SatisfactionShare,
    /// Dossiers synchronised to the national portal (766 §1.4).
    NationalSyncShare,
}

impl Indicator {
    /// Every indicator.
    pub const ALL: [Indicator; 9] = [
        Self::ProceduresFullOnlineShare,
        Self::OnlineDossierShare,
        Self::FullyOnlineProcessedShare,
        Self::OnTimeShare,
        Self::OnlinePaymentShare,
        Self::ElectronicResultShare,
        Self::DigitisedShare,
        Self::SatisfactionShare,
        Self::NationalSyncShare,
    ];

    /// The wire and stored key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProceduresFullOnlineShare => "procedures_full_online_share",
            Self::OnlineDossierShare => "online_dossier_share",
            Self::FullyOnlineProcessedShare => "fully_online_processed_share",
            Self::OnTimeShare => "on_time_share",
            Self::OnlinePaymentShare => "online_payment_share",
            Self::ElectronicResultShare => "electronic_result_share",
            Self::DigitisedShare => "digitised_share",
            Self::SatisfactionShare => "satisfaction_share",
            Self::NationalSyncShare => "national_sync_share",
        }
    }

    /// Parses the stored key.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == s)
    }
}

/// A target: the ratio (0–1) an indicator must reach at a level in a year, and where it is set.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub indicator: Indicator,
    pub level: AgencyLevel,
    pub year: i32,
    pub target: f64,
    pub source: String,
}

const QUANG_NGAI_13: &str = "Quảng Ngãi, Nghị quyết 13-NQ/TU và Kế hoạch 169/KH-UBND (09/12/2021): 100% TTHC đủ điều kiện được cung cấp DVCTT toàn trình";
const QUANG_NINH_09: &str =
    "Quảng Ninh, Nghị quyết 09-NQ/TU, Kế hoạch 37/KH-UBND (2023): hồ sơ xử lý trực tuyến toàn trình ≥ 80%";
const QUANG_NINH_09_DIGITISED: &str =
    "Quảng Ninh, Nghị quyết 09-NQ/TU, Kế hoạch 37/KH-UBND (2023): 100% TTHC được số hóa từ tiếp nhận đến trả kết quả";
const QUANG_BINH_2022: &str =
    "Quảng Bình, Kế hoạch chuyển đổi số 2022: mức độ hài lòng > 85% (tỉnh), > 80% (huyện, xã)";

/// The targets of DOMAIN.md §9 that map onto our indicators. Targets on internal work records
/// (hồ sơ công việc), signatures, SMEs and inspections measure things motcua does not record and
/// are left out rather than forced onto a dossier indicator.
pub fn resolution_targets() -> Vec<Target> {
    use AgencyLevel::{Commune, District, Province};
    let mut targets = Vec::new();
    let mut add = |indicator, level, year, target, source: &str| {
        targets.push(Target { indicator, level, year, target, source: source.to_owned() });
    };
    for level in [Province, District, Commune] {
        add(Indicator::ProceduresFullOnlineShare, level, 2025, 1.0, QUANG_NGAI_13);
        add(Indicator::FullyOnlineProcessedShare, level, 2023, 0.8, QUANG_NINH_09);
        add(Indicator::DigitisedShare, level, 2023, 1.0, QUANG_NINH_09_DIGITISED);
    }
    add(Indicator::SatisfactionShare, Province, 2022, 0.85, QUANG_BINH_2022);
    add(Indicator::SatisfactionShare, District, 2022, 0.80, QUANG_BINH_2022);
    add(Indicator::SatisfactionShare, Commune, 2022, 0.80, QUANG_BINH_2022);
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_keys_round_trip() {
        for indicator in Indicator::ALL {
            assert_eq!(Indicator::parse(indicator.as_str()), Some(indicator));
            assert_eq!(serde_json::to_value(indicator).unwrap(), indicator.as_str());
        }
    }

    #[test]
    fn the_resolution_targets_are_ratios_with_sources_and_unique_keys() {
        let targets = resolution_targets();
        let mut keys = Vec::new();
        for t in &targets {
            assert!((0.0..=1.0).contains(&t.target));
            assert!(!t.source.is_empty());
            let key = (t.indicator, t.level, t.year);
            assert!(!keys.contains(&key), "duplicate {t:?}");
            keys.push(key);
        }
        assert!(targets.iter().any(|t| t.indicator == Indicator::SatisfactionShare
            && t.level == AgencyLevel::Province
            && t.target == 0.85));
    }
}
