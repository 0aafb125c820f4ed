//! Working calendar and deadline engine (hạn giải quyết): the business time zone, the per-year days
//! off and make-up working days, office hours, and the pure functions that turn a reception instant
//! and a procedure's processing time into a due instant with a step-by-step explanation
//! (DOMAIN.md §1.4 and §6).
//!
//! # Implementation Notes
//! - All arithmetic runs on local wall-clock time at UTC+07:00. Asia/Ho_Chi_Minh has had no DST
//!   since 1975, so a fixed offset is exact and needs no time-zone database.
//! - Reception uses half-open sessions: a dossier received at 11:30 sharp, when the morning
//!   session closes at 11:30, counts from 13:30. A due instant, on the other hand, may sit exactly
//!   on a session's close: office time that runs out at 11:30 is due at 11:30, not at 13:30.
//! - Working time is kept at full precision inside the engine; the minute-based functions only
//!   truncate at their boundary, so reception at 09:00:40 stays due at hh:mm:40.
//! - Every walk over days is bounded: [`NO_WORKING_DAY_LIMIT_DAYS`] days without a working day
//!   (a misconfigured calendar) and [`HORIZON_DAYS`] days overall end with a typed error.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{
    DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Timelike, Weekday,
};
use serde::{Deserialize, Deserializer, Serialize};

const BUSINESS_OFFSET: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    // Evaluated at compile time: a wrong constant breaks the build, never a request.
    None => panic!("UTC+07:00 is a valid offset"),
};

/// Builds a constant time of day. Only used in `const` items, so a bad literal fails the build.
const fn hm(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(time) => time,
        None => panic!("invalid constant time of day"),
    }
}

const MORNING_OPENS: NaiveTime = hm(7, 30);
const MORNING_CLOSES: NaiveTime = hm(11, 30);
const AFTERNOON_OPENS: NaiveTime = hm(13, 30);
const AFTERNOON_CLOSES: NaiveTime = hm(17, 0);

/// Cut-off for same-day procedures: a dossier received after 15:00 local time is due at the close
/// of the next working day ("nếu tiếp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo",
/// DOMAIN.md §1.4). 15:00 itself is not "after".
pub const SAME_DAY_CUTOFF: NaiveTime = hm(15, 0);

/// How many consecutive days without a working day the engine tolerates before it decides the
/// calendar is misconfigured (every day marked as a day off) and returns
/// [`CalendarError::NoWorkingDay`]. The longest real block (Tết) is 9 days.
pub const NO_WORKING_DAY_LIMIT_DAYS: u32 = 370;

/// How many days ahead any deadline walk may go (about 100 years) before it returns
/// [`CalendarError::BeyondHorizon`]; it keeps an absurd duration from looping for minutes.
pub const HORIZON_DAYS: u32 = 36_600;

/// The business time zone, Asia/Ho_Chi_Minh: a fixed UTC+07:00 without daylight saving time.
/// Every instant the engine returns carries this offset.
pub fn business_offset() -> FixedOffset {
    BUSINESS_OFFSET
}

/// Today's business date, in [`business_offset`].
pub fn business_today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&BUSINESS_OFFSET).date_naive()
}

/// Why a calendar, office-hours setting or deadline computation was refused. Messages are meant
/// to be shown to the clerk or administrator who entered the data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The calendar file is not JSON of the expected shape.
    #[error("the calendar file is not in the expected format: {reason}")]
    InvalidJson {
        /// The parser's description of the problem, with line and column.
        reason: String,
    },
    /// A top-level key of the calendar file is not a year.
    #[error("\"{key}\" is not a year: the calendar must be keyed by year, for example \"2026\"")]
    InvalidYearKey {
        /// The offending key.
        key: String,
    },
    /// A date in the calendar file cannot be read.
    #[error("\"{value}\" in the {year} calendar is not a date written as YYYY-MM-DD")]
    InvalidDate {
        /// The year whose list holds the value.
        year: i32,
        /// The text that is not a date.
        value: String,
    },
    /// The same year was given twice.
    #[error("the calendar for {0} is given twice; keep only one")]
    DuplicateYear(i32),
    /// A date is filed under the wrong year.
    #[error("{date} is listed in the {year} calendar but belongs to another year")]
    DateOutsideYear {
        /// The year the date was filed under.
        year: i32,
        /// The misplaced date.
        date: NaiveDate,
    },
    /// A date is both a day off and a make-up working day.
    #[error("{date} is listed both as a day off and as a make-up working day; keep it in one list only")]
    HolidayAndMakeupDay {
        /// The contradictory date.
        date: NaiveDate,
    },
    /// A make-up working day falls on a weekday, which is a working day anyway.
    #[error(
        "make-up working day {date} is a {}; only a Saturday or a Sunday can be a make-up working day",
        weekday_name(*.weekday)
    )]
    MakeupDayNotWeekend {
        /// The offending date.
        date: NaiveDate,
        /// Its day of the week.
        weekday: Weekday,
    },
    /// Office hours without any session.
    #[error("office hours have no session; at least one session, such as 07:30–11:30, is needed")]
    NoOfficeHours,
    /// A session that does not end after it starts.
    #[error("office session {}–{} does not end after it starts", hhmm(*.start), hhmm(*.end))]
    EmptySession {
        /// Opening time of the session.
        start: NaiveTime,
        /// Closing time of the session.
        end: NaiveTime,
    },
    /// A session bound with seconds.
    #[error("office session times must be whole minutes, but {time} has seconds")]
    SessionNotWholeMinutes {
        /// The offending time.
        time: NaiveTime,
    },
    /// Sessions out of order or overlapping.
    #[error(
        "office sessions must be listed in order without overlapping, but {}–{} starts before the previous session closes at {}",
        hhmm(*.start), hhmm(*.end), hhmm(*.previous_end)
    )]
    SessionsOutOfOrder {
        /// Closing time of the previous session.
        previous_end: NaiveTime,
        /// Opening time of the offending session.
        start: NaiveTime,
        /// Closing time of the offending session.
        end: NaiveTime,
    },
    /// The calendar has no working day for a whole year.
    #[error(
        "no working day was found in the {days} days from {from}: check the holiday calendar, it marks every day as a day off"
    )]
    NoWorkingDay {
        /// The first day of the run of days off.
        from: NaiveDate,
        /// How long the run was when the search gave up.
        days: u32,
    },
    /// A negative working-time duration.
    #[error("a working-time duration cannot be negative (got {minutes} minutes)")]
    NegativeDuration {
        /// The duration asked for.
        minutes: i64,
    },
    /// The deadline lies too far ahead to compute.
    #[error("the deadline would fall more than {days} days after {from}, beyond what the calendar can compute")]
    BeyondHorizon {
        /// Where the walk started.
        from: NaiveDate,
        /// The horizon, [`HORIZON_DAYS`].
        days: u32,
    },
    /// A date outside chrono's representable range.
    #[error("the date lies outside the range the calendar can represent")]
    OutOfRange,
}

/// One year of the official civil-service calendar (DOMAIN.md §6.2): its days off and its
/// make-up working days. Deserialising checks the same rules as [`CalendarYear::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CalendarYearData")]
pub struct CalendarYear {
    /// The calendar year, e.g. 2026.
    pub year: i32,
    /// Every day off of the year, adjacent weekend days included (as the official notices list
    /// them), compensatory days (nghỉ bù) and swapped weekdays (hoán đổi) included.
    pub holidays: BTreeSet<NaiveDate>,
    /// Saturdays or Sundays that are worked to pay back a swapped weekday (làm bù).
    pub makeup_working_days: BTreeSet<NaiveDate>,
}

/// The unchecked wire shape of [`CalendarYear`].
#[derive(Deserialize)]
struct CalendarYearData {
    year: i32,
    holidays: BTreeSet<NaiveDate>,
    makeup_working_days: BTreeSet<NaiveDate>,
}

impl TryFrom<CalendarYearData> for CalendarYear {
    type Error = CalendarError;

    fn try_from(data: CalendarYearData) -> Result<Self, CalendarError> {
        let year =
            CalendarYear { year: data.year, holidays: data.holidays, makeup_working_days: data.makeup_working_days };
        year.validate()?;
        Ok(year)
    }
}

impl CalendarYear {
    /// Checks that every date belongs to `year`, that no date is both a day off and a make-up
    /// working day, and that every make-up working day is a Saturday or a Sunday (a weekday is a
    /// working day anyway, so listing one is a data-entry mistake).
    ///
    /// # Errors
    /// [`CalendarError::DateOutsideYear`], [`CalendarError::HolidayAndMakeupDay`] or
    /// [`CalendarError::MakeupDayNotWeekend`] for the first offending date.
    pub fn validate(&self) -> Result<(), CalendarError> {
        for &date in self.holidays.iter().chain(&self.makeup_working_days) {
            if date.year() != self.year {
                return Err(CalendarError::DateOutsideYear { year: self.year, date });
            }
        }
        for &date in &self.makeup_working_days {
            if self.holidays.contains(&date) {
                return Err(CalendarError::HolidayAndMakeupDay { date });
            }
            let weekday = date.weekday();
            if !is_weekend(weekday) {
                return Err(CalendarError::MakeupDayNotWeekend { date, weekday });
            }
        }
        Ok(())
    }
}

/// The shape of one year in `calendar.json`; other keys (`notes`, `sources`, `provisional`,
/// `pending_unconfirmed`) are ignored.
#[derive(Deserialize)]
struct CalendarFileYear {
    holidays: Vec<String>,
    makeup_working_days: Vec<String>,
}

/// The working calendar: validated [`CalendarYear`]s by year.
///
/// A year without data falls back to the weekly rule alone (Monday to Friday are working days),
/// and [`due_at`] says so in its explanation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, CalendarYear>,
}

impl WorkingCalendar {
    /// A calendar without any year: only the weekly rule applies.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a calendar from validated years.
    ///
    /// # Errors
    /// The first [`CalendarYear::validate`] error, or [`CalendarError::DuplicateYear`].
    pub fn from_years(years: impl IntoIterator<Item = CalendarYear>) -> Result<Self, CalendarError> {
        let mut calendar = Self::new();
        for year in years {
            let number = year.year;
            if calendar.insert_year(year)?.is_some() {
                return Err(CalendarError::DuplicateYear(number));
            }
        }
        Ok(calendar)
    }

    /// Adds or replaces one year (an administrator loading a new official notice) and returns the
    /// year it replaced.
    ///
    /// # Errors
    /// Any [`CalendarYear::validate`] error; the calendar is then unchanged.
    pub fn insert_year(&mut self, year: CalendarYear) -> Result<Option<CalendarYear>, CalendarError> {
        year.validate()?;
        Ok(self.years.insert(year.year, year))
    }

