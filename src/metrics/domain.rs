//! Indicator keys (DESIGN.md §8) and the targets the provincial resolutions set for them.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::open::OpenAtEnd;
use super::records::Counters;
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

impl Indicator {
    /// The name shown in reports (CSV, dashboard).
    pub fn label(self) -> &'static str {
        match self {
            Self::ProceduresFullOnlineShare => "Tỷ lệ TTHC đủ điều kiện được cung cấp DVCTT toàn trình",
            Self::OnlineDossierShare => "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
            Self::FullyOnlineProcessedShare => "Tỷ lệ hồ sơ xử lý trực tuyến toàn trình",
            Self::OnTimeShare => "Tỷ lệ hồ sơ giải quyết đúng hạn",
            Self::OnlinePaymentShare => "Tỷ lệ hồ sơ thanh toán trực tuyến",
            Self::ElectronicResultShare => "Tỷ lệ hồ sơ có kết quả điện tử",
            Self::DigitisedShare => "Tỷ lệ hồ sơ được số hóa",
            Self::SatisfactionShare => "Mức độ hài lòng về tiếp nhận, giải quyết TTHC",
            Self::NationalSyncShare => "Tỷ lệ hồ sơ đồng bộ lên Cổng DVCQG",
        }
    }

    /// The points Decision 766 gives the indicator (DOMAIN.md §3); 0 for those it shows unscored.
    pub fn max_points(self) -> f64 {
        match self {
            Self::ProceduresFullOnlineShare | Self::OnlineDossierShare => 0.0,
            Self::OnTimeShare => 20.0,
            Self::FullyOnlineProcessedShare => 12.0,
            Self::OnlinePaymentShare | Self::ElectronicResultShare | Self::SatisfactionShare => 6.0,
            Self::NationalSyncShare => 6.0,
            Self::DigitisedShare => 4.0,
        }
    }

    /// The target Decision 766 itself scores against (3.3 = 50%, 4.2 = 80%, 5.4 = 90%), which is
    /// not the provincial target of the `targets` table: the points reproduce the national score.
    pub fn scoring_target(self) -> Option<f64> {
        match self {
            Self::FullyOnlineProcessedShare => Some(0.5),
            Self::DigitisedShare => Some(0.8),
            Self::SatisfactionShare => Some(0.9),
            _ => None,
        }
    }
}

/// Rounds to `places` decimals (766: percentages to 2 decimals, so ratios to 4).
fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// numerator ÷ denominator, `None` when the denominator is 0 (766: "0 or N/A").
pub fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    // Counts stay far below 2^53, where i64 → f64 is exact.
    #[allow(clippy::cast_precision_loss)]
    (denominator > 0).then(|| round(numerator as f64 / denominator as f64, 4))
}

/// How far the ratio is below the target (negative: above it), when both exist.
pub fn gap(target: Option<f64>, ratio: Option<f64>) -> Option<f64> {
    Some(round(target? - ratio?, 4))
}

/// The 766 scoring rule (DOMAIN.md §3): with a target T, R ≥ T gives full points and otherwise
/// R × Pmax ÷ T; without one, R × Pmax. `None` when there is no ratio.
pub fn points(ratio: Option<f64>, max_points: f64, target: Option<f64>) -> Option<f64> {
    let r = ratio?;
    let earned = match target {
        Some(t) if t > 0.0 && r >= t => max_points,
        Some(t) if t > 0.0 => r * max_points / t,
        _ => r * max_points,
    };
    Some(round(earned, 2))
}

/// What an indicator query covers: business dates (inclusive) and optional filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorFilter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub agency_code: Option<String>,
    pub level: Option<AgencyLevel>,
    pub procedure_code: Option<String>,
    pub field: Option<String>,
}

/// What the catalogue says about one procedure, as the indicators read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureFlags {
    pub code: String,
    pub name: String,
    /// `full`, `partial` or `none`.
    pub online_level: String,
    pub eligible_full_online: bool,
    pub result_is_document: bool,
}

impl ProcedureFlags {
    /// Offered as an online public service (DVCTT), either level.
    pub fn offered_online(&self) -> bool {
        matches!(self.online_level.as_str(), "full" | "partial")
    }
}

/// One indicator's numerator and denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    pub indicator: Indicator,
    pub numerator: i64,
    pub denominator: i64,
}

/// The counters [`fractions`] reads: the indicator queries sum only these (the others — resolved,
/// paid at the desk, supplement requests, apologies, satisfied and neutral ratings, withdrawn,
/// refused, stopped — are kept for the recount's check and reports to come). A unit test fails if
/// `fractions` starts reading a counter missing here.
pub const COUNTERS_READ: &[&str] = &[
    "received",
    "received_online",
    "finished",
    "finished_on_time",
    "finished_late",
    "returned",
    "returned_electronic",
    "fully_online",
    "charged",
    "paid_online",
    "rated_unsatisfied",
    "returned_digitised",
    "returned_digitised_electronic",
    "synced",
];

