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

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::content::Question;

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

/// A booster question, with what answering it on the phone needs and its history: an
/// entry of `GET /api/v1/me/boosters`, which the phone works out the day's boosters from,
/// offline too (the service worker keeps it). Flat, with one small type for its answers:
/// each type the phone reads costs it a reader of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BoosterQuestion {
    pub module_id: i64,
    /// The module version the question is of (it stays the same question when a newer
    /// version is published).
    pub version: i32,
    /// 0-based, in that version.
    pub index: u32,
    /// The module's title, in that version.
    pub title: String,
    /// The question with its answer key and explanations (never an assessment's).
    pub question: Question,
    /// Every answer to it, in quizzes and as boosters, as the server stored and scored
    /// them, oldest first.
    pub answers: Vec<PastAnswer>,
}

impl BoosterQuestion {
    pub fn key(&self) -> QuestionKey {
        QuestionKey { module_id: self.module_id, version: self.version, index: self.index }
    }

    /// Its answers, as the rule takes them.
    pub fn history(&self) -> impl Iterator<Item = Answer> + '_ {
        self.answers.iter().map(|a| Answer {
            key: self.key(),
            at: a.at,
            record_id: a.record_id.clone(),
            correct: a.correct,
            source: if a.booster { Source::Booster } else { Source::Quiz },
        })
    }
}

/// One answer to a booster question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PastAnswer {
    /// When, as the server corrected the phone's clock.
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub at: DateTime<Utc>,
    /// The learning record it came from (a quiz attempt answers several questions).
    pub record_id: String,
    pub correct: bool,
    /// Given as a booster (else in a quiz).
    pub booster: bool,
}

/// The payload of a `booster_answer` record: the question (the record names its module
/// and version) and the options picked; the server scores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoosterAnswerPayload {
    pub index: u32,
    pub picked: Vec<u32>,
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

/// Every booster question of `person` and where it stands, by question, from their
/// answers (in any order). `utc_offset_minutes`: their time zone, east of UTC. A question
/// becomes a booster once a quiz answer to it is wrong, or, answered right in a quiz, if
/// [`picked`]; questions only ever answered as boosters (a key from elsewhere) too.
/// (Written for the phone's bytes: one sort, no maps.)
pub fn schedule(
    person: i64,
    answers: impl IntoIterator<Item = Answer>,
    utc_offset_minutes: i32,
) -> Vec<(QuestionKey, Standing)> {
    let mut answers: Vec<Answer> = answers.into_iter().collect();
    // By question, then in the order given: by corrected time, ties by record id.
    answers.sort_unstable_by(|a, b| (a.key, a.at, &a.record_id).cmp(&(b.key, b.at, &b.record_id)));
    let zone = zone(utc_offset_minutes);
    answers
        .chunk_by(|a, b| a.key == b.key)
        .filter_map(|mine| {
            let key = mine[0].key;
            if !mine.iter().any(|a| a.source == Source::Booster || !a.correct) && !picked(person, key) {
                return None;
            }
            let last = &mine[mine.len() - 1];
            let standing = if mine.iter().rev().take_while(|a| a.correct).count() >= RETIRE_AFTER {
                Standing::Retired
            } else {
                let wait = if last.correct { AFTER_RIGHT_DAYS } else { AFTER_WRONG_DAYS };
                Standing::Due((last.at + zone).date_naive() + TimeDelta::days(wait))
            };
            Some((key, standing))
        })
        .collect()
}

/// A time zone east of UTC, as what is added to a UTC time to get its local one (at most
/// a day either way).
fn zone(utc_offset_minutes: i32) -> TimeDelta {
    TimeDelta::minutes(i64::from(utc_offset_minutes.clamp(-1440, 1440)))
}

/// The boosters to show on `today`: those due, the longest overdue first (then by
/// question), as many as the day has left once `answered_today` boosters were answered.
pub fn for_today(schedule: &[(QuestionKey, Standing)], today: NaiveDate, answered_today: usize) -> Vec<QuestionKey> {
    let mut due: Vec<(NaiveDate, QuestionKey)> = schedule
        .iter()
        .filter_map(|(key, standing)| match standing {
            Standing::Due(day) if *day <= today => Some((*day, *key)),
            _ => None,
        })
        .collect();
    due.sort_unstable();
    due.into_iter().take(PER_DAY.saturating_sub(answered_today)).map(|(_, key)| key).collect()
}