    /// Parses the shape of `shared/data/calendar.json`: an object keyed by year (`"2026"`), each
    /// value holding `holidays` and `makeup_working_days` as `YYYY-MM-DD` lists. Other keys are
    /// ignored.
    ///
    /// # Errors
    /// [`CalendarError::InvalidJson`] (including a missing list), [`CalendarError::InvalidYearKey`],
    /// [`CalendarError::InvalidDate`], or any [`CalendarYear::validate`] error.
    pub fn from_calendar_json(json: &str) -> Result<Self, CalendarError> {
        let file: BTreeMap<String, CalendarFileYear> =
            serde_json::from_str(json).map_err(|e| CalendarError::InvalidJson { reason: e.to_string() })?;
        let mut years = Vec::with_capacity(file.len());
        for (key, data) in file {
            // Strict digits only: "+2026" or " 2026" would parse as numbers but are typos.
            let year = match key.parse::<i32>() {
                Ok(year) if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) => year,
                _ => return Err(CalendarError::InvalidYearKey { key }),
            };
            years.push(CalendarYear {
                year,
                holidays: parse_dates(year, &data.holidays)?,
                makeup_working_days: parse_dates(year, &data.makeup_working_days)?,
            });
        }
        Self::from_years(years)
    }

    /// The data loaded for `year`, if any.
    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
    }

    /// The loaded years, in order.
    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> {
        self.years.values()
    }

    /// Whether `date` is listed as a day off.
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.years.get(&date.year()).is_some_and(|year| year.holidays.contains(&date))
    }

    /// Whether `date` is listed as a make-up working day.
    pub fn is_makeup_working_day(&self, date: NaiveDate) -> bool {
        self.years.get(&date.year()).is_some_and(|year| year.makeup_working_days.contains(&date))
    }

    /// Monday to Friday unless listed as a day off, plus the listed make-up working days.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.is_makeup_working_day(date) {
            return true;
        }
        !is_weekend(date.weekday()) && !self.is_holiday(date)
    }

    /// The first working day strictly after `date`.
    ///
    /// # Errors
    /// [`CalendarError::NoWorkingDay`] when none comes within [`NO_WORKING_DAY_LIMIT_DAYS`] days;
    /// [`CalendarError::OutOfRange`] at the end of chrono's date range.
    pub fn next_working_day_after(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let first = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
        let mut day = first;
        for _ in 0..NO_WORKING_DAY_LIMIT_DAYS {
            if self.is_working_day(day) {
                return Ok(day);
            }
            day = day.succ_opt().ok_or(CalendarError::OutOfRange)?;
        }
        Err(CalendarError::NoWorkingDay { from: first, days: NO_WORKING_DAY_LIMIT_DAYS })
    }
}

fn parse_dates(year: i32, values: &[String]) -> Result<BTreeSet<NaiveDate>, CalendarError> {
    values
        .iter()
        .map(|value| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| CalendarError::InvalidDate { year, value: value.clone() })
        })
        .collect()
}

/// The daily office sessions of the reception desk, in local time, on every working day
/// (make-up days included). Deserialising checks the same rules as [`OfficeHours::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "OfficeHoursData")]
pub struct OfficeHours {
    /// `(opens, closes)` pairs, in order, not overlapping, in whole minutes.
    pub sessions: Vec<(NaiveTime, NaiveTime)>,
}

/// The unchecked wire shape of [`OfficeHours`].
#[derive(Deserialize)]
struct OfficeHoursData {
    sessions: Vec<(NaiveTime, NaiveTime)>,
}

impl TryFrom<OfficeHoursData> for OfficeHours {
    type Error = CalendarError;

    fn try_from(data: OfficeHoursData) -> Result<Self, CalendarError> {
        Self::new(data.sessions)
    }
}

impl Default for OfficeHours {
    /// The typical commune schedule, 07:30–11:30 and 13:30–17:00 (DOMAIN.md §6.2).
    fn default() -> Self {
        Self { sessions: vec![(MORNING_OPENS, MORNING_CLOSES), (AFTERNOON_OPENS, AFTERNOON_CLOSES)] }
    }
}

impl OfficeHours {
    /// Builds validated office hours.
    ///
    /// # Errors
    /// See [`OfficeHours::validate`].
    pub fn new(sessions: Vec<(NaiveTime, NaiveTime)>) -> Result<Self, CalendarError> {
        let hours = Self { sessions };
        hours.validate()?;
        Ok(hours)
    }

    /// Checks there is at least one session, each in whole minutes, ending after it starts, listed
    /// in order and not overlapping (touching is allowed).
    ///
    /// # Errors
    /// [`CalendarError::NoOfficeHours`], [`CalendarError::SessionNotWholeMinutes`],
    /// [`CalendarError::EmptySession`] or [`CalendarError::SessionsOutOfOrder`].
    pub fn validate(&self) -> Result<(), CalendarError> {
        if self.sessions.is_empty() {
            return Err(CalendarError::NoOfficeHours);
        }
        let mut previous_end: Option<NaiveTime> = None;
        for &(start, end) in &self.sessions {
            for time in [start, end] {
                if time.second() != 0 || time.nanosecond() != 0 {
                    return Err(CalendarError::SessionNotWholeMinutes { time });
                }
            }
            if start >= end {
                return Err(CalendarError::EmptySession { start, end });
            }
            if let Some(previous_end) = previous_end {
                if start < previous_end {
                    return Err(CalendarError::SessionsOutOfOrder { previous_end, start, end });
                }
            }
            previous_end = Some(end);
        }
        Ok(())
    }

    /// Office minutes in one working day (450 for the default hours).
    pub fn working_minutes_per_day(&self) -> i64 {
        self.normalised().iter().map(|&(start, end)| (end - start).num_minutes()).sum()
    }

    /// When the first session opens, if there is one.
    pub fn opening_time(&self) -> Option<NaiveTime> {
        self.sessions.iter().map(|&(start, _)| start).min()
    }

    /// When the last session closes, if there is one.
    pub fn closing_time(&self) -> Option<NaiveTime> {
        self.sessions.iter().map(|&(_, end)| end).max()
    }

    /// Whether the desk is open at `time` on a working day: inside a session, its opening
    /// included and its closing excluded.
    pub fn is_open_at(&self, time: NaiveTime) -> bool {
        self.sessions.iter().any(|&(start, end)| start <= time && time < end)
    }

    /// The sessions sorted, with empty ones dropped and overlapping ones merged, so that the
    /// infallible functions never count an office minute twice even on unvalidated data.
    fn normalised(&self) -> Vec<(NaiveTime, NaiveTime)> {
        let mut sessions: Vec<_> = self.sessions.iter().copied().filter(|&(start, end)| start < end).collect();
        sessions.sort();
        let mut merged: Vec<(NaiveTime, NaiveTime)> = Vec::with_capacity(sessions.len());
        for (start, end) in sessions {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }
}

/// The unit a procedure's maximum processing time is declared in (DOMAIN.md §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Ngày làm việc: whole days of office time, counted through office sessions.
    WorkingDays,
    /// Hours of office time, counted through office sessions.
    WorkingHours,
    /// Calendar days, weekends and holidays included; `procedures.json` writes them `"days"`.
    #[serde(alias = "days")]
    CalendarDays,
    /// Returned the same day (trả trong ngày), subject to the 15:00 cut-off.
    SameDay,
}

/// A procedure's maximum processing time, e.g. `{"value": 3, "unit": "working_days"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessingTime {
    /// How many units; ignored for [`TimeUnit::SameDay`].
    pub value: u32,
    /// The unit.
    pub unit: TimeUnit,
}

/// The unchecked shape of a `processing_time` in `procedures.json`, where both fields may be null.
#[derive(Deserialize)]
struct ProcessingTimeData {
    value: Option<u32>,
    unit: Option<TimeUnit>,
}

impl ProcessingTime {
    /// `value` working days.
    pub fn working_days(value: u32) -> Self {
        Self { value, unit: TimeUnit::WorkingDays }
    }

    /// `value` working hours.
    pub fn working_hours(value: u32) -> Self {
        Self { value, unit: TimeUnit::WorkingHours }
    }

    /// `value` calendar days.
    pub fn calendar_days(value: u32) -> Self {
        Self { value, unit: TimeUnit::CalendarDays }
    }

    /// Same-day processing.
    pub fn same_day() -> Self {
        Self { value: 0, unit: TimeUnit::SameDay }
    }

    /// Reads a `processing_time` as `procedures.json` stores it, for
    /// `#[serde(default, deserialize_with = "ProcessingTime::deserialize_optional")]`:
    /// `null` or `{"value": null, "unit": null}` mean "no fixed deadline" (`None`), and a
    /// same-day time may omit its value.
    ///
    /// # Errors
    /// A deserialisation error when only one of `value` and `unit` is given, or either is invalid.
    pub fn deserialize_optional<'de, D>(deserializer: D) -> Result<Option<Self>, D::Error>
    where
        D: Deserializer<'de>,
    {
        let data = Option::<ProcessingTimeData>::deserialize(deserializer)?;
        match data {
            None | Some(ProcessingTimeData { value: None, unit: None }) => Ok(None),
            Some(ProcessingTimeData { value, unit: Some(TimeUnit::SameDay) }) => {
                Ok(Some(Self { value: value.unwrap_or(0), unit: TimeUnit::SameDay }))
            }
            Some(ProcessingTimeData { value: Some(value), unit: Some(unit) }) => Ok(Some(Self { value, unit })),
            Some(_) => Err(serde::de::Error::custom("processing_time needs both a value and a unit, or neither")),
        }
    }
}

impl fmt::Display for ProcessingTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = u64::from(self.value);
        match self.unit {
            TimeUnit::WorkingDays => f.write_str(&plural(n, "working day", "working days")),
            TimeUnit::WorkingHours => f.write_str(&plural(n, "working hour", "working hours")),
            TimeUnit::CalendarDays => f.write_str(&plural(n, "calendar day", "calendar days")),
            TimeUnit::SameDay => f.write_str("same day"),
        }
    }
}

/// What a [`DeadlineTerm`] explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// When the dossier was received, in local time.
    Received,
    /// Reception outside office hours moved the start to the next working session.
    OutsideOfficeHours,
    /// A year the computation touches has no official calendar loaded.
    CalendarNotLoaded,
    /// Working days or hours converted to office minutes and added through sessions.
    WorkingTime,
    /// Calendar days added to the start date.
    CalendarDays,
    /// A same-day procedure's due day.
    SameDay,
    /// Reception after the 15:00 cut-off moved a same-day deadline to the next working day.
    AfterCutoff,
    /// A run of listed days off that the count skipped.
    SkippedHolidays,
    /// A make-up working day (làm bù) that the count used.
    MakeupWorkingDay,
    /// A calendar-day deadline landing on a day off moved to the next working day.
    MovedToWorkingDay,
    /// The resulting due instant.
    Due,
}

/// One line of a deadline's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineTerm {
    /// What the line explains.
    pub kind: TermKind,
    /// The explanation, for display.
    pub text: String,
    /// The instant the step led to (for a skipped run of days off, where counting resumed).
    pub at: DateTime<FixedOffset>,
}

/// A computed deadline (ngày hẹn trả) and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// When the clock started: reception, or the next working session if received outside hours.
    pub start: DateTime<FixedOffset>,
    /// When the result is due.
    pub due: DateTime<FixedOffset>,
    /// The explanation, step by step, ending with a [`TermKind::Due`] line.
    pub terms: Vec<DeadlineTerm>,
}

/// When the clock starts for a dossier received at `received_at`: that instant if the desk is
/// open then, otherwise the start of the next working session (before opening, during a break,
/// after closing, or on a day off), per DOMAIN.md §1.4.
///
/// # Errors
/// Invalid `hours` ([`OfficeHours::validate`]), [`CalendarError::NoWorkingDay`] on a calendar
/// without working days, [`CalendarError::OutOfRange`] at chrono's limits.
pub fn effective_start(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    received_at: DateTime<FixedOffset>,
) -> Result<DateTime<FixedOffset>, CalendarError> {
    hours.validate()?;
    let start = next_open_instant(cal, hours, to_local(received_at))?;
    from_local(start)
}

