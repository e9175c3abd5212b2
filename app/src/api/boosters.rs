//! Boosters: quiz questions that come back, spaced, until they stick. The rule is here,
//! once, so the phone (which computes the schedule offline from its answers) and the
//! server (which checks and reports) compute the same one from the same answers.
//!
//! Which questions: every one a learner missed in a quiz, and one in four of those they
//! answered right, picked by a hash of person and question ([`picked`]), so the
//! retention of what was known can be measured too. Never an assessment's (their answer
//! keys never reach the phone): the caller leaves those out.
//!
//! When, from the evidence:
//! - Retire after two right in a row, Qstream's rule for spaced education.
//! - A wrong answer brings it back the next day ([`AFTER_WRONG_DAYS`]), SM-2's first
//!   interval: a lapse starts the sequence over.
//! - A right one brings it back after six days ([`AFTER_RIGHT_DAYS`]), SM-2's second
//!   interval: expanding gaps (1, then 6) keep average recall higher over a training
//!   period than equal ones (Kang, Lindsey, Mozer & Pashler, 2014), and six days keeps a
//!   30-day tier's questions coming back inside the tier.
//! - At most [`PER_DAY`] a day, in the learner's time zone: a booster is answered in
//!   seconds, between other things.
//!
//! "In a row" is by the records' corrected times, ties broken by record id, so any
//! device, and the server, given the same answers in any order, gets the same schedule.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};

/// Boosters shown a day at most.
pub const PER_DAY: usize = 2;
/// Days until a question answered wrong comes back.
pub const AFTER_WRONG_DAYS: i64 = 1;
/// Days until a question answered right (once in a row) comes back.
pub const AFTER_RIGHT_DAYS: i64 = 6;
/// Right answers in a row that retire a question.
pub const RETIRE_AFTER: usize = 2;

/// A question: of one module version, by its index in that version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QuestionKey {
    pub module_id: i64,
    pub version: i32,
    pub index: u32,
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Quiz,
    Booster,
}

/// One answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub key: QuestionKey,
    /// The record's time, as the server corrected it.
    pub at: DateTime<Utc>,
    /// The record's id: breaks ties between answers at the same time.
    pub record_id: String,
    pub correct: bool,
    pub source: Source,
}

/// Where a booster question stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Comes back on this day (in the learner's time zone), or any day after.
    Due(NaiveDate),
    /// Answered right twice in a row: it doesn't come back.
    Retired,
}

/// Whether a question answered right is one of the one-in-four that come back anyway:
/// FNV-1a of the person and the question, the same on every device and the server.
pub fn picked(person: i64, key: QuestionKey) -> bool {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format!("{person}:{}:{}:{}", key.module_id, key.version, key.index).bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash.is_multiple_of(4)
}

/// Every booster question of `person` and where it stands, from their answers (in any
/// order). `utc_offset_minutes`: their time zone, east of UTC. A question becomes a
/// booster once a quiz answer to it is wrong, or, answered right in a quiz, if
/// [`picked`]; questions only ever answered as boosters (a key from elsewhere) too.
pub fn schedule(
    person: i64,
    answers: impl IntoIterator<Item = Answer>,
    utc_offset_minutes: i32,
) -> BTreeMap<QuestionKey, Standing> {
    let zone = FixedOffset::east_opt(utc_offset_minutes * 60).unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    let mut by_key: BTreeMap<QuestionKey, Vec<Answer>> = BTreeMap::new();
    for answer in answers {
        by_key.entry(answer.key).or_default().push(answer);
    }
    let mut out = BTreeMap::new();
    for (key, mut answers) in by_key {
        let booster = answers.iter().any(|a| a.source == Source::Booster)
            || answers.iter().any(|a| a.source == Source::Quiz && !a.correct)
            || picked(person, key);
        if !booster {
            continue;
        }
        answers.sort_by(|a, b| (a.at, &a.record_id).cmp(&(b.at, &b.record_id)));
        let in_a_row = answers.iter().rev().take_while(|a| a.correct).count();
        let last = answers.last().expect("a key has an answer");
        let standing = if in_a_row >= RETIRE_AFTER {
            Standing::Retired
        } else {
            let wait = if last.correct { AFTER_RIGHT_DAYS } else { AFTER_WRONG_DAYS };
            Standing::Due(last.at.with_timezone(&zone).date_naive() + TimeDelta::days(wait))
        };
        out.insert(key, standing);
    }
    out
}

