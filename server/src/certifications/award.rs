//! Deciding certificates: a learner earns a certification when every required module is
//! completed and every assessment quiz reaches the passing score, by their stored
//! records alone (never what a device says it showed). A renewal asks for all of it
//! again after the last certificate.
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

use app::api::{CODE_ALPHABET, RecordKind, expiry};
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::db::{
    self,
    entities::{certificate, certification, learning_record},
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

/// A record as the decision reads it.
#[derive(Debug, Clone, Copy)]
pub struct Evidence {
    pub module_id: i64,
    /// When the server received it.
    pub at: DateTime<Utc>,
    /// A completion, or a passed quiz attempt.
    pub completes: bool,
    /// A quiz attempt's score.
    pub score: Option<u8>,
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
/// Each requirement is met by its earliest qualifying record, so the moment doesn't
/// depend on the order the database returns them in.
pub fn decide(
    needs: &Requirements,
    evidence: &[Evidence],
    since: Option<DateTime<Utc>>,
) -> Option<(DateTime<Utc>, Option<u8>)> {
    if needs.required.is_empty() && needs.assessments.is_empty() {
        return None;
    }
    let after = |e: &&Evidence| since.is_none_or(|s| e.at > s);
    let mut met_at = DateTime::<Utc>::MIN_UTC;
    for module in &needs.required {
        let first =
            evidence.iter().filter(after).filter(|e| e.module_id == *module && e.completes).map(|e| e.at).min()?;
        met_at = met_at.max(first);
    }
    let mut scores = Vec::new();
    for quiz in &needs.assessments {
        let first = evidence
            .iter()
            .filter(after)
            .filter(|e| e.module_id == *quiz && e.score.is_some_and(|s| s >= needs.passing_score))
            .min_by_key(|e| (e.at, std::cmp::Reverse(e.score)))?;
        met_at = met_at.max(first.at);
        scores.push(u32::from(first.score.unwrap_or(0)));
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
    let mut certifications: Vec<(certification::Model, Requirements)> = Vec::new();
    for c in query.all(db).await? {
        // A certification whose requirements can't be read decides nothing: an error,
        // never a certificate for meeting fewer of them.
        let needs = requirements(&c)?;
        let concerned = match scope {
            Scope::Modules(touched) => needs.required.iter().chain(&needs.assessments).any(|m| touched.contains(m)),
            _ => true,
        };
        if concerned {
            certifications.push((c, needs));
        }
    }
    if certifications.is_empty() {
        return Ok(Vec::new());
    }

    let ids: Vec<i64> = certifications.iter().map(|(c, _)| c.id).collect();
    let held = certificate::Entity::find()
        .filter(certificate::Column::UserId.eq(user_id))
        .filter(certificate::Column::CertificationId.is_in(ids))
        .all(db)
        .await?;
    let latest: HashMap<i64, DateTime<Utc>> =
        certificate::newest_per_certification(&held).into_iter().map(|(id, c)| (id, c.issued_at)).collect();

    let modules: HashSet<i64> =
        certifications.iter().flat_map(|(_, n)| n.required.iter().chain(&n.assessments).copied()).collect();
    let evidence: Vec<Evidence> = learning_record::Entity::find()
        .filter(learning_record::Column::UserId.eq(user_id))
        .filter(learning_record::Column::ModuleId.is_in(modules))
        .filter(
            learning_record::Column::Kind.is_in([RecordKind::Completion.as_str(), RecordKind::QuizAttempt.as_str()]),
        )
        // A second answer to an attempt is kept, not counted.
        .filter(learning_record::Column::Counted.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|r| Evidence {
            module_id: r.module_id,
            at: r.received_at,
            completes: r.kind == RecordKind::Completion.as_str() || r.passed == Some(true),
            score: r.score.map(|s| s.clamp(0, 100) as u8),
        })
        .collect();

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
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        "2026-05-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::TimeDelta::minutes(minute)
    }

    fn done(module_id: i64, minute: i64) -> Evidence {
        Evidence { module_id, at: at(minute), completes: true, score: None }
    }

    fn quiz(module_id: i64, minute: i64, score: u8, passed: bool) -> Evidence {
        Evidence { module_id, at: at(minute), completes: passed, score: Some(score) }
    }

    fn needs() -> Requirements {
        Requirements { required: vec![1, 2], assessments: vec![9], passing_score: 80 }
    }

    #[test]
    fn earned_when_everything_is_met_at_the_last_requirement() {
        let evidence = [done(1, 0), done(2, 5), quiz(9, 3, 60, false), quiz(9, 7, 90, true), done(1, 20)];
        assert_eq!(decide(&needs(), &evidence, None), Some((at(7), Some(90))));
        // The order records arrive in doesn't matter.
        let mut reversed = evidence;
        reversed.reverse();
        assert_eq!(decide(&needs(), &reversed, None), Some((at(7), Some(90))));
    }

    #[test]
    fn a_failed_assessment_or_a_missing_module_earns_nothing() {
        assert_eq!(decide(&needs(), &[done(1, 0), done(2, 1), quiz(9, 2, 79, true)], None), None);
        assert_eq!(decide(&needs(), &[done(1, 0), quiz(9, 2, 100, true)], None), None);
        assert_eq!(decide(&Requirements { required: vec![], assessments: vec![], passing_score: 80 }, &[], None), None);
    }

    #[test]
    fn a_renewal_needs_everything_again_after_the_last_certificate() {
        let first = [done(1, 0), done(2, 1), quiz(9, 2, 100, true)];
        assert_eq!(decide(&needs(), &first, Some(at(2))), None, "the same records don't earn it twice");
        let mut again = first.to_vec();
        again.extend([done(1, 100), quiz(9, 110, 85, true)]);
        assert_eq!(decide(&needs(), &again, Some(at(2))), None, "module 2 wasn't done again");
        again.push(done(2, 120));
        assert_eq!(decide(&needs(), &again, Some(at(2))), Some((at(120), Some(85))));
    }

    #[test]
    fn codes_are_readable() {
        let code = new_code();
        assert_eq!(app::api::normalise_code(&code).as_deref(), Some(code.as_str()));
        assert_ne!(new_code(), code);
    }
}