/// Computes when a dossier received at `received_at` is due under `time`, with an explanation.
///
/// - Working days: N × [`OfficeHours::working_minutes_per_day`] office minutes added through
///   sessions from the effective start. Time that runs out exactly at a session's close is due
///   at that close.
/// - Working hours: N × 60 office minutes, the same way. For both, 0 means due at the start.
/// - Calendar days: the effective start's date + N days, due at the close of the last session;
///   a day off moves it to the close of the next working day.
/// - Same day: due at the close of the day the clock starts; when the clock starts after
///   [`SAME_DAY_CUTOFF`], at the close of the next working day.
///
/// # Errors
/// Invalid `hours`, [`CalendarError::NoWorkingDay`], [`CalendarError::BeyondHorizon`] or
/// [`CalendarError::OutOfRange`].
pub fn due_at(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    received_at: DateTime<FixedOffset>,
    time: ProcessingTime,
) -> Result<Deadline, CalendarError> {
    hours.validate()?;
    let closing = hours.closing_time().ok_or(CalendarError::NoOfficeHours)?;
    let received_local = to_local(received_at);
    let start_local = next_open_instant(cal, hours, received_local)?;
    let start = from_local(start_local)?;

    let mut terms = vec![received_term(received_at, received_local)?];
    if start_local != received_local {
        terms.push(DeadlineTerm {
            kind: TermKind::OutsideOfficeHours,
            text: format!(
                "{} → counted from the start of the next working session, {}",
                outside_hours_reason(cal, hours, received_local),
                fmt_instant(start_local)
            ),
            at: start,
        });
    }

    let due_local = match time.unit {
        TimeUnit::WorkingDays | TimeUnit::WorkingHours => {
            let per_unit = match time.unit {
                TimeUnit::WorkingDays => hours.working_minutes_per_day(),
                _ => 60,
            };
            let minutes = i64::from(time.value) * per_unit;
            let amount = TimeDelta::try_minutes(minutes).ok_or(CalendarError::OutOfRange)?;
            let due_local = add_working_time(cal, hours, start_local, amount)?;
            let text = if time.value == 0 {
                format!("{time}: due when counting starts, {}", fmt_instant(due_local))
            } else if time.unit == TimeUnit::WorkingDays {
                format!(
                    "{time} × {per_unit} office minutes a day = {} counted through office sessions → {}",
                    plural(minutes.unsigned_abs(), "working minute", "working minutes"),
                    fmt_instant(due_local)
                )
            } else {
                format!(
                    "{time} = {} counted through office sessions → {}",
                    plural(minutes.unsigned_abs(), "working minute", "working minutes"),
                    fmt_instant(due_local)
                )
            };
            terms.push(DeadlineTerm { kind: TermKind::WorkingTime, text, at: from_local(due_local)? });
            terms.extend(day_terms(cal, hours, start_local.date(), due_local.date())?);
            due_local
        }
        TimeUnit::CalendarDays => {
            let landing = start_local
                .date()
                .checked_add_days(Days::new(u64::from(time.value)))
                .ok_or(CalendarError::OutOfRange)?;
            let landing_close = landing.and_time(closing);
            terms.push(DeadlineTerm {
                kind: TermKind::CalendarDays,
                text: format!(
                    "{time} (weekends and days off included) from {} → {}, due at the close of office, {}",
                    fmt_date(start_local.date()),
                    fmt_date(landing),
                    hhmm(closing)
                ),
                at: from_local(landing_close)?,
            });
            if cal.is_working_day(landing) {
                terms.extend(day_terms(cal, hours, landing, landing)?);
                landing_close
            } else {
                let day = cal.next_working_day_after(landing)?;
                let due_local = day.and_time(closing);
                terms.push(DeadlineTerm {
                    kind: TermKind::MovedToWorkingDay,
                    text: format!(
                        "{} is not a working day ({}) → moved to the close of the next working day, {}",
                        fmt_date(landing),
                        day_off_reason(cal, landing),
                        fmt_instant(due_local)
                    ),
                    at: from_local(due_local)?,
                });
                terms.extend(day_terms(cal, hours, landing, day)?);
                due_local
            }
        }
        TimeUnit::SameDay => {
            let day = if start_local.time() > SAME_DAY_CUTOFF {
                let day = cal.next_working_day_after(start_local.date())?;
                terms.push(DeadlineTerm {
                    kind: TermKind::AfterCutoff,
                    text: format!(
                        "counting starts after the {} cut-off for same-day procedures → due on the next working day, {}",
                        hhmm(SAME_DAY_CUTOFF),
                        fmt_date(day)
                    ),
                    at: from_local(day.and_time(closing))?,
                });
                day
            } else {
                start_local.date()
            };
            let due_local = day.and_time(closing);
            terms.push(DeadlineTerm {
                kind: TermKind::SameDay,
                text: format!("same-day procedure: due at the close of office on {}", fmt_instant(due_local)),
                at: from_local(due_local)?,
            });
            terms.extend(day_terms(cal, hours, start_local.date(), day)?);
            due_local
        }
    };
    let due = from_local(due_local)?;

    for year in received_local.year()..=due_local.year() {
        if cal.year(year).is_none() {
            terms.push(DeadlineTerm {
                kind: TermKind::CalendarNotLoaded,
                text: format!(
                    "no official calendar is loaded for {year}: only Saturdays and Sundays count as days off that year"
                ),
                at: due,
            });
        }
    }
    terms.push(DeadlineTerm { kind: TermKind::Due, text: format!("due {}", fmt_instant(due_local)), at: due });
    Ok(Deadline { start, due, terms })
}

/// Office minutes between `from` and `to` (whole minutes, rounded down); 0 if `to <= from`.
/// Sessions are normalised first (sorted, overlaps merged), so no minute is counted twice.
pub fn working_minutes_between(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    from: DateTime<FixedOffset>,
    to: DateTime<FixedOffset>,
) -> i64 {
    working_time_between(cal, hours, to_local(from), to_local(to)).num_minutes()
}

/// The instant `minutes` office minutes after `from`, counted through sessions from the
/// effective start of `from`. A result exactly at a session's close stays at that close;
/// 0 minutes gives the effective start.
///
/// # Errors
/// [`CalendarError::NegativeDuration`], invalid `hours`, [`CalendarError::NoWorkingDay`],
/// [`CalendarError::BeyondHorizon`] or [`CalendarError::OutOfRange`].
pub fn add_working_minutes(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    from: DateTime<FixedOffset>,
    minutes: i64,
) -> Result<DateTime<FixedOffset>, CalendarError> {
    if minutes < 0 {
        return Err(CalendarError::NegativeDuration { minutes });
    }
    hours.validate()?;
    let amount = TimeDelta::try_minutes(minutes).ok_or(CalendarError::OutOfRange)?;
    from_local(add_working_time(cal, hours, to_local(from), amount)?)
}

/// Moves `due` later by the office time inside the pause (waiting for the citizen to supplement
/// the dossier or to pay), so the agency keeps the time it had left (DOMAIN.md §1.4: "pause,
/// do not reset"). A pause with no office time in it (zero or negative length, or entirely
/// outside office hours) leaves `due` unchanged.
///
/// # Errors
/// Invalid `hours`, [`CalendarError::NoWorkingDay`], [`CalendarError::BeyondHorizon`] or
/// [`CalendarError::OutOfRange`].
pub fn shift_for_pause(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    due: DateTime<FixedOffset>,
    pause_start: DateTime<FixedOffset>,
    pause_end: DateTime<FixedOffset>,
) -> Result<DateTime<FixedOffset>, CalendarError> {
    hours.validate()?;
    let paused = working_time_between(cal, hours, to_local(pause_start), to_local(pause_end));
    let due_local = to_local(due);
    if paused <= TimeDelta::zero() {
        // Not `add_working_time(.., 0)`: that would push a due at 11:30 to 13:30.
        return from_local(due_local);
    }
    from_local(add_working_time(cal, hours, due_local, paused)?)
}

fn to_local(instant: DateTime<FixedOffset>) -> NaiveDateTime {
    instant.with_timezone(&BUSINESS_OFFSET).naive_local()
}

fn from_local(local: NaiveDateTime) -> Result<DateTime<FixedOffset>, CalendarError> {
    BUSINESS_OFFSET.from_local_datetime(&local).single().ok_or(CalendarError::OutOfRange)
}

/// Calls `visit` with each stretch of office time from `from` onwards, in order, clipped to start
/// no earlier than `from`, until it returns `Some`. Bounded by [`NO_WORKING_DAY_LIMIT_DAYS`] and
/// [`HORIZON_DAYS`]. `hours` must be valid.
fn walk_office_time<T>(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    from: NaiveDateTime,
    mut visit: impl FnMut(NaiveDateTime, NaiveDateTime) -> Option<T>,
) -> Result<T, CalendarError> {
    let mut date = from.date();
    let mut idle_since: Option<NaiveDate> = None;
    let mut idle_days = 0_u32;
    for _ in 0..HORIZON_DAYS {
        if cal.is_working_day(date) {
            idle_since = None;
            idle_days = 0;
            for &(opens, closes) in &hours.sessions {
                let start = date.and_time(opens).max(from);
                let end = date.and_time(closes);
                if start < end {
                    if let Some(found) = visit(start, end) {
                        return Ok(found);
                    }
                }
            }
        } else {
            let since = *idle_since.get_or_insert(date);
            idle_days += 1;
            if idle_days >= NO_WORKING_DAY_LIMIT_DAYS {
                return Err(CalendarError::NoWorkingDay { from: since, days: idle_days });
            }
        }
        date = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
    }
    Err(CalendarError::BeyondHorizon { from: from.date(), days: HORIZON_DAYS })
}

fn next_open_instant(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    from: NaiveDateTime,
) -> Result<NaiveDateTime, CalendarError> {
    walk_office_time(cal, hours, from, |start, _| Some(start))
}

fn add_working_time(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    from: NaiveDateTime,
    amount: TimeDelta,
) -> Result<NaiveDateTime, CalendarError> {
    let mut remaining = amount;
    walk_office_time(cal, hours, from, |start, end| {
        let stretch = end - start;
        // `<=`, not `<`: time that runs out exactly at a close is due at that close.
        if remaining <= stretch {
            // Cannot overflow: the result is at most `end`.
            Some(start + remaining)
        } else {
            remaining -= stretch;
            None
        }
    })
}

