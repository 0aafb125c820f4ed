//! Dossier rules without I/O: channels, the national dossier code, the lookup secret.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain_types::LookupSecret;

/// How a dossier was filed (`KenhThucHien`: 1 in person, 2 online, 3 postal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Filed online on this portal.
    Online,
    /// Filed on the national portal (Cổng DVCQG) and received through integration.
    NationalPortal,
    /// Filed in person at the one-stop desk.
    Direct,
    /// Sent by public postal service.
    Postal,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::NationalPortal => "national_portal",
            Self::Direct => "direct",
            Self::Postal => "postal",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Online, Self::NationalPortal, Self::Direct, Self::Postal].into_iter().find(|c| c.as_str() == s)
    }

    /// The national `KenhThucHien` code.
    pub fn national_code(self) -> u8 {
        match self {
            Self::Direct => 1,
            Self::Online | Self::NationalPortal => 2,
            Self::Postal => 3,
        }
    }
}

/// The dossier code `<agency code>-YYMMDD-NNNN` (DOMAIN.md §4.2): the running number has at
/// least four digits and grows when an agency receives more than 9,999 dossiers in a day.
pub fn dossier_code(agency_code: &str, day: NaiveDate, number: u32) -> String {
    format!("{agency_code}-{}-{number:04}", day.format("%y%m%d"))
}

/// The `YYMMDD` key of a day, as used in the code and the sequence table.
pub fn day_key(day: NaiveDate) -> String {
    day.format("%y%m%d").to_string()
}

/// A fresh lookup secret for the receipt.
pub fn new_lookup_secret() -> LookupSecret {
    LookupSecret::from_random_bytes(&rand::random::<[u8; 6]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_national_format_and_grow_past_four_digits() {
        let day = NaiveDate::from_ymd_opt(2020, 2, 3).unwrap();
        assert_eq!(dossier_code("000.00.14.H56", day, 118), "000.00.14.H56-200203-0118");
        assert_eq!(
            dossier_code("000.17.22.H56", NaiveDate::from_ymd_opt(2021, 5, 31).unwrap(), 1),
            "000.17.22.H56-210531-0001"
        );
        assert_eq!(dossier_code("000.00.14.H56", day, 12345), "000.00.14.H56-200203-12345");
    }

    #[test]
    fn channels_map_to_the_national_codes() {
        assert_eq!(Channel::Direct.national_code(), 1);
        assert_eq!(Channel::Online.national_code(), 2);
        assert_eq!(Channel::NationalPortal.national_code(), 2);
        assert_eq!(Channel::Postal.national_code(), 3);
        for c in [Channel::Online, Channel::NationalPortal, Channel::Direct, Channel::Postal] {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn lookup_secrets_use_the_unambiguous_alphabet() {
        for _ in 0..100 {
            let secret = new_lookup_secret();
            assert_eq!(secret.as_str().len(), 6);
            assert!(secret.as_str().chars().all(|c| !"OI01".contains(c)));
        }
    }
}