/// The numerators and denominators of every indicator (in [`Indicator::ALL`] order) from the
/// records of the period summed per procedure (a procedure may come more than once, once per
/// agency), the catalogue's flags of those procedures, and the
/// codes of the procedures the filtered agencies perform (`offered`).
///
/// # Implementation Notes
/// Each fraction takes numerator and denominator from counters of the same transition where it
/// can, so a period's ratio stays within 0–1:
/// * fully online: dossiers of eligible procedures returned fully online ÷ all their returns;
/// * electronic result (4.1): returns delivered electronically ÷ returns, for procedures whose
///   result is a document;
/// * digitised (4.2): returns of dossiers with files attached, and delivered electronically where
///   the result is a document ÷ all returns;
/// * on time (2.1): dossiers finished on time plus those still open within their deadline at the
///   period's last day ÷ dossiers finished with an appointment plus those still open (a dossier
///   without an appointment is neither; see [`super::open`]);
/// * online payment (3.6): dossiers whose first payment was online ÷ dossiers charged a fee;
/// * satisfaction (5.4): 100% − (late rate + unsatisfied-rating rate), over finished dossiers;
/// * national sync (1.4): dossiers the national portal accepted since their reception ÷ received,
///   both on the day of reception (NgayTiepNhan).
pub fn fractions<'a>(
    sums: impl IntoIterator<Item = (&'a str, &'a Counters)>,
    open: OpenAtEnd,
    catalogue: &[ProcedureFlags],
    offered: &BTreeSet<String>,
) -> Vec<Fraction> {
    let flags = |code: &str| catalogue.iter().find(|p| p.code == code);
    let mut total = Counters::default();
    let (mut eligible_returned, mut eligible_fully) = (0, 0);
    let (mut document_returned, mut document_electronic) = (0, 0);
    let mut digitised = 0;
    for (code, c) in sums {
        total.add(c);
        let p = flags(code);
        if p.is_some_and(|p| p.eligible_full_online) {
            eligible_returned += c.returned;
            eligible_fully += c.fully_online;
        }
        // A procedure missing from the catalogue is taken to issue a document, the usual case.
        if p.is_none_or(|p| p.result_is_document) {
            document_returned += c.returned;
            document_electronic += c.returned_electronic;
            digitised += c.returned_digitised_electronic;
        } else {
            digitised += c.returned_digitised;
        }
    }
    let eligible: Vec<&ProcedureFlags> =
        catalogue.iter().filter(|p| p.eligible_full_online && offered.contains(&p.code)).collect();
    let eligible_full = eligible.iter().filter(|p| p.online_level == "full").count();
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let judged = total.finished_on_time + total.finished_late;
    let satisfied = (total.finished - total.finished_late - total.rated_unsatisfied).max(0);
    let f = |indicator, numerator, denominator| Fraction { indicator, numerator, denominator };
    vec![
        f(Indicator::ProceduresFullOnlineShare, count(eligible_full), count(eligible.len())),
        f(Indicator::OnlineDossierShare, total.received_online, total.received),
        f(Indicator::FullyOnlineProcessedShare, eligible_fully, eligible_returned),
        f(Indicator::OnTimeShare, total.finished_on_time + open.within, judged + open.within + open.overdue),
        f(Indicator::OnlinePaymentShare, total.paid_online, total.charged),
        f(Indicator::ElectronicResultShare, document_electronic, document_returned),
        f(Indicator::DigitisedShare, digitised, total.returned),
        f(Indicator::SatisfactionShare, satisfied, total.finished),
        f(Indicator::NationalSyncShare, total.synced, total.received),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_indicators_read_no_counter_but_those_the_queries_sum() {
        use crate::metrics::records::Counters;
        // Every counter a different value, so that reading any other one changes a fraction.
        let values: Vec<i64> =
            (0..Counters::NAMES.len()).map(|i| 1_000 * 2_i64.pow(u32::try_from(i).unwrap())).collect();
        let full = Counters::from_values(&values);
        let mut summed = Counters::default();
        for name in COUNTERS_READ {
            assert!(summed.set(name, full.get(name).unwrap()), "{name} is a counter");
        }
        let flags = |code: &str, eligible, document| ProcedureFlags {
            code: code.into(),
            name: code.into(),
            online_level: "full".into(),
            eligible_full_online: eligible,
            result_is_document: document,
        };
        let catalogue = [flags("1.000001", true, true), flags("1.000002", false, false)];
        let offered: BTreeSet<String> = catalogue.iter().map(|p| p.code.clone()).collect();
        let open = crate::metrics::open::OpenAtEnd { within: 3, overdue: 4 };
        let of =
            |c: &Counters| fractions([("1.000001", c), ("1.000002", c), ("1.000003", c)], open, &catalogue, &offered);
        assert_eq!(of(&full), of(&summed));
    }

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

    #[test]
    fn a_zero_denominator_has_no_ratio_gap_or_points() {
        assert_eq!(ratio(0, 0), None);
        assert_eq!(ratio(3, 0), None);
        assert_eq!(gap(Some(0.9), None), None);
        assert_eq!(gap(None, Some(0.5)), None);
        assert_eq!(points(None, 6.0, Some(0.9)), None);
        assert_eq!(ratio(0, 4), Some(0.0));
        assert_eq!(ratio(1, 3), Some(0.3333));
    }

    #[test]
    fn the_gap_is_the_target_minus_the_ratio() {
        assert_eq!(gap(Some(0.9), Some(0.75)), Some(0.15));
        assert_eq!(gap(Some(0.8), Some(1.0)), Some(-0.2));
    }

    #[test]
    fn a_met_target_gives_full_points_and_a_missed_one_a_proportional_share() {
        assert_eq!(points(Some(0.9), 6.0, Some(0.9)), Some(6.0));
        assert_eq!(points(Some(0.95), 6.0, Some(0.9)), Some(6.0));
        assert_eq!(points(Some(0.45), 6.0, Some(0.9)), Some(3.0));
        assert_eq!(points(Some(0.25), 12.0, Some(0.5)), Some(6.0));
        // No target: linear.
        assert_eq!(points(Some(0.75), 20.0, None), Some(15.0));
        assert_eq!(points(Some(1.0), 0.0, None), Some(0.0));
    }

    #[test]
    fn the_scored_indicators_carry_the_points_of_decision_766() {
        let scored: f64 = Indicator::ALL.iter().map(|i| i.max_points()).sum();
        // 2.1 (20) + 3.3 online part (12) + 3.6 (6) + 4.1 (6) + 4.2 (4) + 5.4 (6) + 1.4 (6).
        assert_eq!(scored, 60.0);
        assert_eq!(Indicator::SatisfactionShare.scoring_target(), Some(0.9));
        assert!(Indicator::ALL.iter().all(|i| !i.label().is_empty()));
    }

    fn flags(code: &str, online_level: &str, eligible: bool, document: bool) -> ProcedureFlags {
        ProcedureFlags {
            code: code.into(),
            name: code.into(),
            online_level: online_level.into(),
            eligible_full_online: eligible,
            result_is_document: document,
        }
    }

    #[test]
    fn the_fractions_split_the_sums_by_the_catalogue() {
        let catalogue =
            [flags("A", "full", true, true), flags("B", "partial", true, false), flags("C", "none", false, true)];
        let a = Counters {
            received: 10,
            received_online: 7,
            finished: 8,
            finished_on_time: 5,
            finished_late: 2,
            returned: 6,
            returned_electronic: 4,
            fully_online: 3,
            charged: 4,
            paid_online: 3,
            paid_cash: 1,
            rated_unsatisfied: 1,
            returned_digitised: 5,
            returned_digitised_electronic: 4,
            synced: 4,
            ..Counters::default()
        };
        let b = Counters {
            received: 2,
            finished: 2,
            finished_on_time: 2,
            returned: 2,
            returned_electronic: 1,
            returned_digitised: 1,
            returned_digitised_electronic: 0,
            ..Counters::default()
        };
        let c = Counters { received: 1, returned: 1, returned_digitised: 1, ..Counters::default() };
        let sums = [("A", &a), ("B", &b), ("C", &c)];
        // D is eligible but performed by none of the filtered agencies.
        let mut catalogue = catalogue.to_vec();
        catalogue.push(flags("D", "none", true, true));
        let offered: BTreeSet<String> = ["A", "B", "C"].map(str::to_owned).into();
        let open = OpenAtEnd { within: 3, overdue: 2 };
        let got: Vec<(&str, i64, i64)> = fractions(sums, open, &catalogue, &offered)
            .iter()
            .map(|f| (f.indicator.as_str(), f.numerator, f.denominator))
            .collect();
        assert_eq!(
            got,
            [
                ("procedures_full_online_share", 1, 2),
                ("online_dossier_share", 7, 13),
                ("fully_online_processed_share", 3, 8),
                // Finished 7 on time of 9, and 3 of 5 open ones still within their deadline.
                ("on_time_share", 10, 14),
                ("online_payment_share", 3, 4),
                // B's result is not a document: only A and C count.
                ("electronic_result_share", 4, 7),
                // A: digitised and electronic 4; B: digitised 1 (no document); C: document, not electronic 0.
                ("digitised_share", 5, 9),
                ("satisfaction_share", 7, 10),
                ("national_sync_share", 4, 13),
            ]
        );
        let empty = fractions([], OpenAtEnd::default(), &[], &BTreeSet::new());
        assert!(empty.iter().all(|f| f.numerator == 0 && f.denominator == 0));
    }
}
