//! Deciding certificates: a learner earns a certification when every required module is
//! completed and every assessment quiz reaches the passing score, by their stored
//! records alone (never what a device says it showed). A renewal asks for all of it
//! again after the last certificate.
//!
//! The decision reads the evidence folded from those records (`entities::evidence`: when
//! each module was first and last completed, and each quiz score first and last
//! reached), a few rows per module, so a sync costs the same for a learner with years
//! of records as for a new one.
//!
//! Times are the server's: a certificate is issued at the latest *receive* time among
//! the records that earned it, and never before the certification's current version
//! began; a renewal counts records received after the last certificate. A phone's clock
//! (however it is corrected) never dates one: set 300 days ahead, it once made a
//! certificate that predated the certification and the account.
//!
//! Runs in the transaction that stores new records (and by `primer rebuild`, and for
//! everyone concerned when an author creates or changes a certification), with the
//! learner's row locked, so two servers never decide the same certificate twice.

use std::collections::{HashMap, HashSet};

use app::api::{CODE_ALPHABET, expiry};
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::{
    db::{
        self,
        columns::Reached,
        entities::{certificate, certification, evidence},
    },
    projection,
};

/// Which certifications to decide.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Those that need any of these modules (a sync batch touched them).
    Modules(&'a HashSet<i64>),
    /// One certification.
    Certification(i64),
    /// All of them.
    All,
}

/// A fresh verification code, `XXXX-XXXX-XXXX`.
pub fn new_code() -> String {
    let mut rng = rand::rng();
    let chars: String = (0..12).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect();
    format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12])
}

/// What a learner reached at one module, as the decision reads it (an evidence row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    pub module_id: i64,
    /// Completed, or a quiz score reached.
    pub reached: Reached,
    /// The first and last time (received) a record reached it.
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

impl Evidence {
    /// When it was reached after `since` (exclusive): the first time, if that is after;
    /// otherwise the last, if that is. Exact unless it was reached both before `since`
    /// and more than once after it, when the last time stands for the earliest after
    /// (the evidence keeps two times, not every record).
    fn after(&self, since: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        match since {
            None => Some(self.first_at),
            Some(s) if self.first_at > s => Some(self.first_at),
            Some(s) if self.last_at > s => Some(self.last_at),
            Some(_) => None,
        }
    }
}

impl TryFrom<&evidence::Model> for Evidence {
    type Error = DbErr;

    fn try_from(row: &evidence::Model) -> Result<Evidence, DbErr> {
        Ok(Evidence { module_id: row.module_id, reached: row.reached()?, first_at: row.first_at, last_at: row.last_at })
    }
}

/// What a certification needs, as the decision reads it.
#[derive(Debug, Clone)]
pub struct Requirements {
    pub required: Vec<i64>,
    pub assessments: Vec<i64>,
    pub passing_score: u8,
}

/// When the requirements were all met after `since` (exclusive), and the assessment
/// score (the average of each quiz's first passing score), or `None` if they aren't.
/// Each requirement is met when it was first reached (after `since`), so the moment
/// doesn't depend on the order records arrived in; a quiz is met by the first score
/// reached at or above the passing score (the higher of two reached at once).
pub fn decide(
    needs: &Requirements,
    evidence: &[Evidence],
    since: Option<DateTime<Utc>>,
) -> Option<(DateTime<Utc>, Option<u8>)> {
    if needs.required.is_empty() && needs.assessments.is_empty() {
        return None;
    }
    let mut met_at = DateTime::<Utc>::MIN_UTC;
    for module in &needs.required {
        let first = evidence
            .iter()
            .filter(|e| e.module_id == *module && e.reached == Reached::Done)
            .filter_map(|e| e.after(since))
            .min()?;
        met_at = met_at.max(first);
    }
    let mut scores = Vec::new();
    for quiz in &needs.assessments {
        let (at, score) = evidence
            .iter()
            .filter(|e| e.module_id == *quiz)
            .filter_map(|e| match e.reached {
                Reached::Score(score) if score >= needs.passing_score => e.after(since).map(|at| (at, score)),
                _ => None,
            })
            .min_by_key(|(at, score)| (*at, std::cmp::Reverse(*score)))?;
        met_at = met_at.max(at);
        scores.push(u32::from(score));
    }
    let score = (!scores.is_empty()).then(|| (scores.iter().sum::<u32>() / scores.len() as u32) as u8);
    Some((met_at, score))
}

