//! Policy durations (`"15m"`, `"4h"`, `"90d"`, `"7y"`): one small format for RPO, RTO,
//! frequency, retention and cadences, compared in minutes.

use serde::Serialize;
use std::fmt;

/// A duration in whole minutes, printed the way it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    minutes: u64,
}

const UNITS: [(char, u64, &str); 5] = [
    ('y', 365 * 24 * 60, "y"),
    ('w', 7 * 24 * 60, "w"),
    ('d', 24 * 60, "d"),
    ('h', 60, "h"),
    ('m', 1, "m"),
];

/// A string that is not a policy duration (kept, to be named in the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    pub input: String,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?}: expected a number and a unit (m, h, d, w, y), e.g. \"4h\" or \"90d\"",
            self.input
        )
    }
}

impl std::error::Error for DurationError {}

impl Duration {
    pub fn parse(s: &str) -> Result<Self, DurationError> {
        let err = || DurationError {
            input: s.to_owned(),
        };
        let unit = s.chars().last().ok_or_else(err)?;
        let number = &s[..s.len() - unit.len_utf8()];
        let (_, per, _) = UNITS.iter().find(|(u, _, _)| *u == unit).ok_or_else(err)?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let n: u64 = number.parse().map_err(|_| err())?;
        let minutes = n.checked_mul(*per).ok_or_else(err)?;
        Ok(Duration { minutes })
    }

    pub fn from_minutes(minutes: u64) -> Self {
        Duration { minutes }
    }

    pub fn from_span_secs(seconds: i64) -> Self {
        Duration {
            minutes: (seconds.max(0) as u64).div_ceil(60),
        }
    }

    pub fn minutes(self) -> u64 {
        self.minutes
    }

    pub fn seconds(self) -> i64 {
        (self.minutes as i64).saturating_mul(60)
    }

    pub fn days(self) -> f64 {
        self.minutes as f64 / (24.0 * 60.0)
    }
}

impl fmt::Display for Duration {
    /// The largest unit that divides the duration exactly (`"36h"`, `"90d"`, `"1y"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.minutes == 0 {
            return f.write_str("0m");
        }
        let (_, per, name) = UNITS
            .iter()
            .find(|(_, per, _)| self.minutes.is_multiple_of(*per))
            .expect("minutes divide");
        write!(f, "{}{}", self.minutes / per, name)
    }
}

impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A gap between two instants, printed for people: "2d 5h", "45m".
pub fn human_gap(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    match (d, h, m) {
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit() {
        assert_eq!(Duration::parse("15m").unwrap().minutes(), 15);
        assert_eq!(Duration::parse("4h").unwrap().minutes(), 240);
        assert_eq!(Duration::parse("90d").unwrap().minutes(), 90 * 1440);
        assert_eq!(Duration::parse("2w").unwrap().minutes(), 14 * 1440);
        assert_eq!(Duration::parse("7y").unwrap().minutes(), 7 * 365 * 1440);
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "h", "4", "4x", "-4h", "4.5h", " 4h", "4 h", "P1Y"] {
            assert!(Duration::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn prints_in_the_largest_exact_unit() {
        assert_eq!(Duration::parse("24h").unwrap().to_string(), "1d");
        assert_eq!(Duration::parse("36h").unwrap().to_string(), "36h");
        assert_eq!(Duration::parse("365d").unwrap().to_string(), "1y");
        assert_eq!(human_gap(3 * 86400 + 5 * 3600 + 60), "3d 5h");
        assert_eq!(human_gap(45 * 60), "45m");
    }
}