fn working_time_between(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> TimeDelta {
    let mut total = TimeDelta::zero();
    if to <= from {
        return total;
    }
    let sessions = hours.normalised();
    let mut date = from.date();
    while date <= to.date() {
        if cal.is_working_day(date) {
            for &(opens, closes) in &sessions {
                let start = date.and_time(opens).max(from);
                let end = date.and_time(closes).min(to);
                if start < end {
                    total += end - start;
                }
            }
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    total
}

/// Explanation lines for the days off skipped and the make-up days used between `first` and
/// `last` (inclusive), in date order.
fn day_terms(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<DeadlineTerm>, CalendarError> {
    let mut terms = Vec::new();
    let mut run: Option<(NaiveDate, NaiveDate)> = None;
    let mut date = first;
    while date <= last {
        if cal.is_holiday(date) {
            run = Some(match run {
                Some((run_start, _)) => (run_start, date),
                None => (date, date),
            });
        } else if let Some((run_start, run_end)) = run.take() {
            terms.push(skipped_term(cal, hours, run_start, run_end)?);
        }
        if cal.is_makeup_working_day(date) {
            let first_session = next_open_instant(cal, hours, date.and_time(NaiveTime::MIN))?;
            terms.push(DeadlineTerm {
                kind: TermKind::MakeupWorkingDay,
                text: format!("{} is a make-up working day (làm bù) and counts as a working day", fmt_date(date)),
                at: from_local(first_session)?,
            });
        }
        date = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
    }
    if let Some((run_start, run_end)) = run {
        terms.push(skipped_term(cal, hours, run_start, run_end)?);
    }
    Ok(terms)
}

fn skipped_term(
    cal: &WorkingCalendar,
    hours: &OfficeHours,
    run_start: NaiveDate,
    run_end: NaiveDate,
) -> Result<DeadlineTerm, CalendarError> {
    let after = run_end.succ_opt().ok_or(CalendarError::OutOfRange)?;
    let resumes = next_open_instant(cal, hours, after.and_time(NaiveTime::MIN))?;
    let text = if run_start == run_end {
        format!("skipped holiday {} → counting resumes {}", fmt_date(run_start), fmt_instant(resumes))
    } else {
        let days = (run_end - run_start).num_days() + 1;
        format!(
            "skipped holidays {} to {} ({days} days off) → counting resumes {}",
            fmt_date(run_start),
            fmt_date(run_end),
            fmt_instant(resumes)
        )
    };
    Ok(DeadlineTerm { kind: TermKind::SkippedHolidays, text, at: from_local(resumes)? })
}

fn received_term(received_at: DateTime<FixedOffset>, local: NaiveDateTime) -> Result<DeadlineTerm, CalendarError> {
    let mut text = format!("received {} (UTC+07:00)", fmt_instant(local));
    if received_at.offset() != &BUSINESS_OFFSET {
        text.push_str(&format!(", given as {}", received_at.to_rfc3339()));
    }
    Ok(DeadlineTerm { kind: TermKind::Received, text, at: from_local(local)? })
}

fn outside_hours_reason(cal: &WorkingCalendar, hours: &OfficeHours, local: NaiveDateTime) -> String {
    let date = local.date();
    if !cal.is_working_day(date) {
        return format!("received on {}, a day off ({})", fmt_date(date), day_off_reason(cal, date));
    }
    let time = local.time();
    match (hours.opening_time(), hours.closing_time()) {
        (Some(opening), _) if time < opening => {
            format!("received before opening time ({})", hhmm(opening))
        }
        (_, Some(closing)) if time >= closing => {
            format!("received after closing time ({})", hhmm(closing))
        }
        _ => "received between office sessions".to_owned(),
    }
}

fn day_off_reason(cal: &WorkingCalendar, date: NaiveDate) -> &'static str {
    if cal.is_holiday(date) {
        "listed holiday"
    } else {
        "weekend"
    }
}

fn is_weekend(weekday: Weekday) -> bool {
    matches!(weekday, Weekday::Sat | Weekday::Sun)
}

fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn hhmm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

fn fmt_date(date: NaiveDate) -> String {
    date.format("%a %Y-%m-%d").to_string()
}

fn fmt_instant(local: NaiveDateTime) -> String {
    if local.second() == 0 && local.nanosecond() == 0 {
        local.format("%a %Y-%m-%d %H:%M").to_string()
    } else {
        local.format("%a %Y-%m-%d %H:%M:%S").to_string()
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// `shared/data/calendar.json` as delivered (2025–2027), embedded so the file stays
    /// self-contained; its extra keys also exercise "other keys are ignored".
    const CALENDAR_JSON: &str = r##"
{
 "2025": {
  "holidays": [
   "2025-01-01",
   "2025-01-25",
   "2025-01-26",
   "2025-01-27",
   "2025-01-28",
   "2025-01-29",
   "2025-01-30",
   "2025-01-31",
   "2025-02-01",
   "2025-02-02",
   "2025-04-05",
   "2025-04-06",
   "2025-04-07",
   "2025-04-30",
   "2025-05-01",
   "2025-05-02",
   "2025-05-03",
   "2025-05-04",
   "2025-08-30",
   "2025-08-31",
   "2025-09-01",
   "2025-09-02"
  ],
  "makeup_working_days": [
   "2025-04-26"
  ],
  "notes": "Lists every day off in each holiday block, adjacent weekend days included. Tết 25/01–02/02 (mùng 1 = 29/01/2025, lunar-computed). Giỗ Tổ 07/04 (Mon; block 05–07/04). 30/04–04/05 with Fri 02/05 swapped to Sat 26/04 (verified). Quốc khánh 30/08–02/09 (statutory 01/09 + 02/09): consistent with Labor Code art. 112, not re-verified against a second source.",
  "sources": [
   "https://kntb.vn/lich-nghi-le-304-15-cong-chuc-vien-chuc-nguoi-lao-dong-di-lam-bu-vao-ngay-nao-n81956.html (Thông báo 6150/TB-BLĐTBXH: off 30/4–4/5/2025, make-up Sat 26/4/2025)",
   "https://tracuuquyhoach.com/tin-tuc/cong-chuc-vien-chuc-duoc-nghi-the-nao-trong-dip-le-30-4-1-5-2025-51994339 (VietnamPlus, same)",
   "https://home.vn/threads/lich-nghi-gio-to-hung-vuong-30-4-va-1-5-2025-thang-tu-nghi-nhu-nghi-tet.19539/latest (Giỗ Tổ 2025 = Mon 7/4, block 5–7/4)"
  ]
 },
 "2026": {
  "holidays": [
   "2026-01-01",
   "2026-01-02",
   "2026-01-03",
   "2026-01-04",
   "2026-02-14",
   "2026-02-15",
   "2026-02-16",
   "2026-02-17",
   "2026-02-18",
   "2026-02-19",
   "2026-02-20",
   "2026-02-21",
   "2026-02-22",
   "2026-04-25",
   "2026-04-26",
   "2026-04-27",
   "2026-04-30",
   "2026-05-01",
   "2026-05-02",
   "2026-05-03",
   "2026-08-29",
   "2026-08-30",
   "2026-08-31",
   "2026-09-01",
   "2026-09-02"
  ],
  "makeup_working_days": [
   "2026-01-10",
   "2026-08-22"
  ],
  "pending_unconfirmed": [
   "2026-11-24"
  ],
  "notes": "CORRECTION: Tết Dương lịch 2026 is 4 days, Thu 01/01–Sun 04/01; Fri 02/01 swapped to make-up Saturday 10/01/2026 (văn bản 12729/VPCP-KGVX, 25/12/2025). Tết 14/02 (27 Chạp)–22/02 (mùng 6); no make-up day. Giỗ Tổ Sun 26/04 → compensatory Mon 27/04 (block 25–27/04). 30/04 Thu–03/05 Sun. Quốc khánh Sat 29/08–Wed 02/09: statutory 01/09 + 02/09, Mon 31/08 swapped to make-up Sat 22/08. 24/11 (Ngày Văn hóa Việt Nam): NOT official as of the newest sources (Jan–Feb 2026). The Politburo chose the date, and Nghị quyết 30/NQ-CP (Feb 2026) only tasks amending art. 112 of the Labor Code; no enacted amendment found. So it is kept out of holidays. Cross-check: this list has 25 days (4+9+3+4+5), matching the press figure '25 ngày nghỉ lễ, Tết (tính cả ngày nghỉ hằng tuần liền kề) năm 2026', and 26 if 24/11 is added.",
  "sources": [
   "https://kienthuc.net.vn/chot-phuong-an-nghi-tet-am-lich-binh-ngo-va-quoc-khanh-nam-2026-post1576857.html (PM decision: Tết 14/2–22/2/2026; Quốc khánh 29/8–2/9/2026, Mon 31/8 swapped to Sat 22/8)",
   "http://www.congan.com.vn/?catid=702&id=388656&mod=detnews (Tết 14/2–22/2/2026)",
   "https://www.collector.com.tr//965292743 (văn bản 12729/VPCP-KGVX 25/12/2025: off 1/1–4/1/2026, Fri 2/1 swapped to Sat 10/1/2026)",
   "https://tracuuquyhoach.com/tin-tuc/tin-vui-cho-nguoi-lao-dong-chinh-phu-dong-y-nghi-tet-duong-lich-4-ngay-54100289 (same, 4 days)",
   "https://thanhnien.vn/gio-to-hung-vuong-304-15-quoc-khanh-29-nam-2026-duoc-nghi-may-ngay-185260223083506397.htm (Giỗ Tổ Sun 26/4 → Mon 27/4; 30/4–3/5)",
   "https://vneconomy.vn/bo-sung-ngay-van-hoa-viet-nam-2411-vao-danh-muc-ngay-nghi-huong-nguyen-luong.htm and https://znews.vn/sua-bo-luat-lao-dong-de-them-mot-ngay-nghi-ngay-van-hoa-viet-post1627357.html (24/11 still pending a Labor Code amendment, 26/02/2026)",
   "https://giaoducthudo.giaoducthoidai.vn/le-tet-ptag.html (25 days off in 2026 incl. adjacent weekends; 26 if 24/11 is enacted)"
  ]
 },
 "2027": {
  "holidays": [
   "2027-01-01",
   "2027-01-02",
   "2027-01-03",
   "2027-02-05",
   "2027-02-06",
   "2027-02-07",
   "2027-02-08",
   "2027-02-09",
   "2027-04-16",
   "2027-04-17",
   "2027-04-18",
   "2027-04-30",
   "2027-05-01",
   "2027-05-02",
   "2027-05-03",
   "2027-09-02"
  ],
  "makeup_working_days": [],
  "provisional": true,
  "notes": "Only computed days. The lunar dates come from the Ho Ngọc Đức algorithm (UTC+7), checked against 2024–2026: Tết mùng 1 = Sat 06/02/2027, and month 12 of Bính Ngọ has 29 days, so 29 Chạp = Fri 05/02. Giỗ Tổ (10/3 ÂL) = Fri 16/04/2027. The holidays list includes only the Tết core 05/02 (29 Chạp)–09/02 (mùng 4), which was off in every year 2019–2026. The official Tết range is unknown: the PM decides, and mùng 1 and 2 falling on Sat/Sun will add compensatory or swapped days, probably 10–11/02 or later. 01/05 is a Saturday, so Mon 03/05 is the compensatory day (Labor Code art. 112(3)). Quốc khánh: only Thu 02/09 is listed; the second statutory day (01/09 or 03/09) and any swap are unknown. 24/11 is excluded (pending legislation).",
  "sources": [
   "computed with the Ho Ngoc Duc lunar-conversion algorithm (UTC+7)",
   "Bộ luật Lao động 2019, Điều 112 (as summarised in https://znews.vn/sua-bo-luat-lao-dong-de-them-mot-ngay-nghi-ngay-van-hoa-viet-post1627357.html)"
  ]
 }
}"##;

    fn real() -> &'static WorkingCalendar {
        static CALENDAR: OnceLock<WorkingCalendar> = OnceLock::new();
        CALENDAR.get_or_init(|| WorkingCalendar::from_calendar_json(CALENDAR_JSON).expect("the real calendar parses"))
    }

    fn hours() -> OfficeHours {
        OfficeHours::default()
    }

    /// A local (UTC+07:00) instant written "YYYY-MM-DD HH:MM".
    fn t(text: &str) -> DateTime<FixedOffset> {
        let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test instant");
        business_offset().from_local_datetime(&local).single().expect("fixed offset")
    }

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    fn hm_(text: &str) -> NaiveTime {
        NaiveTime::parse_from_str(text, "%H:%M").expect("test time")
    }

    fn due(received: &str, time: ProcessingTime) -> Deadline {
        due_at(real(), &hours(), t(received), time).expect("deadline computes")
    }

    fn kinds(deadline: &Deadline) -> Vec<TermKind> {
        deadline.terms.iter().map(|term| term.kind).collect()
    }

    fn term(deadline: &Deadline, kind: TermKind) -> &DeadlineTerm {
        deadline
            .terms
            .iter()
            .find(|term| term.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} term in {:#?}", deadline.terms))
    }

    // ---- time zone -------------------------------------------------------------------------

    #[test]
    fn business_offset_is_utc_plus_seven() {
        assert_eq!(business_offset().local_minus_utc(), 7 * 3600);
    }

    #[test]
    fn an_instant_in_another_offset_is_converted_to_local_time_first() {
        // 02:00 UTC is 09:00 in Hà Nội; the result comes back in +07:00.
        let received = DateTime::parse_from_rfc3339("2026-03-02T02:00:00Z").unwrap();
        let deadline = due_at(real(), &hours(), received, ProcessingTime::working_days(3)).unwrap();
        assert_eq!(deadline.start, t("2026-03-02 09:00"));
        assert_eq!(deadline.due, t("2026-03-05 09:00"));
        assert_eq!(deadline.due.offset(), &business_offset());
        assert_eq!(deadline.due.to_rfc3339(), "2026-03-05T09:00:00+07:00");
        assert!(deadline.terms[0].text.contains("given as 2026-03-02T02:00:00+00:00"));
    }

    #[test]
    fn late_evening_utc_is_already_the_next_local_day() {
        // Sun 2026-03-01 18:00 UTC = Mon 2026-03-02 01:00 local: before opening on Monday.
        let received = DateTime::parse_from_rfc3339("2026-03-01T18:00:00Z").unwrap();
        let start = effective_start(real(), &hours(), received).unwrap();
        assert_eq!(start, t("2026-03-02 07:30"));
    }

    // ---- calendar data ---------------------------------------------------------------------

    #[test]
    fn the_real_calendar_json_parses_with_every_year_and_list() {
        let cal = real();
        let years: Vec<i32> = cal.years().map(|year| year.year).collect();
        assert_eq!(years, vec![2025, 2026, 2027]);
        let y2025 = cal.year(2025).unwrap();
        assert_eq!(y2025.holidays.len(), 22);
        assert_eq!(y2025.makeup_working_days, BTreeSet::from([d("2025-04-26")]));
        let y2026 = cal.year(2026).unwrap();
        // DOMAIN.md §6.2 cross-check: 25 days off in 2026 (4 + 9 + 3 + 4 + 5).
        assert_eq!(y2026.holidays.len(), 25);
        assert_eq!(y2026.makeup_working_days, BTreeSet::from([d("2026-01-10"), d("2026-08-22")]));
        assert_eq!(cal.year(2027).unwrap().holidays.len(), 16);
        assert!(cal.year(2027).unwrap().makeup_working_days.is_empty());
        assert!(cal.year(2028).is_none());
    }

    #[test]
    fn working_days_follow_the_2025_and_2026_official_calendars() {
        let cal = real();
        let cases = [
            ("2026-01-02", false, "Fri swapped off for Tết Dương lịch 2026"),
            ("2026-01-05", true, "ordinary Monday"),
            ("2026-01-10", true, "make-up Saturday for 02/01"),
            ("2026-01-17", false, "ordinary Saturday"),
            ("2026-02-13", true, "Friday before Tết Bính Ngọ"),
            ("2026-02-16", false, "29 Chạp"),
            ("2026-02-20", false, "mùng 4"),
            ("2026-02-23", true, "first day back after Tết"),
            ("2026-04-27", false, "Giỗ Tổ nghỉ bù (10/3 lunar on Sunday 26/04)"),
            ("2026-04-28", true, "Tuesday after Giỗ Tổ"),
            ("2026-04-30", false, "Reunification Day"),
            ("2026-05-01", false, "Labour Day"),
            ("2026-08-22", true, "make-up Saturday for 31/08"),
            ("2026-08-31", false, "Monday swapped off"),
            ("2026-09-02", false, "National Day"),
            ("2026-11-24", true, "Ngày Văn hóa: pending, not a day off"),
            ("2025-04-07", false, "Giỗ Tổ 2025"),
            ("2025-04-26", true, "make-up Saturday 2025"),
            ("2025-05-02", false, "Fri swapped off 2025"),
            ("2025-05-05", true, "Monday after 30/4–1/5 2025"),
        ];
        for (date, working, why) in cases {
            assert_eq!(cal.is_working_day(d(date)), working, "{date}: {why}");
        }
        assert!(cal.is_holiday(d("2026-02-14")), "a weekend day inside the Tết block is listed");
        assert!(cal.is_makeup_working_day(d("2026-01-10")));
    }

    #[test]
    fn a_year_without_data_uses_the_weekly_rule() {
        let cal = real();
        assert!(cal.is_working_day(d("2028-01-03")), "Monday");
        assert!(!cal.is_working_day(d("2028-01-01")), "Saturday");
        assert!(WorkingCalendar::new().is_working_day(d("2026-02-16")));
    }

    #[test]
    fn next_working_day_after_skips_tet() {
        assert_eq!(real().next_working_day_after(d("2026-02-13")).unwrap(), d("2026-02-23"));
        assert_eq!(real().next_working_day_after(d("2026-01-09")).unwrap(), d("2026-01-10"));
    }

    #[test]
    fn calendar_json_errors_are_typed() {
        type IsExpected = fn(&CalendarError) -> bool;
        let cases: [(&str, IsExpected); 6] = [
            ("not json", |e| matches!(e, CalendarError::InvalidJson { .. })),
            (
                r#"{"2026": {"holidays": []}}"#,
                |e| matches!(e, CalendarError::InvalidJson { reason } if reason.contains("makeup_working_days")),
            ),
            (
                r#"{"năm 2026": {"holidays": [], "makeup_working_days": []}}"#,
                |e| matches!(e, CalendarError::InvalidYearKey { key } if key == "năm 2026"),
            ),
            (r#"{"+2026": {"holidays": [], "makeup_working_days": []}}"#, |e| {
                matches!(e, CalendarError::InvalidYearKey { .. })
            }),
            (r#"{"2026": {"holidays": ["16/02/2026"], "makeup_working_days": []}}"#, |e| {
                *e == CalendarError::InvalidDate { year: 2026, value: "16/02/2026".into() }
            }),
            (r#"{"2026": {"holidays": ["2025-02-16"], "makeup_working_days": []}}"#, |e| {
                *e == CalendarError::DateOutsideYear { year: 2026, date: d("2025-02-16") }
            }),
        ];
        for (json, expected) in cases {
            let error = WorkingCalendar::from_calendar_json(json).unwrap_err();
            assert!(expected(&error), "{json}: got {error:?}");
        }
    }

    #[test]
    fn calendar_year_validation_rejects_inconsistent_data_with_clear_messages() {
        let year = |holidays: &[&str], makeup: &[&str]| CalendarYear {
            year: 2026,
            holidays: holidays.iter().map(|s| d(s)).collect(),
            makeup_working_days: makeup.iter().map(|s| d(s)).collect(),
        };
        let outside = year(&["2027-01-01"], &[]).validate().unwrap_err();
        assert_eq!(outside.to_string(), "2027-01-01 is listed in the 2026 calendar but belongs to another year");
        let both = year(&["2026-01-10"], &["2026-01-10"]).validate().unwrap_err();
        assert_eq!(both, CalendarError::HolidayAndMakeupDay { date: d("2026-01-10") });
        assert!(both.to_string().contains("both as a day off and as a make-up working day"));
        let weekday = year(&[], &["2026-03-05"]).validate().unwrap_err();
        assert_eq!(
            weekday.to_string(),
            "make-up working day 2026-03-05 is a Thursday; only a Saturday or a Sunday can be a make-up working day"
        );
        assert!(year(&["2026-02-14"], &["2026-01-10", "2026-01-11"]).validate().is_ok());
    }

    #[test]
    fn calendar_year_deserialisation_validates() {
        let good = r#"{"year": 2026, "holidays": ["2026-04-27"], "makeup_working_days": ["2026-01-10"]}"#;
        let parsed: CalendarYear = serde_json::from_str(good).unwrap();
        assert_eq!(parsed.holidays, BTreeSet::from([d("2026-04-27")]));
        let bad = r#"{"year": 2026, "holidays": [], "makeup_working_days": ["2026-01-12"]}"#;
        let error = serde_json::from_str::<CalendarYear>(bad).unwrap_err();
        assert!(error.to_string().contains("is a Monday"), "{error}");
    }

    #[test]
    fn the_same_year_twice_is_refused_and_insert_replaces() {
        let year = CalendarYear { year: 2026, holidays: BTreeSet::new(), makeup_working_days: BTreeSet::new() };
        assert_eq!(WorkingCalendar::from_years([year.clone(), year.clone()]), Err(CalendarError::DuplicateYear(2026)));
        let mut cal = real().clone();
        let replaced = cal.insert_year(year).unwrap();
        assert_eq!(replaced.map(|y| y.holidays.len()), Some(25));
        assert!(cal.is_working_day(d("2026-02-16")));
    }

    // ---- office hours ----------------------------------------------------------------------

    #[test]
    fn default_office_hours_are_the_commune_schedule() {
        let hours = OfficeHours::default();
        assert_eq!(hours.sessions, vec![(hm_("07:30"), hm_("11:30")), (hm_("13:30"), hm_("17:00"))]);
        assert_eq!(hours.working_minutes_per_day(), 450);
        assert!(hours.validate().is_ok());
        assert_eq!(hours.opening_time(), Some(hm_("07:30")));
        assert_eq!(hours.closing_time(), Some(hm_("17:00")));
        assert!(hours.is_open_at(hm_("07:30")));
        assert!(!hours.is_open_at(hm_("11:30")));
        assert!(!hours.is_open_at(hm_("12:00")));
        assert!(hours.is_open_at(hm_("16:59")));
    }

    #[test]
    fn invalid_office_hours_are_rejected() {
        let s = |a: &str, b: &str| (hm_(a), hm_(b));
        assert_eq!(OfficeHours::new(vec![]), Err(CalendarError::NoOfficeHours));
        assert_eq!(
            OfficeHours::new(vec![s("11:30", "07:30")]),
            Err(CalendarError::EmptySession { start: hm_("11:30"), end: hm_("07:30") })
        );
        assert!(matches!(OfficeHours::new(vec![s("08:00", "08:00")]), Err(CalendarError::EmptySession { .. })));
        let unsorted = OfficeHours::new(vec![s("13:30", "17:00"), s("07:30", "11:30")]).unwrap_err();
        assert!(matches!(unsorted, CalendarError::SessionsOutOfOrder { .. }));
        let overlapping = OfficeHours::new(vec![s("07:30", "11:30"), s("11:00", "17:00")]).unwrap_err();
        assert_eq!(
            overlapping.to_string(),
            "office sessions must be listed in order without overlapping, but 11:00–17:00 starts before the previous session closes at 11:30"
        );
        let seconds = NaiveTime::from_hms_opt(7, 30, 15).unwrap();
        assert_eq!(
            OfficeHours::new(vec![(seconds, hm_("11:30"))]),
            Err(CalendarError::SessionNotWholeMinutes { time: seconds })
        );
        let touching = OfficeHours::new(vec![s("07:00", "12:00"), s("12:00", "16:00")]).unwrap();
        assert_eq!(touching.working_minutes_per_day(), 540);
    }

    #[test]
    fn office_hours_deserialise_through_validation() {
        let good: OfficeHours =
            serde_json::from_str(r#"{"sessions": [["07:00", "11:00"], ["13:00:00", "16:30:00"]]}"#).unwrap();
        assert_eq!(good.working_minutes_per_day(), 450);
        assert!(serde_json::from_str::<OfficeHours>(r#"{"sessions": []}"#).is_err());
        let round_trip: OfficeHours =
            serde_json::from_str(&serde_json::to_string(&OfficeHours::default()).unwrap()).unwrap();
        assert_eq!(round_trip, OfficeHours::default());
    }

    #[test]
    fn engine_functions_refuse_invalid_office_hours() {
        let empty = OfficeHours { sessions: vec![] };
        let when = t("2026-03-02 09:00");
        assert_eq!(effective_start(real(), &empty, when), Err(CalendarError::NoOfficeHours));
        assert_eq!(due_at(real(), &empty, when, ProcessingTime::same_day()), Err(CalendarError::NoOfficeHours));
        assert_eq!(add_working_minutes(real(), &empty, when, 10), Err(CalendarError::NoOfficeHours));
        assert_eq!(working_minutes_between(real(), &empty, when, t("2026-03-03 09:00")), 0);
    }

    #[test]
    fn working_minutes_between_never_counts_overlapping_sessions_twice() {
        let overlapping = OfficeHours { sessions: vec![(hm_("08:00"), hm_("12:00")), (hm_("10:00"), hm_("14:00"))] };
        assert_eq!(overlapping.working_minutes_per_day(), 360);
        assert_eq!(working_minutes_between(real(), &overlapping, t("2026-03-02 00:00"), t("2026-03-03 00:00")), 360);
    }

    // ---- processing time -------------------------------------------------------------------

    #[test]
    fn time_units_use_snake_case_and_accept_days_as_calendar_days() {
        let cases = [
            ("\"working_days\"", TimeUnit::WorkingDays),
            ("\"working_hours\"", TimeUnit::WorkingHours),
            ("\"calendar_days\"", TimeUnit::CalendarDays),
            ("\"days\"", TimeUnit::CalendarDays),
            ("\"same_day\"", TimeUnit::SameDay),
        ];
        for (json, unit) in cases {
            assert_eq!(serde_json::from_str::<TimeUnit>(json).unwrap(), unit, "{json}");
        }
        assert_eq!(serde_json::to_string(&TimeUnit::CalendarDays).unwrap(), "\"calendar_days\"");
        assert!(serde_json::from_str::<TimeUnit>("\"months\"").is_err());
        let parsed: ProcessingTime = serde_json::from_str(r#"{"value": 15, "unit": "days"}"#).unwrap();
        assert_eq!(parsed, ProcessingTime::calendar_days(15));
        assert_eq!(serde_json::to_value(parsed).unwrap(), serde_json::json!({"value": 15, "unit": "calendar_days"}));
    }

    #[test]
    fn procedures_json_processing_times_read_with_null_as_no_deadline() {
        #[derive(Deserialize)]
        struct Procedure {
            #[serde(default, deserialize_with = "ProcessingTime::deserialize_optional")]
            processing_time: Option<ProcessingTime>,
        }
        let read = |json: &str| serde_json::from_str::<Procedure>(json).map(|p| p.processing_time);
        assert_eq!(
            read(r#"{"processing_time": {"value": 3, "unit": "working_days"}}"#).unwrap(),
            Some(ProcessingTime::working_days(3))
        );
        assert_eq!(
            read(r#"{"processing_time": {"value": 0, "unit": "same_day"}}"#).unwrap(),
            Some(ProcessingTime::same_day())
        );
        assert_eq!(
            read(r#"{"processing_time": {"value": 10, "unit": "days"}}"#).unwrap(),
            Some(ProcessingTime::calendar_days(10))
        );
        assert_eq!(read(r#"{"processing_time": {"value": null, "unit": null}}"#).unwrap(), None);
        assert_eq!(read(r#"{"processing_time": null}"#).unwrap(), None);
        assert_eq!(read(r#"{}"#).unwrap(), None);
        assert!(read(r#"{"processing_time": {"value": 3, "unit": null}}"#).is_err());
        assert!(read(r#"{"processing_time": {"value": null, "unit": "working_days"}}"#).is_err());
    }

    #[test]
    fn processing_time_displays_in_words() {
        assert_eq!(ProcessingTime::working_days(1).to_string(), "1 working day");
        assert_eq!(ProcessingTime::working_days(3).to_string(), "3 working days");
        assert_eq!(ProcessingTime::working_hours(4).to_string(), "4 working hours");
        assert_eq!(ProcessingTime::calendar_days(15).to_string(), "15 calendar days");
        assert_eq!(ProcessingTime::same_day().to_string(), "same day");
    }

    // ---- effective start -------------------------------------------------------------------

    #[test]
    fn effective_start_moves_reception_outside_office_hours_to_the_next_session() {
        let cases = [
            ("2026-03-02 09:00", "2026-03-02 09:00", "inside the morning session"),
            ("2026-03-02 07:30", "2026-03-02 07:30", "at opening"),
            ("2026-03-02 06:00", "2026-03-02 07:30", "before opening"),
            ("2026-03-02 11:30", "2026-03-02 13:30", "at the morning close"),
            ("2026-03-02 12:00", "2026-03-02 13:30", "lunch break"),
            ("2026-03-02 16:59", "2026-03-02 16:59", "last minute"),
            ("2026-03-02 17:00", "2026-03-03 07:30", "at closing"),
            ("2026-03-02 22:00", "2026-03-03 07:30", "evening"),
            ("2026-03-06 18:00", "2026-03-09 07:30", "Friday evening → Monday"),
            ("2026-03-08 10:00", "2026-03-09 07:30", "Sunday"),
            ("2026-01-09 18:00", "2026-01-10 07:30", "Friday evening → make-up Saturday"),
            ("2026-02-13 18:00", "2026-02-23 07:30", "Friday evening before Tết"),
            ("2026-02-18 10:00", "2026-02-23 07:30", "during Tết"),
            ("2026-04-26 10:00", "2026-04-28 07:30", "Sunday before Giỗ Tổ nghỉ bù"),
            ("2025-12-31 17:30", "2026-01-05 07:30", "New Year's Eve across the year"),
        ];
        for (received, expected, why) in cases {
            assert_eq!(effective_start(real(), &hours(), t(received)).unwrap(), t(expected), "{why}");
        }
    }

    // ---- working days and hours ------------------------------------------------------------

    #[test]
    fn three_working_days_from_monday_morning_end_thursday_same_time() {
        let deadline = due("2026-03-02 09:00", ProcessingTime::working_days(3));
        assert_eq!(deadline.start, t("2026-03-02 09:00"));
        assert_eq!(deadline.due, t("2026-03-05 09:00"));
        assert_eq!(kinds(&deadline), vec![TermKind::Received, TermKind::WorkingTime, TermKind::Due]);
        assert_eq!(
            term(&deadline, TermKind::WorkingTime).text,
            "3 working days × 450 office minutes a day = 1350 working minutes counted through office sessions → Thu 2026-03-05 09:00"
        );
        assert_eq!(term(&deadline, TermKind::Due).text, "due Thu 2026-03-05 09:00");
    }

    #[test]
    fn one_working_day_from_friday_before_tet_lands_on_the_monday_after() {
        // Fri 16:00–17:00 = 60 min; Tết 14/02–22/02 off; Mon 23/02 07:30–11:30 = 240; 13:30 + 150.
        let deadline = due("2026-02-13 16:00", ProcessingTime::working_days(1));
        assert_eq!(deadline.due, t("2026-02-23 16:00"));
        let skipped = term(&deadline, TermKind::SkippedHolidays);
        assert_eq!(
            skipped.text,
            "skipped holidays Sat 2026-02-14 to Sun 2026-02-22 (9 days off) → counting resumes Mon 2026-02-23 07:30"
        );
        assert_eq!(skipped.at, t("2026-02-23 07:30"));
    }

    #[test]
    fn the_make_up_saturday_counts_as_a_working_day() {
        let deadline = due("2026-01-09 09:00", ProcessingTime::working_days(1));
        assert_eq!(deadline.due, t("2026-01-10 09:00"));
        let makeup = term(&deadline, TermKind::MakeupWorkingDay);
        assert!(makeup.text.starts_with("Sat 2026-01-10 is a make-up working day"));
        assert_eq!(makeup.at, t("2026-01-10 07:30"));
    }

    #[test]
    fn the_2025_make_up_saturday_counts_too() {
        // Fri 25/04/2025 16:00: 60 min, then make-up Sat 26/04: 240 + 150 → 16:00.
        let deadline = due("2025-04-25 16:00", ProcessingTime::working_days(1));
        assert_eq!(deadline.due, t("2025-04-26 16:00"));
    }

    #[test]
    fn giỗ_tổ_compensatory_monday_is_skipped() {
        // Fri 24/04 09:00: 150 + 210 = 360 min; 25–27/04 off; Tue 28/04 07:30 + 90 = 09:00.
        let deadline = due("2026-04-24 09:00", ProcessingTime::working_days(1));
        assert_eq!(deadline.due, t("2026-04-28 09:00"));
        assert_eq!(
            term(&deadline, TermKind::SkippedHolidays).text,
            "skipped holidays Sat 2026-04-25 to Mon 2026-04-27 (3 days off) → counting resumes Tue 2026-04-28 07:30"
        );
    }

    #[test]
    fn the_30_april_block_of_2025_is_skipped() {
        // Tue 29/04/2025 09:00: 360 min; 30/04–04/05 off; Mon 05/05: 450; Tue 06/05 07:30 + 90.
        let deadline = due("2025-04-29 09:00", ProcessingTime::working_days(2));
        assert_eq!(deadline.due, t("2025-05-06 09:00"));
        assert!(term(&deadline, TermKind::SkippedHolidays)
            .text
            .starts_with("skipped holidays Wed 2025-04-30 to Sun 2025-05-04 (5 days off)"));
    }

    #[test]
    fn the_national_day_block_and_its_make_up_saturday_of_2026() {
        // Fri 28/08 09:00: 360 min; 29/08–02/09 off; Thu 03/09: 450; Fri 04/09 07:30 + 90.
        let deadline = due("2026-08-28 09:00", ProcessingTime::working_days(2));
        assert_eq!(deadline.due, t("2026-09-04 09:00"));
        assert!(term(&deadline, TermKind::SkippedHolidays)
            .text
            .starts_with("skipped holidays Sat 2026-08-29 to Wed 2026-09-02 (5 days off)"));
        // Fri 21/08 16:00: 60 min, then make-up Sat 22/08 runs out at 16:00.
        let makeup = due("2026-08-21 16:00", ProcessingTime::working_days(1));
        assert_eq!(makeup.due, t("2026-08-22 16:00"));
        assert_eq!(
            kinds(&makeup),
            vec![TermKind::Received, TermKind::WorkingTime, TermKind::MakeupWorkingDay, TermKind::Due]
        );
    }

    #[test]
    fn a_deadline_crosses_new_year_between_two_loaded_years() {
        // Wed 31/12/2025 16:00: 60 min; 01–04/01/2026 off; Mon 05/01: 240 + 150 → 16:00.
        let deadline = due("2025-12-31 16:00", ProcessingTime::working_days(1));
        assert_eq!(deadline.due, t("2026-01-05 16:00"));
        assert!(!kinds(&deadline).contains(&TermKind::CalendarNotLoaded));
    }

    #[test]
    fn time_running_out_at_a_session_close_stays_at_that_close() {
        let cases = [
            ("2026-03-02 07:30", ProcessingTime::working_hours(4), "2026-03-02 11:30"),
            ("2026-03-02 10:30", ProcessingTime::working_hours(1), "2026-03-02 11:30"),
            ("2026-03-02 07:30", ProcessingTime::working_days(1), "2026-03-02 17:00"),
            ("2026-03-02 07:30", ProcessingTime::working_days(2), "2026-03-03 17:00"),
            ("2026-03-06 13:30", ProcessingTime::working_hours(4), "2026-03-09 08:00"),
        ];
        for (received, time, expected) in cases {
            assert_eq!(due(received, time).due, t(expected), "{received} + {time}");
        }
    }

    #[test]
    fn reception_at_lunch_counts_from_the_afternoon_session() {
        // 13:30–17:00 = 210; Tue 07:30 + 240 = 11:30, kept at the close.
        let deadline = due("2026-03-02 12:00", ProcessingTime::working_days(1));
        assert_eq!(deadline.start, t("2026-03-02 13:30"));
        assert_eq!(deadline.due, t("2026-03-03 11:30"));
        let outside = term(&deadline, TermKind::OutsideOfficeHours);
        assert_eq!(
            outside.text,
            "received between office sessions → counted from the start of the next working session, Mon 2026-03-02 13:30"
        );
        assert_eq!(outside.at, t("2026-03-02 13:30"));
    }

    #[test]
    fn reception_on_sunday_counts_from_monday_opening() {
        // 2 × 450 = 900 min = Mon and Tue in full.
        let deadline = due("2026-03-08 10:00", ProcessingTime::working_days(2));
        assert_eq!(deadline.start, t("2026-03-09 07:30"));
        assert_eq!(deadline.due, t("2026-03-10 17:00"));
        assert!(term(&deadline, TermKind::OutsideOfficeHours)
            .text
            .starts_with("received on Sun 2026-03-08, a day off (weekend)"));
    }

    #[test]
    fn reception_after_closing_and_before_opening_are_explained() {
        let evening = due("2026-03-02 18:00", ProcessingTime::working_hours(1));
        assert_eq!(evening.due, t("2026-03-03 08:30"));
        assert!(term(&evening, TermKind::OutsideOfficeHours).text.starts_with("received after closing time (17:00)"));
        let early = due("2026-03-02 06:00", ProcessingTime::working_hours(1));
        assert_eq!(early.due, t("2026-03-02 08:30"));
        assert!(term(&early, TermKind::OutsideOfficeHours).text.starts_with("received before opening time (07:30)"));
        let holiday = due("2026-04-27 09:00", ProcessingTime::working_hours(1));
        assert_eq!(holiday.due, t("2026-04-28 08:30"));
        assert!(term(&holiday, TermKind::OutsideOfficeHours)
            .text
            .starts_with("received on Mon 2026-04-27, a day off (listed holiday)"));
    }

    #[test]
    fn zero_working_time_is_due_at_the_effective_start() {
        let sunday = due("2026-03-08 10:00", ProcessingTime::working_days(0));
        assert_eq!(sunday.due, t("2026-03-09 07:30"));
        assert_eq!(sunday.due, sunday.start);
        let open = due("2026-03-02 09:15", ProcessingTime::working_hours(0));
        assert_eq!(open.due, t("2026-03-02 09:15"));
    }

    #[test]
    fn seconds_of_the_reception_instant_are_kept() {
        let received = t("2026-03-02 09:00") + TimeDelta::seconds(40);
        let deadline = due_at(real(), &hours(), received, ProcessingTime::working_days(3)).unwrap();
        assert_eq!(deadline.due, t("2026-03-05 09:00") + TimeDelta::seconds(40));
        assert_eq!(term(&deadline, TermKind::Due).text, "due Thu 2026-03-05 09:00:40");
    }

    #[test]
    fn a_procedure_from_procedures_json_with_seven_working_days() {
        // Mon 09/03 10:00: 90 + 210 = 300; Tue–Tue (6 days) = 2700; 3150 − 3000 = 150 left
        // on Wed 18/03 → 07:30 + 150 = 10:00.
        let deadline = due("2026-03-09 10:00", ProcessingTime::working_days(7));
        assert_eq!(deadline.due, t("2026-03-18 10:00"));
    }

    // ---- calendar days ---------------------------------------------------------------------

    #[test]
    fn calendar_days_landing_on_a_working_day_are_due_at_its_close() {
        let deadline = due("2026-03-02 09:00", ProcessingTime::calendar_days(10));
        assert_eq!(deadline.due, t("2026-03-12 17:00"));
        assert_eq!(
            term(&deadline, TermKind::CalendarDays).text,
            "10 calendar days (weekends and days off included) from Mon 2026-03-02 → Thu 2026-03-12, due at the close of office, 17:00"
        );
    }

    #[test]
    fn calendar_days_landing_on_a_holiday_move_to_the_next_working_day() {
        // Thu 16/04 + 15 = Fri 01/05 (Labour Day); 02–03/05 off → Mon 04/05 17:00.
        let deadline = due("2026-04-16 10:00", ProcessingTime::calendar_days(15));
        assert_eq!(deadline.due, t("2026-05-04 17:00"));
        let moved = term(&deadline, TermKind::MovedToWorkingDay);
        assert_eq!(
            moved.text,
            "Fri 2026-05-01 is not a working day (listed holiday) → moved to the close of the next working day, Mon 2026-05-04 17:00"
        );
        assert_eq!(moved.at, t("2026-05-04 17:00"));
        assert!(term(&deadline, TermKind::SkippedHolidays)
            .text
            .starts_with("skipped holidays Fri 2026-05-01 to Sun 2026-05-03 (3 days off)"));
    }

    #[test]
    fn calendar_days_landing_on_a_weekend_move_to_monday() {
        let deadline = due("2026-03-02 09:00", ProcessingTime::calendar_days(5));
        assert_eq!(deadline.due, t("2026-03-09 17:00"));
        assert!(term(&deadline, TermKind::MovedToWorkingDay).text.contains("(weekend)"));
        assert!(!kinds(&deadline).contains(&TermKind::SkippedHolidays));
    }

    #[test]
    fn calendar_days_landing_inside_tet_move_to_the_first_day_back() {
        // Mon 09/02 + 10 = Thu 19/02 (mùng 3) → Mon 23/02 17:00.
        let deadline = due("2026-02-09 08:00", ProcessingTime::calendar_days(10));
        assert_eq!(deadline.due, t("2026-02-23 17:00"));
        assert!(term(&deadline, TermKind::SkippedHolidays)
            .text
            .starts_with("skipped holidays Thu 2026-02-19 to Sun 2026-02-22 (4 days off)"));
    }

    #[test]
    fn calendar_days_landing_on_the_make_up_saturday_stay_there() {
        let deadline = due("2025-12-31 09:00", ProcessingTime::calendar_days(10));
        assert_eq!(deadline.due, t("2026-01-10 17:00"));
        assert!(kinds(&deadline).contains(&TermKind::MakeupWorkingDay));
        assert!(!kinds(&deadline).contains(&TermKind::MovedToWorkingDay));
    }

    #[test]
    fn calendar_days_count_from_the_effective_start_date() {
        // Fri 06/03 18:00 → counted from Mon 09/03; + 10 = Thu 19/03.
        let deadline = due("2026-03-06 18:00", ProcessingTime::calendar_days(10));
        assert_eq!(deadline.due, t("2026-03-19 17:00"));
        let zero = due("2026-03-02 16:30", ProcessingTime::calendar_days(0));
        assert_eq!(zero.due, t("2026-03-02 17:00"));
    }

    // ---- same day --------------------------------------------------------------------------

    #[test]
    fn same_day_is_due_at_close_unless_received_after_the_cutoff() {
        let cases = [
            ("2026-03-02 10:00", "2026-03-02 17:00", "morning"),
            ("2026-03-02 14:59", "2026-03-02 17:00", "just before the cut-off"),
            ("2026-03-02 15:00", "2026-03-02 17:00", "15:00 itself is not after 15:00"),
            ("2026-03-02 15:01", "2026-03-03 17:00", "after the cut-off"),
            ("2026-03-02 12:00", "2026-03-02 17:00", "lunch: counted from 13:30, before the cut-off"),
            ("2026-03-02 06:45", "2026-03-02 17:00", "before opening: counted from 07:30"),
            ("2026-03-02 18:00", "2026-03-03 17:00", "evening: counted from the next morning"),
            ("2026-03-08 10:00", "2026-03-09 17:00", "Sunday"),
            ("2026-03-06 15:30", "2026-03-09 17:00", "Friday after the cut-off → Monday"),
            ("2026-01-09 16:00", "2026-01-10 17:00", "Friday after the cut-off → make-up Saturday"),
            ("2026-02-13 15:30", "2026-02-23 17:00", "after the cut-off before Tết"),
            ("2026-04-29 16:00", "2026-05-04 17:00", "after the cut-off before 30/4–1/5"),
        ];
        for (received, expected, why) in cases {
            assert_eq!(due(received, ProcessingTime::same_day()).due, t(expected), "{why}");
        }
    }

    #[test]
    fn same_day_after_the_cutoff_is_explained() {
        let deadline = due("2026-02-13 15:30", ProcessingTime::same_day());
        assert_eq!(
            kinds(&deadline),
            vec![
                TermKind::Received,
                TermKind::AfterCutoff,
                TermKind::SameDay,
                TermKind::SkippedHolidays,
                TermKind::Due
            ]
        );
        assert_eq!(
            term(&deadline, TermKind::AfterCutoff).text,
            "counting starts after the 15:00 cut-off for same-day procedures → due on the next working day, Mon 2026-02-23"
        );
        assert_eq!(deadline.start, t("2026-02-13 15:30"));
    }

    // ---- years without data, misconfiguration, limits --------------------------------------

    #[test]
    fn a_deadline_in_a_year_without_data_says_so() {
        // 2028-01-03 is a Monday; 2028 is not loaded, so only weekends are days off.
        let deadline = due("2028-01-03 09:00", ProcessingTime::working_days(3));
        assert_eq!(deadline.due, t("2028-01-06 09:00"));
        assert_eq!(
            term(&deadline, TermKind::CalendarNotLoaded).text,
            "no official calendar is loaded for 2028: only Saturdays and Sundays count as days off that year"
        );
    }

    fn every_day_off() -> WorkingCalendar {
        let year = |y: i32| CalendarYear {
            year: y,
            holidays: d(&format!("{y}-01-01")).iter_days().take_while(|date| date.year() == y).collect(),
            makeup_working_days: BTreeSet::new(),
        };
        WorkingCalendar::from_years([year(2026), year(2027)]).unwrap()
    }

    #[test]
    fn a_calendar_without_working_days_fails_instead_of_looping() {
        let cal = every_day_off();
        let expected = CalendarError::NoWorkingDay { from: d("2026-01-01"), days: 370 };
        let when = t("2026-01-01 09:00");
        assert_eq!(effective_start(&cal, &hours(), when), Err(expected.clone()));
        assert_eq!(due_at(&cal, &hours(), when, ProcessingTime::same_day()), Err(expected.clone()));
        assert_eq!(add_working_minutes(&cal, &hours(), when, 60), Err(expected.clone()));
        assert_eq!(cal.next_working_day_after(d("2025-12-31")), Err(expected.clone()));
        assert!(expected.to_string().contains("check the holiday calendar"));
        assert_eq!(working_minutes_between(&cal, &hours(), when, t("2026-06-01 09:00")), 0);
    }

    #[test]
    fn an_absurd_duration_hits_the_horizon_instead_of_looping() {
        let error =
            due_at(real(), &hours(), t("2026-03-02 09:00"), ProcessingTime::working_days(u32::MAX)).unwrap_err();
        assert_eq!(error, CalendarError::BeyondHorizon { from: d("2026-03-02"), days: HORIZON_DAYS });
    }

    // ---- working minutes -------------------------------------------------------------------

    #[test]
    fn working_minutes_between_counts_office_time_only() {
        let between = |a: &str, b: &str| working_minutes_between(real(), &hours(), t(a), t(b));
        assert_eq!(between("2026-03-02 09:00", "2026-03-05 09:00"), 1350);
        assert_eq!(between("2026-02-13 16:00", "2026-02-23 16:00"), 450);
        assert_eq!(between("2026-03-02 10:00", "2026-03-02 14:00"), 120);
        assert_eq!(between("2026-03-02 11:45", "2026-03-02 13:15"), 0, "lunch");
        assert_eq!(between("2026-03-06 17:00", "2026-03-09 07:30"), 0, "weekend");
        assert_eq!(between("2026-03-05 09:00", "2026-03-02 09:00"), 0, "reversed");
        assert_eq!(between("2026-03-02 09:00", "2026-03-02 09:00"), 0, "empty");
        assert_eq!(between("2026-01-09 00:00", "2026-01-11 00:00"), 900, "Fri + make-up Sat");
        // A whole month of March 2026: 22 weekdays, no holidays.
        assert_eq!(between("2026-03-01 00:00", "2026-04-01 00:00"), 22 * 450);
    }

    #[test]
    fn add_working_minutes_walks_through_sessions() {
        let add = |a: &str, m: i64| add_working_minutes(real(), &hours(), t(a), m).unwrap();
        assert_eq!(add("2026-03-02 09:00", 0), t("2026-03-02 09:00"));
        assert_eq!(add("2026-03-02 12:00", 0), t("2026-03-02 13:30"));
        assert_eq!(add("2026-03-02 11:00", 30), t("2026-03-02 11:30"));
        assert_eq!(add("2026-03-02 11:00", 31), t("2026-03-02 13:31"));
        assert_eq!(add("2026-03-02 16:00", 60), t("2026-03-02 17:00"));
        assert_eq!(add("2026-03-02 16:00", 61), t("2026-03-03 07:31"));
        assert_eq!(add("2026-02-13 16:00", 450), t("2026-02-23 16:00"));
        assert_eq!(
            add_working_minutes(real(), &hours(), t("2026-03-02 09:00"), -1),
            Err(CalendarError::NegativeDuration { minutes: -1 })
        );
    }

    // ---- pauses ----------------------------------------------------------------------------

    #[test]
    fn a_pause_moves_the_due_by_its_working_length() {
        let shift =
            |due: &str, from: &str, to: &str| shift_for_pause(real(), &hours(), t(due), t(from), t(to)).unwrap();
        // Mon 16:00 → Tue 09:00 = 60 + 90 = 150 min; Thu 09:00 + 150 = 11:30, kept at the close.
        assert_eq!(shift("2026-03-05 09:00", "2026-03-02 16:00", "2026-03-03 09:00"), t("2026-03-05 11:30"));
        // A pause across Tết only counts its office time: Fri 16:00–17:00 and Mon 07:30–08:30
        // = 120 min; Tue 10:00–11:30 = 90, then 13:30 + 30.
        assert_eq!(shift("2026-02-24 10:00", "2026-02-13 16:00", "2026-02-23 08:30"), t("2026-02-24 14:00"));
        // Zero, negative and off-hours pauses change nothing, even for a due at a close.
        assert_eq!(shift("2026-03-05 11:30", "2026-03-03 09:00", "2026-03-03 09:00"), t("2026-03-05 11:30"));
        assert_eq!(shift("2026-03-05 11:30", "2026-03-03 10:00", "2026-03-03 09:00"), t("2026-03-05 11:30"));
        assert_eq!(shift("2026-03-05 11:30", "2026-03-02 17:00", "2026-03-03 07:30"), t("2026-03-05 11:30"));
        // A due at the day's close moves into the next working day.
        assert_eq!(shift("2026-03-05 17:00", "2026-03-02 09:00", "2026-03-02 09:30"), t("2026-03-06 08:00"));
    }

    // ---- serialisation ---------------------------------------------------------------------

    #[test]
    fn a_deadline_serialises_for_the_endpoint() {
        let deadline = due("2026-04-24 09:00", ProcessingTime::working_days(1));
        let json = serde_json::to_value(&deadline).unwrap();
        assert_eq!(json["start"], "2026-04-24T09:00:00+07:00");
        assert_eq!(json["due"], "2026-04-28T09:00:00+07:00");
        assert_eq!(json["terms"][0]["kind"], "received");
        assert_eq!(json["terms"][1]["kind"], "working_time");
        assert_eq!(json["terms"][2]["kind"], "skipped_holidays");
        assert_eq!(json["terms"][2]["at"], "2026-04-28T07:30:00+07:00");
        assert_eq!(json["terms"][3]["kind"], "due");
        let back: Deadline = serde_json::from_value(json).unwrap();
        assert_eq!(back, deadline);
    }

    // ---- properties ------------------------------------------------------------------------

    /// Any instant in 2025–2026, given in a random offset between UTC−12 and UTC+14.
    fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
        (0_u64..730, 0_u32..86_400, -12_i32..=14).prop_map(|(day, second, offset_hours)| {
            let date = d("2025-01-01") + Days::new(day);
            let time = NaiveTime::from_num_seconds_from_midnight_opt(second, 0).unwrap();
            let local = business_offset().from_local_datetime(&date.and_time(time)).single().unwrap();
            local.with_timezone(&FixedOffset::east_opt(offset_hours * 3600).unwrap())
        })
    }

    fn unit() -> impl Strategy<Value = TimeUnit> {
        prop_oneof![
            Just(TimeUnit::WorkingDays),
            Just(TimeUnit::WorkingHours),
            Just(TimeUnit::CalendarDays),
            Just(TimeUnit::SameDay),
        ]
    }

    /// Inside office hours: on a working day, within a session (its close included).
    fn within_office_hours(instant: DateTime<FixedOffset>) -> bool {
        let local = to_local(instant);
        real().is_working_day(local.date())
            && hours().sessions.iter().any(|&(opens, closes)| opens < local.time() && local.time() <= closes)
    }

    proptest! {
        #[test]
        fn due_is_after_start_which_is_after_reception(
            received in instant(), unit in unit(), value in 0_u32..40,
        ) {
            let deadline = due_at(real(), &hours(), received, ProcessingTime { value, unit }).unwrap();
            prop_assert!(deadline.start >= received);
            prop_assert!(deadline.due >= deadline.start);
            prop_assert_eq!(deadline.start, effective_start(real(), &hours(), received).unwrap());
            prop_assert_eq!(deadline.terms.last().map(|term| term.kind), Some(TermKind::Due));
        }

        #[test]
        fn due_is_monotonic_in_duration(
            received in instant(), unit in unit(), a in 0_u32..40, b in 0_u32..40,
        ) {
            let (short, long) = (a.min(b), a.max(b));
            let first = due_at(real(), &hours(), received, ProcessingTime { value: short, unit }).unwrap();
            let second = due_at(real(), &hours(), received, ProcessingTime { value: long, unit }).unwrap();
            prop_assert!(first.due <= second.due);
        }

        #[test]
        fn working_time_never_lands_on_a_day_off_or_outside_office_hours(
            received in instant(), days in prop::bool::ANY, value in 1_u32..60,
        ) {
            let time = if days { ProcessingTime::working_days(value) } else { ProcessingTime::working_hours(value) };
            let deadline = due_at(real(), &hours(), received, time).unwrap();
            prop_assert!(within_office_hours(deadline.due), "{}", deadline.due);
        }

        #[test]
        fn day_based_deadlines_are_due_at_the_close_of_a_working_day(
            received in instant(), calendar in prop::bool::ANY, value in 0_u32..60,
        ) {
            let time = if calendar { ProcessingTime::calendar_days(value) } else { ProcessingTime::same_day() };
            let due = to_local(due_at(real(), &hours(), received, time).unwrap().due);
            prop_assert!(real().is_working_day(due.date()));
            prop_assert_eq!(due.time(), hm_("17:00"));
        }

        #[test]
        fn effective_start_is_inside_office_hours_and_idempotent(received in instant()) {
            let start = effective_start(real(), &hours(), received).unwrap();
            let local = to_local(start);
            prop_assert!(real().is_working_day(local.date()));
            prop_assert!(hours().is_open_at(local.time()));
            prop_assert_eq!(effective_start(real(), &hours(), start).unwrap(), start);
            prop_assert_eq!(working_minutes_between(real(), &hours(), received, start), 0);
        }

        #[test]
        fn a_zero_pause_changes_nothing(
            received in instant(), value in 0_u32..20, pause_at in instant(),
        ) {
            let due = due_at(real(), &hours(), received, ProcessingTime::working_days(value)).unwrap().due;
            prop_assert_eq!(shift_for_pause(real(), &hours(), due, pause_at, pause_at).unwrap(), due);
        }

        #[test]
        fn a_pause_never_moves_the_due_earlier(
            received in instant(), unit in unit(), value in 0_u32..20, a in instant(), b in instant(),
        ) {
            let due = due_at(real(), &hours(), received, ProcessingTime { value, unit }).unwrap().due;
            let shifted = shift_for_pause(real(), &hours(), due, a, b).unwrap();
            prop_assert!(shifted >= due);
            let paused = working_minutes_between(real(), &hours(), a, b);
            if paused > 0 {
                // The agency gets back exactly the office time the pause took.
                prop_assert_eq!(
                    working_minutes_between(real(), &hours(), due, shifted),
                    paused
                );
            } else {
                prop_assert_eq!(shifted, due);
            }
        }

        #[test]
        fn minutes_added_are_minutes_between(received in instant(), minutes in 0_i64..20_000) {
            let start = effective_start(real(), &hours(), received).unwrap();
            let end = add_working_minutes(real(), &hours(), start, minutes).unwrap();
            prop_assert_eq!(working_minutes_between(real(), &hours(), start, end), minutes);
        }

        #[test]
        fn adding_in_two_steps_equals_adding_at_once(
            received in instant(), a in 1_i64..5_000, b in 1_i64..5_000,
        ) {
            let once = add_working_minutes(real(), &hours(), received, a + b).unwrap();
            let first = add_working_minutes(real(), &hours(), received, a).unwrap();
            prop_assert_eq!(add_working_minutes(real(), &hours(), first, b).unwrap(), once);
        }

        #[test]
        fn working_days_equal_their_minutes(received in instant(), value in 0_u32..30) {
            let deadline = due_at(real(), &hours(), received, ProcessingTime::working_days(value)).unwrap();
            prop_assert_eq!(
                working_minutes_between(real(), &hours(), deadline.start, deadline.due),
                i64::from(value) * 450
            );
        }
    }
}