/// The booster questions to show on the phone today, in order: from the server's copy
/// (`questions`) and the answers still waiting on this phone (`waiting`: the record's
/// module, version, time, id and payload, scored here by the questions' answer keys, as
/// the server will score them). `now` and `utc_offset_minutes`: the phone's clock and zone.
pub fn due_today<'a>(
    questions: &'a [BoosterQuestion],
    person: i64,
    waiting: impl IntoIterator<Item = (i64, i32, DateTime<Utc>, &'a str, BoosterAnswerPayload)>,
    now: DateTime<Utc>,
    utc_offset_minutes: i32,
) -> Vec<&'a BoosterQuestion> {
    let question = |key: &QuestionKey| questions.iter().find(|q| q.key() == *key);
    let mut answers: Vec<Answer> = questions.iter().flat_map(BoosterQuestion::history).collect();
    for (module_id, version, at, id, p) in waiting {
        let key = QuestionKey { module_id, version, index: p.index };
        // Sent and stored since the server's copy was made: counted once.
        if answers.iter().any(|a| a.record_id == id && a.key == key) {
            continue;
        }
        let Some(q) = question(&key) else { continue };
        let correct = super::learning::answered_right(&q.question, &p.picked);
        answers.push(Answer { key, at, record_id: id.to_string(), correct, source: Source::Booster });
    }
    let zone = zone(utc_offset_minutes);
    let today = (now + zone).date_naive();
    let answered_today =
        answers.iter().filter(|a| a.source == Source::Booster && (a.at + zone).date_naive() == today).count();
    let plan = schedule(person, answers, utc_offset_minutes);
    for_today(&plan, today, answered_today).iter().filter_map(question).collect()
}

/// Right answers, of so many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Share {
    pub right: u32,
    pub of: u32,
}

impl Share {
    fn add(&mut self, correct: bool) {
        self.of += 1;
        self.right += u32::from(correct);
    }

    /// `right` of `of`, in percent (none of none).
    pub fn percent(self) -> Option<u32> {
        (self.of > 0).then(|| (self.right * 100 + self.of / 2) / self.of)
    }
}

/// How long after a question's first try its booster answers are counted: the first
/// day of each band, and its name.
pub const BANDS: [(i64, &str); 4] =
    [(0, "Within a week"), (7, "1 to 2 weeks later"), (14, "2 to 4 weeks later"), (28, "4 weeks or more later")];

/// What people still know (Kirkpatrick's level 2, over time): how many questions they
/// answered right the first time, against how many booster answers were right, by how
/// long after that first try they were given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Retention {
    /// Each question's first answer in a quiz, per person.
    pub first_try: Share,
    /// Booster answers, by days since that question's first try: within a week, 1 to 2
    /// weeks, 2 to 4 weeks, 4 weeks or more (the [`BANDS`]). Most answer questions missed
    /// at first: every missed question comes back, and one in four of those got right.
    pub boosters: Vec<Share>,
    /// Of `boosters`, the answers to questions got right the first time, in the same
    /// bands: whether what was known is still known (the others show what was learnt).
    #[serde(default)]
    pub known: Vec<Share>,
}

impl Retention {
    /// Anything to show: a booster answered.
    pub fn has_boosters(&self) -> bool {
        self.boosters.iter().any(|b| b.of > 0)
    }
}

/// Retention from people's answers (person, answer), in any order. A booster answer
/// counts in the band of the days since that person's first quiz answer to the question;
/// one without a quiz answer (none stored) isn't counted.
pub fn retention<'a>(answers: impl IntoIterator<Item = &'a (i64, Answer)>) -> Retention {
    let mut by_question: BTreeMap<(i64, QuestionKey), Vec<&Answer>> = BTreeMap::new();
    for (person, answer) in answers {
        by_question.entry((*person, answer.key)).or_default().push(answer);
    }
    let bands = vec![Share::default(); BANDS.len()];
    let mut out = Retention { first_try: Share::default(), boosters: bands.clone(), known: bands };
    for mut answers in by_question.into_values() {
        answers.sort_by(|a, b| (a.at, &a.record_id).cmp(&(b.at, &b.record_id)));
        let Some(first) = answers.iter().find(|a| a.source == Source::Quiz) else { continue };
        out.first_try.add(first.correct);
        let first_at = first.at;
        for a in answers.iter().filter(|a| a.source == Source::Booster) {
            let days = (a.at - first_at).num_days();
            if let Some(band) = BANDS.iter().rposition(|(from, _)| days >= *from) {
                out.boosters[band].add(a.correct);
                if first.correct {
                    out.known[band].add(a.correct);
                }
            }
        }
    }
    out
}