fn requirements(c: &certification::Model) -> Result<Requirements, DbErr> {
    Ok(Requirements {
        required: c.required()?,
        assessments: c.assessments()?,
        passing_score: c.passing_score.clamp(0, 100) as u8,
    })
}

/// Decides the certifications in `scope` for one learner and issues the certificates
/// they earned. Returns the new certificates.
pub async fn award(
    db: &impl ConnectionTrait,
    user_id: i64,
    scope: Scope<'_>,
) -> Result<Vec<certificate::Model>, DbErr> {
    let mut query = certification::Entity::find();
    if let Scope::Certification(id) = scope {
        query = query.filter(certification::Column::Id.eq(id));
    }
    let certifications = query.all(db).await?;
    let ids: Vec<i64> = certifications.iter().map(|c| c.id).collect();
    let held = certificate::Entity::find()
        .filter(certificate::Column::UserId.eq(user_id))
        .filter(certificate::Column::CertificationId.is_in(ids))
        .all(db)
        .await?;
    award_among(db, user_id, scope, certifications.iter(), &held).await
}

/// [`award`], given the certifications to consider and the certificates the learner
/// holds (a sync batch has read both already).
pub async fn award_among<'c>(
    db: &impl ConnectionTrait,
    user_id: i64,
    scope: Scope<'_>,
    all: impl IntoIterator<Item = &'c certification::Model>,
    held: &[certificate::Model],
) -> Result<Vec<certificate::Model>, DbErr> {
    let mut certifications: Vec<(&certification::Model, Requirements)> = Vec::new();
    for c in all {
        // A certification whose requirements can't be read decides nothing: an error,
        // never a certificate for meeting fewer of them.
        let needs = requirements(c)?;
        let concerned = match scope {
            Scope::Modules(touched) => needs.required.iter().chain(&needs.assessments).any(|m| touched.contains(m)),
            Scope::Certification(id) => c.id == id,
            Scope::All => true,
        };
        if concerned {
            certifications.push((c, needs));
        }
    }
    if certifications.is_empty() {
        return Ok(Vec::new());
    }
    let latest: HashMap<i64, DateTime<Utc>> =
        certificate::newest_per_certification(held).into_iter().map(|(id, c)| (id, c.issued_at)).collect();

    // What the learner reached at those modules: a few rows per module, however long
    // their history.
    let modules: HashSet<i64> =
        certifications.iter().flat_map(|(_, n)| n.required.iter().chain(&n.assessments).copied()).collect();
    let evidence = projection::evidence_of(db, user_id, modules)
        .await?
        .iter()
        .map(Evidence::try_from)
        .collect::<Result<Vec<_>, _>>()?;

    let mut issued = Vec::new();
    for (c, needs) in &certifications {
        let Some((met, score)) = decide(needs, &evidence, latest.get(&c.id).copied()) else { continue };
        let at = met.max(c.version_started());
        let validity = c.validity_months.and_then(|m| u32::try_from(m).ok());
        let certificate = certificate::ActiveModel {
            code: Set(new_code()),
            user_id: Set(user_id),
            certification_id: Set(c.id),
            certification_version: Set(c.version),
            certification_title: Set(c.title.clone()),
            issued_at: Set(at),
            expires_at: Set(expiry(at, validity).map(db::truncate)),
            score: Set(score.map(i32::from)),
            created_at: Set(db::now()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        tracing::info!(user_id, certification = c.id, code = %certificate.code, "certificate issued");
        issued.push(certificate);
    }
    Ok(issued)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::db::entities::learning_record;

    fn at(minute: i64) -> DateTime<Utc> {
        "2026-05-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::TimeDelta::minutes(minute)
    }

    /// A stored record, as the sync keeps it.
    #[derive(Debug, Clone)]
    struct Record {
        module_id: i64,
        minute: i64,
        /// A quiz attempt's score, and whether the quiz's own pass mark passes it.
        quiz: Option<(u8, bool)>,
    }

    fn done(module_id: i64, minute: i64) -> Record {
        Record { module_id, minute, quiz: None }
    }

    fn quiz(module_id: i64, minute: i64, score: u8, passed: bool) -> Record {
        Record { module_id, minute, quiz: Some((score, passed)) }
    }

    fn stored(records: &[Record]) -> Vec<learning_record::Model> {
        records
            .iter()
            .enumerate()
            .map(|(i, r)| learning_record::Model {
                id: format!("r{i}"),
                user_id: 1,
                device_id: "phone".into(),
                kind: if r.quiz.is_some() { "quiz_attempt" } else { "completion" }.into(),
                module_id: r.module_id,
                module_version: 1,
                occurred_at: at(r.minute),
                device_occurred_at: at(r.minute),
                received_at: at(r.minute),
                payload: serde_json::json!({}),
                score: r.quiz.map(|(s, _)| i32::from(s)),
                passed: r.quiz.map(|(_, p)| p),
                fingerprint: String::new(),
                counted: true,
                attempt_id: None,
                about: None,
            })
            .collect()
    }

    /// The evidence the sync keeps for these records.
    fn evidence(records: &[Record]) -> Vec<Evidence> {
        projection::fold_evidence(&stored(records))
            .into_iter()
            .map(|((module_id, reached), (first_at, last_at))| Evidence { module_id, reached, first_at, last_at })
            .collect()
    }

    fn decide_records(
        needs: &Requirements,
        records: &[Record],
        since: Option<i64>,
    ) -> Option<(DateTime<Utc>, Option<u8>)> {
        decide(needs, &evidence(records), since.map(at))
    }

    /// The decision as it was made from every record (before the evidence was kept):
    /// each requirement met by its earliest qualifying record after `since`.
    fn decide_from_every_record(
        needs: &Requirements,
        records: &[Record],
        since: Option<i64>,
    ) -> Option<(DateTime<Utc>, Option<u8>)> {
        if needs.required.is_empty() && needs.assessments.is_empty() {
            return None;
        }
        let after = |r: &&Record| since.is_none_or(|s| r.minute > s);
        let mut met = i64::MIN;
        for module in &needs.required {
            let first = records
                .iter()
                .filter(after)
                .filter(|r| r.module_id == *module && r.quiz.is_none_or(|(_, passed)| passed))
                .map(|r| r.minute)
                .min()?;
            met = met.max(first);
        }
        let mut scores = Vec::new();
        for q in &needs.assessments {
            let (minute, score) = records
                .iter()
                .filter(after)
                .filter(|r| r.module_id == *q)
                .filter_map(|r| r.quiz.filter(|(s, _)| *s >= needs.passing_score).map(|(s, _)| (r.minute, s)))
                .min_by_key(|(m, s)| (*m, std::cmp::Reverse(*s)))?;
            met = met.max(minute);
            scores.push(u32::from(score));
        }
        let score = (!scores.is_empty()).then(|| (scores.iter().sum::<u32>() / scores.len() as u32) as u8);
        Some((at(met), score))
    }

    fn needs() -> Requirements {
        Requirements { required: vec![1, 2], assessments: vec![9], passing_score: 80 }
    }

    #[test]
    fn earned_when_everything_is_met_at_the_last_requirement() {
        let records = [done(1, 0), done(2, 5), quiz(9, 3, 60, false), quiz(9, 7, 90, true), done(1, 20)];
        assert_eq!(decide_records(&needs(), &records, None), Some((at(7), Some(90))));
        // The order records arrive in doesn't matter.
        let mut reversed = records.to_vec();
        reversed.reverse();
        assert_eq!(decide_records(&needs(), &reversed, None), Some((at(7), Some(90))));
    }

    #[test]
    fn the_certifications_own_passing_score_counts_not_the_quizzes() {
        // The quiz passes at 70; the certification asks for 80: the first 80 or more.
        let records = [done(1, 0), done(2, 1), quiz(9, 2, 75, true), quiz(9, 4, 95, true), quiz(9, 6, 85, true)];
        assert_eq!(decide_records(&needs(), &records, None), Some((at(4), Some(95))));
    }

    #[test]
    fn a_failed_assessment_or_a_missing_module_earns_nothing() {
        assert_eq!(decide_records(&needs(), &[done(1, 0), done(2, 1), quiz(9, 2, 79, true)], None), None);
        assert_eq!(decide_records(&needs(), &[done(1, 0), quiz(9, 2, 100, true)], None), None);
        // A failed attempt at a required quiz doesn't complete it.
        let required_quiz = Requirements { required: vec![3], assessments: vec![], passing_score: 80 };
        assert_eq!(decide_records(&required_quiz, &[quiz(3, 0, 100, false)], None), None);
        assert_eq!(decide_records(&required_quiz, &[quiz(3, 0, 60, true)], None), Some((at(0), None)));
        let nothing = Requirements { required: vec![], assessments: vec![], passing_score: 80 };
        assert_eq!(decide_records(&nothing, &[], None), None);
    }

    #[test]
    fn a_renewal_needs_everything_again_after_the_last_certificate() {
        let first = [done(1, 0), done(2, 1), quiz(9, 2, 100, true)];
        assert_eq!(decide_records(&needs(), &first, Some(2)), None, "the same records don't earn it twice");
        let mut again = first.to_vec();
        again.extend([done(1, 100), quiz(9, 110, 85, true)]);
        assert_eq!(decide_records(&needs(), &again, Some(2)), None, "module 2 wasn't done again");
        again.push(done(2, 120));
        assert_eq!(decide_records(&needs(), &again, Some(2)), Some((at(120), Some(85))));
    }

    #[test]
    fn a_renewal_reached_twice_since_counts_the_last_time() {
        // Module 1 done before the certificate and twice after: the evidence has its first
        // and last time, so the last stands for the earliest after (120, not 100).
        let records = [done(1, 0), done(2, 1), quiz(9, 2, 100, true), done(1, 100), done(1, 120), done(2, 110)];
        let renewal = decide_records(&needs(), &[records.as_slice(), &[quiz(9, 105, 90, true)]].concat(), Some(2));
        assert_eq!(renewal, Some((at(120), Some(90))));
        // Live, the sync decides after each batch, so it was issued at 110 the moment
        // module 2 was done (module 1's last time was 100 then): the same as every record
        // gives.
        let live = [done(1, 0), done(2, 1), quiz(9, 2, 100, true), done(1, 100), quiz(9, 105, 90, true), done(2, 110)];
        assert_eq!(decide_records(&needs(), &live, Some(2)), Some((at(110), Some(90))));
        assert_eq!(decide_from_every_record(&needs(), &live, Some(2)), Some((at(110), Some(90))));
    }

    fn records() -> impl Strategy<Value = Vec<Record>> {
        let record = (1i64..=3, 0i64..40, prop::option::of((0u8..=100, any::<bool>())))
            .prop_map(|(module_id, minute, quiz)| Record { module_id, minute, quiz });
        prop::collection::vec(record, 0..25)
    }

    proptest! {
        /// The first certificate is decided exactly as from every record.
        #[test]
        fn evidence_decides_a_first_certificate_as_every_record_does(
            records in records(),
            passing_score in 0u8..=100,
            required in prop::sample::subsequence(vec![1i64, 2, 3], 0..=2),
            assessments in prop::sample::subsequence(vec![2i64, 3], 0..=2),
        ) {
            let needs = Requirements { required, assessments, passing_score };
            prop_assert_eq!(decide_records(&needs, &records, None), decide_from_every_record(&needs, &records, None));
        }

        /// A renewal is earned exactly when it is by every record; its date and score are
        /// the same unless something was reached both before the last certificate and more
        /// than once after it.
        #[test]
        fn evidence_decides_a_renewal_as_every_record_does(
            records in records(),
            since in 0i64..40,
            passing_score in 0u8..=100,
            required in prop::sample::subsequence(vec![1i64, 2, 3], 0..=2),
            assessments in prop::sample::subsequence(vec![2i64, 3], 0..=2),
        ) {
            let needs = Requirements { required, assessments, passing_score };
            let bounded = decide_records(&needs, &records, Some(since));
            let every = decide_from_every_record(&needs, &records, Some(since));
            prop_assert_eq!(bounded.is_some(), every.is_some());
            let ev = evidence(&records);
            let ambiguous = ev.iter().any(|e| {
                e.first_at <= at(since)
                    && stored(&records).iter().filter(|r| r.module_id == e.module_id && r.received_at > at(since))
                        .filter(|r| projection::reached_by(r).any(|x| x == e.reached)).count() > 1
            });
            if !ambiguous {
                prop_assert_eq!(bounded, every);
            }
        }
    }

    #[test]
    fn codes_are_readable() {
        let code = new_code();
        assert_eq!(app::api::normalise_code(&code).as_deref(), Some(code.as_str()));
        assert_ne!(new_code(), code);
    }
}
