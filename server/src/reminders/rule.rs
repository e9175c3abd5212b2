//! The reminder rules, as pure functions of dates and hours: which step of the cadence an
//! item has reached on a day, and when a message may reach someone (their sending hour,
//! outside their quiet hours, in their time zone).

use chrono::{DateTime, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

/// When reminders go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    /// Days before the due date a reminder goes (the nearest one reached), e.g. `[2]`.
    pub before: Vec<i64>,
    /// Days overdue on which a reminder goes, e.g. `[1, 4, 7, 14, 30]`.
    pub overdue: Vec<i64>,
    /// Days before a certificate expires a reminder goes (the nearest one reached), e.g.
    /// `[7, 30]`; another goes on the day it expires.
    pub expiry: Vec<i64>,
    /// The local hour (0–23) from which a day's reminders go.
    pub hour: u32,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence { before: vec![2], overdue: vec![1, 4, 7, 14, 30], expiry: vec![7, 30], hour: 9 }
    }
}

impl Cadence {
    /// Reads `2` / `1,4,7,14,30` / `30,7` lists (sorted, deduplicated; days ≥ 0 before a
    /// due date, ≥ 1 after it, ≥ 1 before an expiry).
    pub fn parse(before: &str, overdue: &str, expiry: &str, hour: u32) -> Result<Cadence, String> {
        let list = |s: &str, min: i64, name: &str| -> Result<Vec<i64>, String> {
            let mut days = s
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(|d| d.parse::<i64>().ok().filter(|d| (min..=365).contains(d)))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| format!("{name}: {s:?} is not a list of days ({min}–365), like 1,4,7"))?;
            days.sort_unstable();
            days.dedup();
            Ok(days)
        };
        if hour > 23 {
            return Err(format!("PRIMER_REMINDER_HOUR: {hour} is not an hour (0–23)"));
        }
        Ok(Cadence {
            before: list(before, 0, "PRIMER_REMINDER_BEFORE_DAYS")?,
            overdue: list(overdue, 1, "PRIMER_REMINDER_OVERDUE_DAYS")?,
            expiry: list(expiry, 1, "PRIMER_REMINDER_EXPIRY_DAYS")?,
            hour,
        })
    }
}

/// A step of the cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Due in at most this many days (0: today).
    Before(i64),
    /// This many days overdue, or more (until the next step).
    Overdue(i64),
}

impl Step {
    /// Its name in `reminder_steps`.
    pub fn key(self) -> String {
        match self {
            Step::Before(d) => format!("before-{d}"),
            Step::Overdue(d) => format!("overdue-{d}"),
        }
    }
}

/// The step an item due on `due` has reached on `today`, if any: the nearest "before"
/// threshold reached, or the latest overdue day passed. A day missed (the server was
/// down) isn't made up: the next reminder is the step reached, once.
pub fn step(due: NaiveDate, today: NaiveDate, cadence: &Cadence) -> Option<Step> {
    let over = (today - due).num_days();
    if over >= 1 {
        cadence.overdue.iter().rev().find(|d| **d <= over).map(|d| Step::Overdue(*d))
    } else {
        let left = -over;
        cadence.before.iter().find(|d| **d >= left).map(|d| Step::Before(*d))
    }
}

/// A certificate's reminder stops this many days after it expired: one that lapsed long
/// before reminders were turned on isn't news.
pub const EXPIRED_NEWS_DAYS: i64 = 7;

/// The step a certificate expiring on `expiry` (local date) has reached on `today`: the
/// nearest threshold of `days` reached, `expires-0` from the day it expires (for a week).
pub fn expiry_step(expiry: NaiveDate, today: NaiveDate, days: &[i64]) -> Option<String> {
    let left = (expiry - today).num_days();
    if left <= 0 {
        return (left >= -EXPIRED_NEWS_DAYS).then(|| "expires-0".to_owned());
    }
    days.iter().find(|d| **d >= left).map(|d| format!("expires-{d}"))
}

/// A device that hasn't synced gets a nudge in each of its first this many weeks of
/// silence, then no more: a phone replaced or lost would be nagged about for ever, and
/// the manager's digest keeps listing the person's data as stale.
pub const NUDGE_WEEKS: i64 = 4;

/// The nudge a device last synced at `last` is due at `now`: `week-1` once it has been
/// silent 7 days, `week-2` at 14, up to [`NUDGE_WEEKS`].
pub fn nudge_step(last: DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let weeks = (now - last).num_days() / 7;
    (1..=NUDGE_WEEKS).contains(&weeks).then(|| format!("week-{weeks}"))
}

