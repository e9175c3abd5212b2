//! Typed columns, each decoded in one place: the kind, status, tags, content, audience
//! and media of modules and their versions, and a certification's module lists.
//!
//! A stored value that can't be read as its type is an [`Undecodable`] error, never a
//! default: an unreadable audience must not become "everyone", an unreadable kind must
//! not become a tip card, an unreadable list must not become empty (an empty list of
//! assessments would send an answer key to phones). Callers that list many rows for
//! learners leave such a row out, and log it; callers that serve one row fail.

use app::api::{Audience, ModuleContent, ModuleKind, ModuleStatus};
use serde::de::DeserializeOwned;

use super::entities::{assessment_attempt, certification, evidence, module, module_version};
use crate::error::ApiError;

/// A stored column that can't be read as its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{table} {key}: the {column} column can't be read ({reason})")]
pub struct Undecodable {
    pub table: &'static str,
    /// The row's key, e.g. `7` or `7 v2`.
    pub key: String,
    pub column: &'static str,
    pub reason: String,
}

impl Undecodable {
    /// Logs that the row is left out of what someone sees.
    pub fn log_hidden(&self) {
        tracing::error!(error = %self, "a stored row can't be read; it is left out");
    }
}

impl From<Undecodable> for ApiError {
    fn from(e: Undecodable) -> ApiError {
        // Logged with the row when the response is made.
        ApiError::Internal(e.to_string())
    }
}

impl From<Undecodable> for sea_orm::DbErr {
    /// For code that reports database errors: a value the database gave that can't be
    /// converted to its type.
    fn from(e: Undecodable) -> sea_orm::DbErr {
        sea_orm::DbErr::Type(e.to_string())
    }
}

fn json<T: DeserializeOwned>(
    table: &'static str,
    key: impl FnOnce() -> String,
    column: &'static str,
    value: &serde_json::Value,
) -> Result<T, Undecodable> {
    T::deserialize(value).map_err(|e| Undecodable { table, key: key(), column, reason: e.to_string() })
}

fn kind(table: &'static str, key: impl FnOnce() -> String, stored: &str) -> Result<ModuleKind, Undecodable> {
    ModuleKind::parse(stored).ok_or_else(|| Undecodable {
        table,
        key: key(),
        column: "kind",
        reason: format!("{stored:?} is not a kind of module"),
    })
}

/// Content must be of a kind Primer knows, and of the row's own kind.
fn content(
    table: &'static str,
    key: impl Fn() -> String,
    stored_kind: &str,
    value: &serde_json::Value,
) -> Result<ModuleContent, Undecodable> {
    let content: ModuleContent = json(table, &key, "content", value)?;
    let expected = kind(table, &key, stored_kind)?;
    if content.kind() != expected {
        return Err(Undecodable {
            table,
            key: key(),
            column: "content",
            reason: format!("{} content in a {} module", content.kind().as_str(), expected.as_str()),
        });
    }
    Ok(content)
}

impl module::Model {
    fn key(&self) -> String {
        self.id.to_string()
    }

    pub fn kind(&self) -> Result<ModuleKind, Undecodable> {
        kind("module", || self.key(), &self.kind)
    }

    pub fn status(&self) -> Result<ModuleStatus, Undecodable> {
        ModuleStatus::parse(&self.status).ok_or_else(|| Undecodable {
            table: "module",
            key: self.key(),
            column: "status",
            reason: format!("{:?} is not a status", self.status),
        })
    }

    pub fn tags(&self) -> Result<Vec<String>, Undecodable> {
        json("module", || self.key(), "tags", &self.tags)
    }

    pub fn content(&self) -> Result<ModuleContent, Undecodable> {
        content("module", || self.key(), &self.kind, &self.content)
    }

    pub fn audience(&self) -> Result<Audience, Undecodable> {
        json("module", || self.key(), "audience", &self.audience)
    }
}

impl module_version::Model {
    fn key(&self) -> String {
        format!("{} v{}", self.module_id, self.version)
    }

    pub fn kind(&self) -> Result<ModuleKind, Undecodable> {
        kind("module version", || self.key(), &self.kind)
    }

    pub fn tags(&self) -> Result<Vec<String>, Undecodable> {
        json("module version", || self.key(), "tags", &self.tags)
    }

    pub fn content(&self) -> Result<ModuleContent, Undecodable> {
        content("module version", || self.key(), &self.kind, &self.content)
    }

    pub fn audience(&self) -> Result<Audience, Undecodable> {
        json("module version", || self.key(), "audience", &self.audience)
    }

