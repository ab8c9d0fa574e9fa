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

/// The longest duration a policy may state: 200 years. Beyond it a value is a typo or an
/// attack, and date arithmetic with it would overflow (an RPO of 2^64 minutes used to
/// wrap around to a negative span and report gaps that are not there).
pub const MAX_YEARS: u64 = 200;
const MAX_MINUTES: u64 = MAX_YEARS * 365 * 24 * 60;

/// A string that is not a policy duration (kept, to be named in the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError {
    pub input: String,
    /// Well formed, but longer than [`MAX_YEARS`].
    pub too_long: bool,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.too_long {
            return write!(
                f,
                "duration {:?} is longer than {MAX_YEARS} years: write the real value, e.g. \"7y\"",
                self.input
            );
        }
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
            too_long: false,
        };
        let too_long = || DurationError {
            input: s.to_owned(),
            too_long: true,
        };
        let unit = s.chars().last().ok_or_else(err)?;
        let number = &s[..s.len() - unit.len_utf8()];
        let (_, per, _) = UNITS.iter().find(|(u, _, _)| *u == unit).ok_or_else(err)?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        // All digits: a number too large for u64 is too long, not malformed.
        let n: u64 = number.parse().map_err(|_| too_long())?;
        let minutes = n
            .checked_mul(*per)
            .filter(|m| *m <= MAX_MINUTES)
            .ok_or_else(too_long)?;
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
        i64::try_from(self.minutes)
            .unwrap_or(i64::MAX)
            .saturating_mul(60)
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

    /// A value beyond 200 years (or beyond u64) is refused as too long, never wrapped.
    #[test]
    fn rejects_durations_beyond_200_years() {
        assert_eq!(Duration::parse("200y").unwrap().minutes(), MAX_MINUTES);
        for bad in [
            "201y",
            "10000000000m",
            "18446744073709551615m",
            "99999999999999999999999d",
        ] {
            let e = Duration::parse(bad).unwrap_err();
            assert!(e.too_long, "{bad}");
            assert!(e.to_string().contains("longer than 200 years"), "{e}");
        }
        assert!(Duration::from_minutes(u64::MAX).seconds() > 0);
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