/// One person's retention (`GET /api/v1/reports/retention`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonRetention {
    pub user_id: i64,
    pub name: String,
    pub retention: Retention,
}

/// `GET /api/v1/reports/retention`: first tries against boosters, for everyone in the
/// viewer's scope together and per person (those with an answer to a quiz question, in
/// a quiz or as a booster, by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamRetention {
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub generated_at: DateTime<Utc>,
    pub everyone: Retention,
    pub people: Vec<PersonRetention>,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const Q: QuestionKey = QuestionKey { module_id: 3, version: 1, index: 0 };

    /// Where `key` stands in a schedule.
    fn of(plan: Vec<(QuestionKey, Standing)>, key: QuestionKey) -> Standing {
        plan.into_iter().find(|(k, _)| *k == key).expect("the question is in the schedule").1
    }

    fn answer(at_s: &str, id: &str, correct: bool, source: Source) -> Answer {
        Answer { key: Q, at: at(at_s), record_id: id.into(), correct, source }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_miss_comes_back_the_next_day_then_after_six_then_retires() {
        let mut answers = vec![answer("2026-12-01T09:00:00Z", "a", false, Source::Quiz)];
        assert_eq!(of(schedule(1, answers.clone(), 0), Q), Standing::Due(day("2026-12-02")));
        answers.push(answer("2026-12-02T08:00:00Z", "b", true, Source::Booster));
        assert_eq!(of(schedule(1, answers.clone(), 0), Q), Standing::Due(day("2026-12-08")));
        // Wrong again: back the next day, and the row starts over.
        answers.push(answer("2026-12-08T08:00:00Z", "c", false, Source::Booster));
        assert_eq!(of(schedule(1, answers.clone(), 0), Q), Standing::Due(day("2026-12-09")));
        answers.push(answer("2026-12-09T08:00:00Z", "d", true, Source::Booster));
        assert_eq!(of(schedule(1, answers.clone(), 0), Q), Standing::Due(day("2026-12-15")));
        answers.push(answer("2026-12-15T08:00:00Z", "e", true, Source::Booster));
        assert_eq!(of(schedule(1, answers, 0), Q), Standing::Retired);
    }

    #[test]
    fn the_day_is_the_learners() {
        // 23:30 UTC on the 1st is the 2nd in Singapore: due on the 3rd there.
        let answers = [answer("2026-12-01T23:30:00Z", "a", false, Source::Quiz)];
        assert_eq!(of(schedule(1, answers.clone(), 480), Q), Standing::Due(day("2026-12-03")));
        assert_eq!(of(schedule(1, answers, 0), Q), Standing::Due(day("2026-12-02")));
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
        assert!(plan.iter().all(|(_, s)| *s == Standing::Due(day("2026-12-07"))));
    }

    #[test]
    fn at_most_two_a_day_the_longest_overdue_first() {
        let key = |index| QuestionKey { module_id: 1, version: 1, index };
        let plan = [
            (key(0), Standing::Due(day("2026-12-03"))),
            (key(1), Standing::Due(day("2026-12-01"))),
            (key(2), Standing::Due(day("2026-12-02"))),
            (key(3), Standing::Due(day("2026-12-09"))),
            (key(4), Standing::Retired),
        ];
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
            of(schedule(1, tie.clone(), 0), Q),
            Standing::Due(day("2026-12-08")),
            "wrong, then right: not two in a row"
        );
        let mut reversed = tie;
        reversed.reverse();
        assert_eq!(of(schedule(1, reversed, 0), Q), Standing::Due(day("2026-12-08")));
        // A phone clock ahead or behind doesn't matter: the corrected times are the order.
        let late_first = [
            answer("2026-12-03T08:00:00Z", "a", true, Source::Booster),
            answer("2026-12-02T08:00:00Z", "z", false, Source::Booster),
        ];
        assert_eq!(of(schedule(1, late_first, 0), Q), Standing::Due(day("2026-12-09")));
    }

    #[test]
    fn retention_compares_first_tries_with_boosters_by_how_long_after() {
        let a = |person: i64, at_s: &str, id: &str, correct, source| (person, answer(at_s, id, correct, source));
        let r = retention(&[
            // Person 1 missed it first, then got it right 2 and 9 days later.
            a(1, "2026-12-01T09:00:00Z", "a", false, Source::Quiz),
            a(1, "2026-12-01T10:00:00Z", "b", true, Source::Quiz),
            a(1, "2026-12-03T09:00:00Z", "c", true, Source::Booster),
            a(1, "2026-12-10T09:00:00Z", "d", true, Source::Booster),
            // Person 2 knew it, and missed it a month later.
            a(2, "2026-12-01T09:00:00Z", "e", true, Source::Quiz),
            a(2, "2027-01-02T09:00:00Z", "f", false, Source::Booster),
            // A booster with no quiz answer stored isn't counted.
            a(3, "2026-12-02T09:00:00Z", "g", true, Source::Booster),
        ]);
        assert_eq!(r.first_try, Share { right: 1, of: 2 });
        assert_eq!(
            r.boosters,
            [Share { right: 1, of: 1 }, Share { right: 1, of: 1 }, Share::default(), Share { right: 0, of: 1 }]
        );
        // Person 2 knew it at first: the one known, and forgotten a month later.
        assert_eq!(r.known, [Share::default(), Share::default(), Share::default(), Share { right: 0, of: 1 }]);
        assert_eq!(r.first_try.percent(), Some(50));
        assert_eq!(Share::default().percent(), None);
        assert_eq!(Share { right: 2, of: 3 }.percent(), Some(67));
        assert!(r.has_boosters());
        assert!(!retention(&[] as &[(i64, Answer)]).has_boosters());
    }

    #[test]
    fn the_phone_counts_its_unsent_answers_and_two_a_day() {
        let missed = |id: &str| PastAnswer {
            at: at("2026-12-01T09:00:00Z"),
            record_id: id.into(),
            correct: false,
            booster: false,
        };
        let question = |index: u32| BoosterQuestion {
            module_id: 3,
            version: 1,
            index,
            title: "Aurora".into(),
            question: Question {
                prompt: format!("Q{index}"),
                multiple: false,
                options: vec![
                    super::super::QuizOption { text: "No".into(), correct: false, explanation: String::new() },
                    super::super::QuizOption { text: "Yes".into(), correct: true, explanation: String::new() },
                ],
            },
            answers: vec![missed("quiz")],
        };
        let questions = vec![question(0), question(1), question(2)];
        let now = at("2026-12-03T10:00:00Z");
        let keys = |due: Vec<&BoosterQuestion>| due.iter().map(|q| q.index).collect::<Vec<_>>();
        assert_eq!(keys(due_today(&questions, 1, std::iter::empty(), now, 0)), [0, 1]);
        // One answered right on this phone today, not sent yet: one more today, not it.
        let waiting = |id: &'static str, index| {
            (3, 1, at("2026-12-03T08:00:00Z"), id, BoosterAnswerPayload { index, picked: vec![1] })
        };
        assert_eq!(keys(due_today(&questions, 1, [waiting("w1", 0)], now, 0)), [1]);
        assert_eq!(keys(due_today(&questions, 1, [waiting("w1", 0), waiting("w2", 1)], now, 0)), Vec::<u32>::new());
        // Answered yesterday: today has its two again, the answered ones back in six days.
        let tomorrow = at("2026-12-04T10:00:00Z");
        assert_eq!(keys(due_today(&questions, 1, [waiting("w1", 0), waiting("w2", 1)], tomorrow, 0)), [2]);
        // An answer both in the server's copy and still in the outbox counts once.
        let mut synced = questions.clone();
        synced[0].answers.push(PastAnswer {
            at: at("2026-12-03T08:00:00Z"),
            record_id: "w1".into(),
            correct: true,
            booster: true,
        });
        assert_eq!(keys(due_today(&synced, 1, [waiting("w1", 0)], now, 0)), [1]);
        // "Today" is the phone's: at 23:30 UTC it is already the 4th in Singapore.
        let late = at("2026-12-03T23:30:00Z");
        assert_eq!(keys(due_today(&questions, 1, [waiting("w1", 0), waiting("w2", 1)], late, 480)), [2]);
    }
}