    /// The SHA-256s of the media it uses, in order.
    pub fn media_ids(&self) -> Result<Vec<String>, Undecodable> {
        json("module version", || self.key(), "media", &self.media)
    }
}

impl certification::Model {
    /// The modules a learner must complete.
    pub fn required(&self) -> Result<Vec<i64>, Undecodable> {
        json("certification", || self.id.to_string(), "required_module_ids", &self.required_module_ids)
    }

    /// The quizzes of the final assessment.
    pub fn assessments(&self) -> Result<Vec<i64>, Undecodable> {
        json("certification", || self.id.to_string(), "assessment_module_ids", &self.assessment_module_ids)
    }
}

/// What a record reached, as certificates are decided from it (an [`evidence`] row's key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reached {
    /// Completed: a completion, or a passed quiz attempt.
    Done,
    /// A quiz attempt that counted, at this score in percent.
    Score(u8),
}

impl Reached {
    /// The row's `kind` and `score` columns.
    pub fn columns(self) -> (&'static str, i32) {
        match self {
            Reached::Done => ("done", 0),
            Reached::Score(s) => ("score", i32::from(s)),
        }
    }
}

impl evidence::Model {
    pub fn reached(&self) -> Result<Reached, Undecodable> {
        match (self.kind.as_str(), self.score) {
            ("done", 0) => Ok(Reached::Done),
            ("score", s @ 0..=100) => Ok(Reached::Score(s as u8)),
            (kind, score) => Err(Undecodable {
                table: "evidence",
                key: format!("{} {}", self.user_id, self.module_id),
                column: "kind",
                reason: format!("{kind:?} at {score} is not something reached"),
            }),
        }
    }
}

impl assessment_attempt::Model {
    /// The version's question indexes drawn for it, in the order shown.
    pub fn questions(&self) -> Result<Vec<u32>, Undecodable> {
        json("assessment attempt", || self.id.clone(), "questions", &self.questions)
    }

    /// Those questions in the version's own order: how the answers to it come.
    pub fn asked(&self) -> Result<Vec<u32>, Undecodable> {
        let mut asked = self.questions()?;
        asked.sort_unstable();
        Ok(asked)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn module(kind: &str, content: serde_json::Value, audience: serde_json::Value) -> module::Model {
        module::Model {
            id: 7,
            kind: kind.into(),
            status: "published".into(),
            title: "T".into(),
            summary: String::new(),
            tags: json!(["a"]),
            estimated_seconds: 60,
            language: "en".into(),
            content,
            audience,
            published_version: Some(1),
            has_unpublished_changes: false,
            source_key: None,
            created_by: None,
            updated_by: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn readable_columns_read() {
        let m = module("tip", json!({"kind": "tip", "body_markdown": "x"}), json!({"team_ids": [3]}));
        assert_eq!(m.kind(), Ok(ModuleKind::Tip));
        assert_eq!(m.tags(), Ok(vec!["a".to_string()]));
        assert_eq!(m.audience().unwrap().team_ids, [3]);
        assert!(matches!(m.content(), Ok(ModuleContent::Tip { .. })));
    }

    #[test]
    fn unreadable_columns_fail_closed() {
        let tip = json!({"kind": "tip", "body_markdown": "x"});
        // An audience that can't be read is not "everyone".
        let e = module("tip", tip.clone(), json!({"team_ids": "north"})).audience().unwrap_err();
        assert_eq!((e.table, e.column, e.key.as_str()), ("module", "audience", "7"));
        assert!(module("tip", tip.clone(), json!(null)).audience().is_err());
        // A kind that can't be read is not a tip card.
        assert!(module("podcast", tip.clone(), json!({})).kind().is_err());
        // Content of a kind nobody knows, or of another kind than the row's.
        assert!(module("tip", json!({"kind": "podcast"}), json!({})).content().is_err());
        assert!(module("video", tip.clone(), json!({})).content().is_err());
        // A list that can't be read is not empty.
        let mut m = module("tip", tip, json!({}));
        m.tags = json!("a,b");
        assert!(m.tags().is_err());
        let c = certification::Model {
            id: 1,
            title: "C".into(),
            description: String::new(),
            path_id: 1,
            version: 1,
            required_module_ids: json!([1, 2]),
            assessment_module_ids: json!({"oops": 1}),
            passing_score: 80,
            validity_months: None,
            max_attempts: 3,
            cooldown_minutes: 0,
            version_at: None,
            created_by: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        assert_eq!(c.required(), Ok(vec![1, 2]));
        assert!(c.assessments().is_err());
    }
}
