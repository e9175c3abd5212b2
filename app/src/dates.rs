//! Dates and times in words, written by hand: chrono's `format` reads its pattern at run
//! time, and the pattern reader (with its printer) costs every phone kilobytes of the
//! learner's bundle. The same words as chrono's `%-d %b`, `%-d %B %Y` and `%H:%M`.

use chrono::{Datelike, NaiveTime, Timelike};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month(d: &impl Datelike) -> &'static str {
    MONTHS[d.month0() as usize]
}

/// "3 Mar".
pub fn day_month(d: &impl Datelike) -> String {
    format!("{} {}", d.day(), &month(d)[..3])
}

/// "3 March 2027".
pub fn day_month_year(d: &impl Datelike) -> String {
    format!("{} {} {}", d.day(), month(d), d.year())
}

/// "09:05".
pub fn hh_mm(t: &impl Timelike) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A time of day written `H:MM` or `HH:MM`.
pub fn parse_hh_mm(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.split_once(':')?;
    let digits = |s: &str, most: usize| !s.is_empty() && s.len() <= most && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h, 2) || !digits(m, 2) || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;

    #[test]
    fn the_same_words_as_chrono() {
        for (y, m, d) in [(2027, 3, 3), (2026, 9, 30), (2026, 12, 1), (2027, 1, 31)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(day_month(&date), date.format("%-d %b").to_string());
            assert_eq!(day_month_year(&date), date.format("%-d %B %Y").to_string());
        }
        let at = Utc.with_ymd_and_hms(2026, 12, 3, 9, 5, 0).unwrap();
        assert_eq!(hh_mm(&at), at.format("%H:%M").to_string());
        assert_eq!(day_month(&at), "3 Dec");
    }

    #[test]
    fn times_of_day() {
        assert_eq!(parse_hh_mm("9:05"), NaiveTime::from_hms_opt(9, 5, 0));
        assert_eq!(parse_hh_mm("23:59"), NaiveTime::from_hms_opt(23, 59, 0));
        for bad in ["25:00", "<b>", "9:5", "", ":", "12:345", "+1:00", "9:60"] {
            assert_eq!(parse_hh_mm(bad), None, "{bad}");
        }
    }
}