/// The boosters to show on `today`: those due, the longest overdue first (then by
/// question), as many as the day has left once `answered_today` boosters were answered.
pub fn for_today(
    schedule: &BTreeMap<QuestionKey, Standing>,
    today: NaiveDate,
    answered_today: usize,
) -> Vec<QuestionKey> {
    let mut due: Vec<(NaiveDate, QuestionKey)> = schedule
        .iter()
        .filter_map(|(key, standing)| match standing {
            Standing::Due(day) if *day <= today => Some((*day, *key)),
            _ => None,
        })
        .collect();
    due.sort();
    due.into_iter().take(PER_DAY.saturating_sub(answered_today)).map(|(_, key)| key).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const Q: QuestionKey = QuestionKey { module_id: 3, version: 1, index: 0 };

    fn answer(at_s: &str, id: &str, correct: bool, source: Source) -> Answer {
        Answer { key: Q, at: at(at_s), record_id: id.into(), correct, source }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_miss_comes_back_the_next_day_then_after_six_then_retires() {
        let mut answers = vec![answer("2026-12-01T09:00:00Z", "a", false, Source::Quiz)];
        assert_eq!(schedule(1, answers.clone(), 0)[&Q], Standing::Due(day("2026-12-02")));
        answers.push(answer("2026-12-02T08:00:00Z", "b", true, Source::Booster));
        assert_eq!(schedule(1, answers.clone(), 0)[&Q], Standing::Due(day("2026-12-08")));
        // Wrong again: back the next day, and the row starts over.
        answers.push(answer("2026-12-08T08:00:00Z", "c", false, Source::Booster));
        assert_eq!(schedule(1, answers.clone(), 0)[&Q], Standing::Due(day("2026-12-09")));
        answers.push(answer("2026-12-09T08:00:00Z", "d", true, Source::Booster));
        assert_eq!(schedule(1, answers.clone(), 0)[&Q], Standing::Due(day("2026-12-15")));
        answers.push(answer("2026-12-15T08:00:00Z", "e", true, Source::Booster));
        assert_eq!(schedule(1, answers, 0)[&Q], Standing::Retired);
    }

    #[test]
    fn the_day_is_the_learners() {
        // 23:30 UTC on the 1st is the 2nd in Singapore: due on the 3rd there.
        let answers = [answer("2026-12-01T23:30:00Z", "a", false, Source::Quiz)];
        assert_eq!(schedule(1, answers.clone(), 480)[&Q], Standing::Due(day("2026-12-03")));
        assert_eq!(schedule(1, answers, 0)[&Q], Standing::Due(day("2026-12-02")));
    }

    #[test]
    fn one_in_four_right_answers_come_back_by_a_hash_of_person_and_question() {
        let keys: Vec<QuestionKey> =
            (0..400).map(|i| QuestionKey { module_id: i / 10, version: 1, index: (i % 10) as u32 }).collect();
        let chosen = keys.iter().filter(|k| picked(7, **k)).count();
        assert!((70..=130).contains(&chosen), "{chosen} of 400");
        // The same person and question, the same answer; another person, another choice.
        assert!(keys.iter().all(|k| picked(7, *k) == picked(7, *k)));
        assert!(keys.iter().any(|k| picked(7, *k) != picked(8, *k)));
        let right = |key: QuestionKey| Answer {
            key,
            at: at("2026-12-01T09:00:00Z"),
            record_id: "a".into(),
            correct: true,
            source: Source::Quiz,
        };
        let plan = schedule(7, keys.iter().map(|k| right(*k)), 0);
        assert_eq!(plan.len(), chosen);
        assert!(plan.values().all(|s| *s == Standing::Due(day("2026-12-07"))));
    }

    #[test]
    fn at_most_two_a_day_the_longest_overdue_first() {
        let key = |index| QuestionKey { module_id: 1, version: 1, index };
        let plan = BTreeMap::from([
            (key(0), Standing::Due(day("2026-12-03"))),
            (key(1), Standing::Due(day("2026-12-01"))),
            (key(2), Standing::Due(day("2026-12-02"))),
            (key(3), Standing::Due(day("2026-12-09"))),
            (key(4), Standing::Retired),
        ]);
        assert_eq!(for_today(&plan, day("2026-12-03"), 0), [key(1), key(2)]);
        assert_eq!(for_today(&plan, day("2026-12-03"), 1), [key(1)]);
        assert_eq!(for_today(&plan, day("2026-12-03"), 2), []);
        assert_eq!(for_today(&plan, day("2026-11-30"), 0), []);
    }

    fn answers() -> impl Strategy<Value = Vec<Answer>> {
        // Few questions, few distinct times (so ties happen), ids unique.
        prop::collection::vec((0u32..3, 0i64..6, any::<bool>(), any::<bool>()), 1..24).prop_map(|raw| {
            raw.into_iter()
                .enumerate()
                .map(|(i, (index, hour, correct, booster))| Answer {
                    key: QuestionKey { module_id: 5, version: 2, index },
                    at: at("2026-12-01T00:00:00Z") + TimeDelta::hours(hour * 30),
                    record_id: format!("{:04}", (i * 7919) % 10_000),
                    correct,
                    source: if booster { Source::Booster } else { Source::Quiz },
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn arrival_order_never_changes_the_schedule(answers in answers(), seed in any::<u64>(), offset in -720i32..=840) {
            let mut shuffled = answers.clone();
            // A deterministic shuffle from the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(schedule(9, answers, offset), schedule(9, shuffled, offset));
        }

        #[test]
        fn two_right_in_a_row_retire_and_anything_else_comes_back(answers in answers()) {
            let plan = schedule(9, answers.clone(), 0);
            for (key, standing) in plan {
                let mut mine: Vec<&Answer> = answers.iter().filter(|a| a.key == key).collect();
                mine.sort_by(|a, b| (a.at, &a.record_id).cmp(&(b.at, &b.record_id)));
                let n = mine.len();
                let retired = n >= 2 && mine[n - 1].correct && mine[n - 2].correct;
                prop_assert_eq!(standing == Standing::Retired, retired);
                if let Standing::Due(day) = standing {
                    let last = mine[n - 1];
                    let wait = if last.correct { AFTER_RIGHT_DAYS } else { AFTER_WRONG_DAYS };
                    prop_assert_eq!(day, last.at.date_naive() + TimeDelta::days(wait));
                }
            }
        }
    }

    #[test]
    fn in_a_row_is_by_time_then_by_record_id() {
        // Two answers at the same moment: the higher id is the later one, whatever order
        // they arrive in.
        let tie = [
            answer("2026-12-02T08:00:00Z", "b", false, Source::Booster),
            answer("2026-12-02T08:00:00Z", "c", true, Source::Booster),
            answer("2026-12-01T08:00:00Z", "a", true, Source::Quiz),
        ];
        assert_eq!(
            schedule(1, tie.clone(), 0)[&Q],
            Standing::Due(day("2026-12-08")),
            "wrong, then right: not two in a row"
        );
        let mut reversed = tie;
        reversed.reverse();
        assert_eq!(schedule(1, reversed, 0)[&Q], Standing::Due(day("2026-12-08")));
        // A phone clock ahead or behind doesn't matter: the corrected times are the order.
        let late_first = [
            answer("2026-12-03T08:00:00Z", "a", true, Source::Booster),
            answer("2026-12-02T08:00:00Z", "z", false, Source::Booster),
        ];
        assert_eq!(schedule(1, late_first, 0)[&Q], Standing::Due(day("2026-12-09")));
    }
}