/// Whether a manager's digest may go at `at`: on their day, from their hour, in their
/// time zone, not in their quiet hours.
pub fn digest_open(at: DateTime<Utc>, tz: Tz, weekday: u8, hour: u32, quiet: Option<Quiet>) -> bool {
    use chrono::Datelike;
    let local = at.with_timezone(&tz);
    local.weekday().number_from_monday() == u32::from(weekday) && open(at, tz, hour, quiet)
}

/// The week a moment falls in, locally: `2027-W02`.
pub fn week_name(at: DateTime<Utc>, tz: Tz) -> String {
    use chrono::Datelike;
    let week = at.with_timezone(&tz).date_naive().iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

/// Quiet hours, local: nothing is sent from `from` until `to` (across midnight if `from`
/// is later than `to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quiet {
    pub from: u32,
    pub to: u32,
}

impl Quiet {
    pub fn contains(self, hour: u32) -> bool {
        if self.from <= self.to { hour >= self.from && hour < self.to } else { hour >= self.from || hour < self.to }
    }
}

/// Whether a message may reach someone at `at`: from `hour` on in their day, and not in
/// their quiet hours.
pub fn open(at: DateTime<Utc>, tz: Tz, hour: u32, quiet: Option<Quiet>) -> bool {
    let local = at.with_timezone(&tz).hour();
    local >= hour && !quiet.is_some_and(|q| q.contains(local))
}

/// The first moment from `now` (in steps of a quarter of an hour, so half-hour zones
/// are right) when a message may reach someone; within two days there always is one
/// unless every hour from `hour` on is quiet, and then it goes at `now` + 2 days.
pub fn next_open(now: DateTime<Utc>, tz: Tz, hour: u32, quiet: Option<Quiet>) -> DateTime<Utc> {
    if open(now, tz, hour, quiet) {
        return now;
    }
    let quarter = TimeDelta::minutes(15);
    let start = now.duration_trunc(quarter).unwrap_or(now);
    (1..=192).map(|i| start + quarter * i).find(|t| open(*t, tz, hour, quiet)).unwrap_or(now + TimeDelta::days(2))
}

