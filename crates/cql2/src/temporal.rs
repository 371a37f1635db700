//! Calendar dates and UTC timestamps of CQL2 literals, validated and normalised, so that
//! `TIMESTAMP('2012-08-10T05:30:00.000000Z')` and `{"timestamp": "2012-08-10T05:30:00Z"}` are
//! the same value.

use std::fmt;
use std::str::FromStr;

use crate::error::ParseError;

/// A calendar date (`fullDate` of the BNF, `YYYY-MM-DD`); always a real day of the Gregorian
/// calendar when it comes from a parser. Orders chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, 0 to 9999.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 28, 29, 30 or 31.
    pub day: u8,
}

/// An instant in UTC (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`), to the nanosecond. Orders
/// chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// The UTC date.
    pub date: Date,
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
    /// Second, 0 to 59.
    pub second: u8,
    /// Fraction of the second in nanoseconds, 0 to 999 999 999.
    pub nanosecond: u32,
}

const DATE_FORM: &str = "expected a date of the form YYYY-MM-DD, e.g. '2024-07-02'";
const TIMESTAMP_FORM: &str = "expected a UTC timestamp of the form YYYY-MM-DDTHH:MM:SS[.fraction]Z, \
     e.g. '2012-08-10T05:30:00Z'";

fn digits(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl Date {
    /// Reads `YYYY-MM-DD`; the message says what is wrong.
    pub(crate) fn parse(s: &str) -> Result<Date, String> {
        let b = s.as_bytes();
        let form = || {
            format!(
                "invalid date '{}': {DATE_FORM}",
                crate::error::snippet(s, 40)
            )
        };
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(form());
        }
        let (Some(year), Some(month), Some(day)) =
            (digits(&b[..4]), digits(&b[5..7]), digits(&b[8..]))
        else {
            return Err(form());
        };
        // All three fit their types: at most 4 and 2 digits.
        let (year, month, day) = (year as u16, month as u8, day as u8);
        if !(1..=12).contains(&month) {
            return Err(format!("invalid date '{s}': there is no month {month}"));
        }
        let last = days_in_month(year, month);
        if day == 0 || day > last {
            return Err(format!(
                "invalid date '{s}': month {month} of {year} has {last} days"
            ));
        }
        Ok(Date { year, month, day })
    }
}

impl Timestamp {
    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (at most 9 fraction digits).
    pub(crate) fn parse(s: &str) -> Result<Timestamp, String> {
        let b = s.as_bytes();
        let form = || {
            format!(
                "invalid timestamp '{}': {TIMESTAMP_FORM}",
                crate::error::snippet(s, 40)
            )
        };
        if b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[b.len() - 1] != b'Z'
        {
            return Err(form());
        }
        let date = Date::parse(&s[..10]).map_err(|m| m.replacen("date", "timestamp", 1))?;
        let (Some(hour), Some(minute), Some(second)) =
            (digits(&b[11..13]), digits(&b[14..16]), digits(&b[17..19]))
        else {
            return Err(form());
        };
        let fraction = &b[19..b.len() - 1];
        let nanosecond = match fraction {
            [] => 0,
            [b'.', rest @ ..] if (1..=9).contains(&rest.len()) => {
                let n = digits(rest).ok_or_else(form)?;
                n * 10u32.pow(9 - rest.len() as u32)
            }
            [b'.', rest @ ..] if rest.len() > 9 && rest.iter().all(u8::is_ascii_digit) => {
                return Err(format!(
                    "invalid timestamp '{}': at most 9 fraction digits (nanoseconds) are supported",
                    crate::error::snippet(s, 40)
                ));
            }
            _ => return Err(form()),
        };
        if hour > 23 || minute > 59 || second > 59 {
            return Err(format!(
                "invalid timestamp '{s}': the time of day is out of range"
            ));
        }
        Ok(Timestamp {
            date,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            nanosecond,
        })
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the fraction without trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}T{:02}:{:02}:{:02}",
            self.date, self.hour, self.minute, self.second
        )?;
        if self.nanosecond > 0 {
            let fraction = format!("{:09}", self.nanosecond);
            write!(f, ".{}", fraction.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

impl FromStr for Date {
    type Err = ParseError;

    /// Reads `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s).map_err(|m| ParseError::new(s, 0, m))
    }
}

impl FromStr for Timestamp {
    type Err = ParseError;

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s).map_err(|m| ParseError::new(s, 0, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_validated_against_the_calendar() {
        assert_eq!(
            Date::parse("2024-02-29"),
            Ok(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert!(
            Date::parse("2023-02-29")
                .unwrap_err()
                .contains("has 28 days")
        );
        assert!(Date::parse("1900-02-29").is_err());
        assert!(Date::parse("2000-02-29").is_ok());
        assert!(
            Date::parse("2024-13-01")
                .unwrap_err()
                .contains("no month 13")
        );
        for bad in [
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-01T00:00:00Z",
            "",
            "２０２４-01-01",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps_normalise_their_fraction() {
        let a = Timestamp::parse("2012-08-10T05:30:00.000000Z").unwrap();
        let b = Timestamp::parse("2012-08-10T05:30:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "2012-08-10T05:30:00Z");
        let c = Timestamp::parse("2005-01-10T01:01:01.393216Z").unwrap();
        assert_eq!(c.nanosecond, 393_216_000);
        assert_eq!(c.to_string(), "2005-01-10T01:01:01.393216Z");
        assert_eq!(
            Timestamp::parse("2005-01-10T01:01:01.123456789Z")
                .unwrap()
                .nanosecond,
            123_456_789
        );
    }

    #[test]
    fn malformed_timestamps_say_the_expected_form() {
        for bad in [
            "2012-08-10",
            "2012-08-10T05:30:00",
            "2012-08-10T05:30:00+01:00",
            "2012-08-10 05:30:00Z",
            "2012-08-10T5:30:00Z",
            "2012-08-10T05:30:00.Z",
            "2012-08-10T05:30:00,5Z",
        ] {
            let e = Timestamp::parse(bad).unwrap_err();
            assert!(e.contains("YYYY-MM-DDTHH:MM:SS"), "{bad}: {e}");
        }
        assert!(
            Timestamp::parse("2012-08-10T24:00:00Z")
                .unwrap_err()
                .contains("out of range")
        );
        assert!(
            Timestamp::parse("2012-08-10T05:30:00.1234567891Z")
                .unwrap_err()
                .contains("9 fraction")
        );
        assert!(
            Timestamp::parse("2012-02-30T05:30:00Z")
                .unwrap_err()
                .contains("invalid timestamp")
        );
    }

    #[test]
    fn from_str_reports_parse_errors() {
        assert_eq!(
            "2024-07-02".parse::<Date>().unwrap().to_string(),
            "2024-07-02"
        );
        assert!(
            "x".parse::<Timestamp>()
                .unwrap_err()
                .to_string()
                .starts_with("at 0 (line 1, column 1)")
        );
    }
}
