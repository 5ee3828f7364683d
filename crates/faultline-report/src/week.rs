//! ISO weeks (`2026-W47`): Monday to Sunday, UTC.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc, Weekday};
use serde::{Serialize, Serializer};
use std::fmt;

/// One ISO week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    monday: NaiveDate,
}

/// Why a week could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("week {0:?}: expected an ISO week such as 2026-W47")]
pub struct WeekError(pub String);

impl IsoWeek {
    /// Reads `2026-W47` (also `2026W47` and `2026-w47`).
    pub fn parse(text: &str) -> Result<IsoWeek, WeekError> {
        let err = || WeekError(text.to_string());
        let (year, week) = text
            .split_once(['W', 'w'])
            .map(|(y, w)| (y.trim_end_matches('-'), w))
            .ok_or_else(err)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year) || !digits(week) || year.len() != 4 || week.len() > 2 {
            return Err(err());
        }
        let year: i32 = year.parse().map_err(|_| err())?;
        let week: u32 = week.parse().map_err(|_| err())?;
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .map(|monday| IsoWeek { monday })
            .ok_or_else(err)
    }

    /// The week `date` falls in.
    pub fn containing(date: NaiveDate) -> IsoWeek {
        let back = date.weekday().num_days_from_monday();
        IsoWeek {
            monday: date - Days::new(u64::from(back)),
        }
    }

    /// The last week that has ended by `now`: the one before `now`'s week.
    pub fn last_complete(now: DateTime<Utc>) -> IsoWeek {
        IsoWeek::containing(now.date_naive()).previous()
    }

    pub fn previous(self) -> IsoWeek {
        IsoWeek {
            monday: self.monday - Days::new(7),
        }
    }

    pub fn monday(self) -> NaiveDate {
        self.monday
    }

    pub fn sunday(self) -> NaiveDate {
        self.monday + Days::new(6)
    }

    /// The seven days, Monday first.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        (0..7).map(move |i| self.monday + Days::new(i))
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        (self.monday..=self.sunday()).contains(&date)
    }

    /// Monday 00:00 UTC.
    pub fn start(self) -> DateTime<Utc> {
        self.monday.and_time(NaiveTime::MIN).and_utc()
    }

    /// The next Monday 00:00 UTC (exclusive end).
    pub fn end(self) -> DateTime<Utc> {
        (self.monday + Days::new(7))
            .and_time(NaiveTime::MIN)
            .and_utc()
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let iso = self.monday.iso_week();
        write!(f, "{}-W{:02}", iso.year(), iso.week())
    }
}

impl Serialize for IsoWeek {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn weeks_read_and_print_in_iso_form() {
        let week = IsoWeek::parse("2026-W47").unwrap();
        assert_eq!(week.monday(), date(2026, 11, 16));
        assert_eq!(week.sunday(), date(2026, 11, 22));
        assert_eq!(week.to_string(), "2026-W47");
        assert_eq!(IsoWeek::parse("2026w47").unwrap(), week);
        // ISO week 1 of 2021 starts on 2021-01-04; 2020 had 53 weeks.
        assert_eq!(
            IsoWeek::parse("2021-W01").unwrap().monday(),
            date(2021, 1, 4)
        );
        assert_eq!(
            IsoWeek::parse("2020-W53").unwrap().monday(),
            date(2020, 12, 28)
        );
        assert_eq!(
            IsoWeek::containing(date(2021, 1, 3)).to_string(),
            "2020-W53"
        );
        for bad in [
            "", "2026", "2026-W", "2026-W54", "2021-W53", "26-W4", "2026-W4x", "W47",
        ] {
            assert!(IsoWeek::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_last_complete_week_is_the_one_before_now() {
        let thursday = date(2026, 11, 26).and_hms_opt(9, 0, 0).unwrap().and_utc();
        assert_eq!(IsoWeek::last_complete(thursday).to_string(), "2026-W47");
        let monday = date(2026, 11, 23).and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert_eq!(IsoWeek::last_complete(monday).to_string(), "2026-W47");
        let week = IsoWeek::parse("2026-W47").unwrap();
        assert_eq!(week.end() - week.start(), chrono::Duration::days(7));
        assert!(week.contains(date(2026, 11, 22)) && !week.contains(date(2026, 11, 23)));
        assert_eq!(week.previous().to_string(), "2026-W46");
    }
}
