//! Calendar months (`YYYY-MM`): evidence folders, evaluation periods and month ends.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A string that is not a month `YYYY-MM` from 1970 to 9998 (kept, to be named).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthError {
    pub input: String,
}

impl fmt::Display for MonthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid month {:?}: expected YYYY-MM, e.g. 2026-11",
            self.input
        )
    }
}

impl std::error::Error for MonthError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i16,
    pub month: i8,
}

impl Month {
    pub fn parse(s: &str) -> Result<Self, MonthError> {
        let err = || MonthError {
            input: s.to_owned(),
        };
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let year: i16 = y.parse().map_err(|_| err())?;
        let month: i8 = m.parse().map_err(|_| err())?;
        // The month after must exist too (month ends are the next month's start).
        if !(1..=12).contains(&month) || !(1970..=9998).contains(&year) {
            return Err(err());
        }
        Ok(Month { year, month })
    }

    pub fn first_day(self) -> Date {
        Date::new(self.year, self.month, 1).expect("validated month")
    }

    pub fn last_day(self) -> Date {
        self.first_day().last_of_month()
    }

    /// The first instant of the month, UTC.
    pub fn start(self) -> Timestamp {
        self.first_day()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .expect("in range")
            .timestamp()
    }

    /// The first instant of the next month, UTC: the month covers `[start, end)`.
    pub fn end(self) -> Timestamp {
        self.next().start()
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn contains(self, t: Timestamp) -> bool {
        self.start() <= t && t < self.end()
    }

    /// The current UTC month.
    pub fn current() -> Month {
        let d = Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        Month {
            year: d.year(),
            month: d.month(),
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Month::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!(m.next().to_string(), "2026-12");
        assert_eq!(
            Month::parse("2027-01").unwrap().prev().to_string(),
            "2026-12"
        );
        assert_eq!(m.last_day().to_string(), "2026-11-30");
    }

    #[test]
    fn rejects_bad_months() {
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "2026-11-01",
            "",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn month_contains_its_instants_only() {
        let m = Month::parse("2026-02").unwrap();
        assert!(m.contains("2026-02-28T23:59:59Z".parse().unwrap()));
        assert!(!m.contains("2026-03-01T00:00:00Z".parse().unwrap()));
        assert!(!m.contains("2026-01-31T23:59:59Z".parse().unwrap()));
    }
}