use chrono::DurationRound;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_cadence_steps_before_and_after_the_due_date() {
        let c = Cadence::default();
        let due = day("2027-01-10");
        let on = |d: &str| step(due, day(d), &c);
        assert_eq!(on("2027-01-07"), None);
        assert_eq!(on("2027-01-08"), Some(Step::Before(2)));
        assert_eq!(on("2027-01-10"), Some(Step::Before(2)), "due today");
        assert_eq!(on("2027-01-11"), Some(Step::Overdue(1)));
        assert_eq!(on("2027-01-13"), Some(Step::Overdue(1)), "until the next step");
        assert_eq!(on("2027-01-14"), Some(Step::Overdue(4)));
        assert_eq!(on("2027-02-09"), Some(Step::Overdue(30)));
        assert_eq!(on("2027-12-31"), Some(Step::Overdue(30)), "the last step stays (it went once)");
    }

    #[test]
    fn cadences_are_read_and_checked() {
        let c = Cadence::parse("7, 2", "14,1,4,4", "30,7", 8).unwrap();
        assert_eq!((c.before, c.overdue, c.expiry, c.hour), (vec![2, 7], vec![1, 4, 14], vec![7, 30], 8));
        assert_eq!(Cadence::parse("", "", "", 9).unwrap().overdue, Vec::<i64>::new());
        assert!(Cadence::parse("x", "1", "7", 9).is_err());
        assert!(Cadence::parse("2", "0", "7", 9).is_err(), "overdue starts at day 1");
        assert!(Cadence::parse("2", "1", "0", 9).is_err(), "the expiry day has its own step");
        assert!(Cadence::parse("2", "1", "7", 24).is_err());
        let c = Cadence::parse("7,2", "1", "7", 9).unwrap();
        assert_eq!(step(day("2027-01-10"), day("2027-01-04"), &c), Some(Step::Before(7)));
        assert_eq!(step(day("2027-01-10"), day("2027-01-09"), &c), Some(Step::Before(2)));
    }

    #[test]
    fn quiet_hours_and_the_sending_hour_are_local() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 08:30 UTC is 09:30 in Berlin in winter.
        assert!(open(at("2027-01-10T08:30:00Z"), berlin, 9, None));
        assert!(!open(at("2027-01-10T07:30:00Z"), berlin, 9, None));
        let night = Some(Quiet { from: 20, to: 10 });
        assert!(!open(at("2027-01-10T08:30:00Z"), berlin, 9, night));
        assert_eq!(next_open(at("2027-01-10T08:30:00Z"), berlin, 9, night), at("2027-01-10T09:00:00Z"));
        // After the day's quiet hours start, the next day's window.
        assert_eq!(next_open(at("2027-01-10T19:10:00Z"), berlin, 9, night), at("2027-01-11T09:00:00Z"));
        // Half-hour zones open on their own hour.
        let kolkata: Tz = "Asia/Kolkata".parse().unwrap();
        assert_eq!(next_open(at("2027-01-10T00:00:00Z"), kolkata, 9, None), at("2027-01-10T03:30:00Z"));
        // Every hour quiet: in two days, not never.
        let always = Some(Quiet { from: 0, to: 0 });
        assert!(!Quiet { from: 0, to: 0 }.contains(5), "from == to is no quiet hours");
        assert!(open(at("2027-01-10T10:00:00Z"), berlin, 9, always));
    }

    #[test]
    fn certificates_remind_before_and_when_they_expire() {
        let expiry = day("2027-06-30");
        let on = |d: &str| expiry_step(expiry, day(d), &[7, 30]);
        assert_eq!(on("2027-05-30"), None, "31 days before");
        assert_eq!(on("2027-05-31").as_deref(), Some("expires-30"));
        assert_eq!(on("2027-06-22").as_deref(), Some("expires-30"), "8 days before: still the 30-day step");
        assert_eq!(on("2027-06-23").as_deref(), Some("expires-7"));
        assert_eq!(on("2027-06-30").as_deref(), Some("expires-0"), "the day it expires");
        assert_eq!(on("2027-07-07").as_deref(), Some("expires-0"), "a week after: still news");
        assert_eq!(on("2027-07-08"), None, "lapsed long ago: not news");
    }

    #[test]
    fn a_silent_device_is_nudged_weekly_four_times() {
        let last = "2027-01-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let after = |days: i64, hours: i64| nudge_step(last, last + TimeDelta::days(days) + TimeDelta::hours(hours));
        assert_eq!(after(6, 23), None);
        assert_eq!(after(7, 0).as_deref(), Some("week-1"));
        assert_eq!(after(13, 0).as_deref(), Some("week-1"));
        assert_eq!(after(14, 0).as_deref(), Some("week-2"));
        assert_eq!(after(34, 0).as_deref(), Some("week-4"));
        assert_eq!(after(35, 0), None, "then no more");
    }

    #[test]
    fn the_digest_goes_on_the_managers_day_and_hour() {
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // Sunday 23:30 UTC is Monday 08:30 in Tokyo.
        assert!(digest_open(at("2027-01-10T23:30:00Z"), tokyo, 1, 8, None));
        assert!(!digest_open(at("2027-01-10T22:30:00Z"), tokyo, 1, 8, None), "07:30 there");
        assert!(!digest_open(at("2027-01-11T23:30:00Z"), tokyo, 1, 8, None), "Tuesday there");
        assert!(!digest_open(at("2027-01-10T23:30:00Z"), tokyo, 1, 8, Some(Quiet { from: 6, to: 9 })));
        assert_eq!(week_name(at("2027-01-10T23:30:00Z"), tokyo), "2027-W02");
        assert_eq!(week_name(at("2027-01-10T23:30:00Z"), Tz::UTC), "2027-W01");
    }

    proptest! {
        /// Day by day an item reaches each step once, in order, and never one it hasn't
        /// come to: what the steps table keeps is then one reminder per step.
        #[test]
        fn steps_only_move_forward(offset in -40i64..400, later in 0i64..60) {
            let c = Cadence::default();
            let due = day("2027-01-10");
            let today = due + TimeDelta::days(offset);
            let a = step(due, today, &c);
            let b = step(due, today + TimeDelta::days(later), &c);
            if let (Some(a), Some(b)) = (a, b) { prop_assert!(a <= b || matches!((a, b), (Step::Before(x), Step::Before(y)) if y <= x)); }
            if a.is_some() { prop_assert!(b.is_some()); }
            if let Some(Step::Overdue(d)) = a { prop_assert!(d <= offset); }
            if let Some(Step::Before(d)) = a { prop_assert!(-offset <= d && offset <= 0); }
        }

        /// `next_open` is open, and no earlier quarter hour was.
        #[test]
        fn the_next_window_is_the_first(minutes in 0i64..(60 * 24 * 3), from in 0u32..24, to in 0u32..24, hour in 0u32..24) {
            let tz: Tz = "America/New_York".parse().unwrap();
            let now = "2027-03-13T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minutes);
            let quiet = Some(Quiet { from, to });
            let next = next_open(now, tz, hour, quiet);
            prop_assert!(next >= now);
            if next < now + TimeDelta::days(2) {
                prop_assert!(open(next, tz, hour, quiet));
            }
        }
    }
}
