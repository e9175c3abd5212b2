//! Dates and times in words, and read from the wire, written by hand: chrono's `format`
//! reads its pattern at run time, and its parser is a general one (RFC 2822, patterns,
//! every item); each costs every phone kilobytes of the learner's bundle. The same words
//! as chrono's `%-d %b`, `%-d %B %Y` and `%H:%M`, and the same instants as chrono's
//! RFC 3339 reader for everything Primer's server and phones write (property-tested).
//!
//! The browser bundles read dates with [`utc`], [`utc_opt`], [`ymd`] and [`ymd_opt`]
//! (`deserialize_with`, only with the `hydrate` feature); the server keeps chrono's
//! readers, which also take the looser forms other clients may send.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};

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

/// Digits as a number (`None` if any isn't one).
fn number(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    s.iter().try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

/// `YYYY-MM-DD`.
pub fn parse_ymd(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(number(&b[..4])? as i32, number(&b[5..7])?, number(&b[8..])?)
}

/// An instant in RFC 3339 (`2026-12-04T09:05:00.123Z`, `…+02:00`; `t`, `z` or a space
/// also, as chrono reads them; a fraction of any length, nanoseconds kept).
pub fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = parse_ymd(text.get(..10)?)?;
    let (h, m, sec) = (number(&b[11..13])?, number(&b[14..16])?, number(&b[17..19])?);
    let mut rest = &b[19..];
    let mut nanos = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        // Nanoseconds: the first nine digits, the rest dropped (as chrono does).
        let kept = &fraction[..digits.min(9)];
        nanos = number(kept)? * 10u32.pow(9 - kept.len() as u32);
        rest = &fraction[digits..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (oh, om) = (number(&[*h1, *h2])?, number(&[*m1, *m2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let minutes = i64::from(oh * 60 + om);
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    // A leap second (:60) is read as chrono reads it, the last second's nanoseconds running
    // on, in UTC only (nobody writes one with an offset; shifting it would lose it).
    if sec == 60 && offset != 0 {
        return None;
    }
    let (sec, nanos) = if sec == 60 { (59, nanos + 1_000_000_000) } else { (sec, nanos) };
    let local = date.and_hms_nano_opt(h, m, sec, nanos)?;
    local.and_utc().checked_sub_signed(TimeDelta::minutes(offset))
}

/// Reads an instant with [`parse_utc`] (`#[serde(deserialize_with = "crate::dates::utc")]`).
pub fn utc<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    parse_utc(&text).ok_or_else(|| serde::de::Error::custom("not an RFC 3339 time"))
}

/// [`utc`] for an optional instant (with `#[serde(default)]`: missing is none).
pub fn utc_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let text = <Option<std::borrow::Cow<'de, str>> as serde::Deserialize>::deserialize(d)?;
    text.map(|t| parse_utc(&t).ok_or_else(|| serde::de::Error::custom("not an RFC 3339 time"))).transpose()
}

/// Reads a day with [`parse_ymd`].
pub fn ymd<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    parse_ymd(&text).ok_or_else(|| serde::de::Error::custom("not a YYYY-MM-DD date"))
}

/// [`ymd`] for an optional day (with `#[serde(default)]`).
pub fn ymd_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let text = <Option<std::borrow::Cow<'de, str>> as serde::Deserialize>::deserialize(d)?;
    text.map(|t| parse_ymd(&t).ok_or_else(|| serde::de::Error::custom("not a YYYY-MM-DD date"))).transpose()
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, SecondsFormat, TimeZone};
    use proptest::prelude::*;

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

    #[test]
    fn instants_and_days_as_chrono_reads_them() {
        for text in [
            "2026-12-04T09:05:00Z",
            "2026-12-04T09:05:00.5Z",
            "2026-12-04T09:05:00.123456789Z",
            "2026-12-04T09:05:00.1234567891234Z",
            "2026-12-04t09:05:00z",
            "2026-12-04 09:05:00+02:00",
            "2026-12-04T00:05:00-05:30",
            "2024-02-29T23:59:60.5Z",
            "2026-12-31T23:59:59+00:00",
        ] {
            let chrono = text.parse::<DateTime<FixedOffset>>().unwrap().with_timezone(&Utc);
            assert_eq!(parse_utc(text), Some(chrono), "{text}");
        }
        for bad in [
            "",
            "2026-12-04",
            "2026-12-04T09:05:00",
            "2026-12-04T09:05:00.Z",
            "2026-12-04T09:05Z",
            "2026-13-04T09:05:00Z",
            "2026-02-30T09:05:00Z",
            "2026-12-04T24:00:00Z",
            "2026-12-04T09:05:00+2:00",
            "2026-12-04T09:05:00+02:60",
            "2026-12-04T09:05:00+0200",
            "2026-12-04T09:05:00+24:00",
            "2026-12-04T23:59:60+01:00",
            "2026-12-04T09:05:00Zjunk",
            "+2026-12-04T09:05:00Z",
            "2026-12-04T09:05:00\u{e9}Z",
            "2026-12-04T\u{e9}9:05:00Z",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
        assert_eq!(parse_ymd("2027-03-01"), NaiveDate::from_ymd_opt(2027, 3, 1));
        for bad in ["2027-3-01", "2027-02-29", "27-03-01", "2027/03/01", "2027-03-01T00", "+027-03-01"] {
            assert_eq!(parse_ymd(bad), None, "{bad}");
        }
    }

    #[test]
    fn serde_readers_take_what_the_wire_holds() {
        #[derive(serde::Deserialize, Debug)]
        struct Wire {
            #[serde(deserialize_with = "utc")]
            at: DateTime<Utc>,
            #[serde(default, deserialize_with = "utc_opt")]
            maybe: Option<DateTime<Utc>>,
            #[serde(default, deserialize_with = "utc_opt")]
            missing: Option<DateTime<Utc>>,
            #[serde(deserialize_with = "ymd")]
            day: NaiveDate,
            #[serde(default, deserialize_with = "ymd_opt")]
            no_day: Option<NaiveDate>,
        }
        let wire: Wire = serde_json::from_str(
            r#"{"at": "2026-12-04T09:05:00.25Z", "maybe": null, "day": "2027-01-31", "no_day": null}"#,
        )
        .unwrap();
        assert_eq!(wire.at, Utc.with_ymd_and_hms(2026, 12, 4, 9, 5, 0).unwrap() + TimeDelta::milliseconds(250));
        assert_eq!((wire.maybe, wire.missing, wire.no_day), (None, None, None));
        assert_eq!(wire.day, NaiveDate::from_ymd_opt(2027, 1, 31).unwrap());
        for bad in [
            r#"{"at": "yesterday", "day": "2027-01-31"}"#,
            r#"{"at": "2026-12-04T09:05:00Z", "maybe": "soon", "day": "2027-01-31"}"#,
            r#"{"at": "2026-12-04T09:05:00Z", "day": "2027-02-31"}"#,
            r#"{"at": 5, "day": "2027-01-31"}"#,
        ] {
            assert!(serde_json::from_str::<Wire>(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Whatever chrono writes (any precision, `Z` or an offset), read back the same.
        #[test]
        fn what_chrono_writes_reads_back(
            secs in 0i64..4_102_444_800,
            nanos in 0u32..1_000_000_000,
            offset_minutes in -(23 * 60 + 59)..=(23 * 60 + 59),
            precision in 0usize..5,
            z in any::<bool>(),
        ) {
            let at = Utc.timestamp_opt(secs, nanos).unwrap();
            let format = [SecondsFormat::Secs, SecondsFormat::Millis, SecondsFormat::Micros, SecondsFormat::Nanos, SecondsFormat::AutoSi][precision];
            for text in [
                at.to_rfc3339_opts(format, z),
                at.with_timezone(&FixedOffset::east_opt(offset_minutes * 60).unwrap()).to_rfc3339_opts(format, false),
                serde_json::to_value(at).unwrap().as_str().unwrap().to_string(),
            ] {
                let chrono = text.parse::<DateTime<FixedOffset>>().unwrap().with_timezone(&Utc);
                prop_assert_eq!(parse_utc(&text), Some(chrono), "{}", text);
            }
            let day = at.date_naive();
            prop_assert_eq!(parse_ymd(&day.to_string()), Some(day));
        }

        /// What it reads, chrono reads as the same instant: it never makes one up.
        #[test]
        fn never_reads_what_chrono_would_not(
            text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?([Zz]|[+-][0-9]{2}:[0-9]{2})?"
        ) {
            let chrono = text.parse::<DateTime<FixedOffset>>().ok().map(|t| t.with_timezone(&Utc));
            if let Some(mine) = parse_utc(&text) {
                prop_assert_eq!(Some(mine), chrono, "{}", text);
            }
        }
    }
}
