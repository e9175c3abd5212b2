//! The rules of a module's and a path's fields, shared by the Studio (as you type) and the
//! server (on save): limits, and parsing into what is stored.

use super::content::{Criterion, Question, QuizOption, Rubric};
use super::validate::FieldError;

/// Limits on a module's fields.
pub mod limits {
    pub const TITLE_CHARS: usize = 120;
    pub const SUMMARY_CHARS: usize = 500;
    pub const TAGS: usize = 20;
    pub const TAG_CHARS: usize = 60;
    pub const MAX_SECONDS: u32 = 3600;
    pub const MARKDOWN_CHARS: usize = 20_000;
    pub const QUESTIONS: usize = 5;
    /// The questions of a pool (a quiz that draws some of them for each attempt).
    pub const POOL_QUESTIONS: usize = 30;
    pub const OPTIONS: usize = 6;
    pub const PROMPT_CHARS: usize = 500;
    pub const OPTION_CHARS: usize = 300;
    pub const EXPLANATION_CHARS: usize = 1000;
    pub const PATH_MODULES: usize = 50;
    /// A practice module's prompt.
    pub const PRACTICE_PROMPT_CHARS: usize = 500;
    /// The longest take a practice module may ask for: six minutes.
    pub const TAKE_SECONDS: u32 = 360;
    /// A rubric's criteria: at least, at most.
    pub const CRITERIA_MIN: usize = 2;
    pub const CRITERIA: usize = 8;
    pub const CRITERION_NAME_CHARS: usize = 80;
    pub const CRITERION_DESCRIPTION_CHARS: usize = 500;
    /// A criterion's weight: 1 to this.
    pub const WEIGHT: u8 = 10;
    /// Peer reviews a take may ask for.
    pub const PEER_REVIEWS: u8 = 5;
}

fn too_long(field: &'static str, what: &str, max: usize) -> FieldError {
    FieldError::new(field, format!("Keep {what} under {max} characters."))
}

/// A title: required, one line.
pub fn module_title(title: &str) -> Result<String, FieldError> {
    super::validate::required_text("title", "a title", title, limits::TITLE_CHARS)
}

/// A summary: optional, a few sentences.
pub fn module_summary(summary: &str) -> Result<String, FieldError> {
    let summary = summary.trim();
    if summary.chars().count() > limits::SUMMARY_CHARS {
        return Err(too_long("summary", "the summary", limits::SUMMARY_CHARS));
    }
    Ok(summary.to_string())
}

/// Tags: trimmed, blank ones dropped, duplicates removed (any case). A facet is written
/// `facet:value` (`product:Aurora`); the facet is lower-cased, the value kept as written.
pub fn tags(tags: &[String]) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for raw in tags {
        let tag = raw.trim();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > limits::TAG_CHARS {
            return Err(FieldError::new("tags", format!("Keep each tag under {} characters.", limits::TAG_CHARS)));
        }
        if tag.chars().any(|c| c.is_control() || c == ',') {
            return Err(FieldError::new("tags", "Tags can't contain commas; add each tag on its own."));
        }
        let tag = match tag.split_once(':') {
            Some((facet, value)) => {
                let (facet, value) = (facet.trim(), value.trim());
                if facet.is_empty() || value.is_empty() || facet.contains(char::is_whitespace) {
                    return Err(FieldError::new(
                        "tags",
                        format!("{tag:?}: write a facet tag as facet:value, like product:Aurora."),
                    ));
                }
                format!("{}:{value}", facet.to_lowercase())
            }
            None => tag.to_string(),
        };
        if !out.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            out.push(tag);
        }
    }
    if out.len() > limits::TAGS {
        return Err(FieldError::new("tags", format!("Use at most {} tags.", limits::TAGS)));
    }
    Ok(out)
}

/// An estimated duration: 1 second to an hour (these are micro-modules).
pub fn estimated_seconds(seconds: u32) -> Result<u32, FieldError> {
    if seconds == 0 || seconds > limits::MAX_SECONDS {
        return Err(FieldError::new(
            "estimated_seconds",
            format!("Estimate the time in seconds, between 1 and {}.", limits::MAX_SECONDS),
        ));
    }
    Ok(seconds)
}

/// A language tag such as `en`, `de` or `pt-BR`.
pub fn language(language: Option<&str>) -> Result<String, FieldError> {
    let tag = language.map(str::trim).filter(|l| !l.is_empty()).unwrap_or("en");
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    let ok = (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !ok {
        return Err(FieldError::new("language", "Use a language code such as en, de or pt-BR."));
    }
    Ok(tag.to_string())
}

/// A pass mark in percent.
pub fn pass_percent(percent: u8) -> Result<u8, FieldError> {
    if !(1..=100).contains(&percent) {
        return Err(FieldError::new("pass_percent", "Set a pass mark between 1 and 100 percent."));
    }
    Ok(percent)
}

/// How many questions of a pool each attempt draws: 1 to 5 (a quiz stays micro).
pub fn draw(draw: Option<u8>) -> Result<Option<u8>, FieldError> {
    match draw {
        Some(k) if k == 0 || usize::from(k) > limits::QUESTIONS => Err(FieldError::new(
            "draw",
            format!("Draw 1 to {} questions per attempt, or leave it empty to ask every question.", limits::QUESTIONS),
        )),
        k => Ok(k),
    }
}

/// Quiz questions: shape and length limits (saving a draft), up to 5, or up to 30 for a
/// pool that draws some of them per attempt (`draw`). Whether the quiz is complete enough
/// to publish is [`quiz_problems`].
pub fn questions(questions: &[Question], draw: Option<u8>) -> Result<Vec<Question>, FieldError> {
    let most = if draw.is_some() { limits::POOL_QUESTIONS } else { limits::QUESTIONS };
    if questions.len() > most {
        let hint = if draw.is_some() { "" } else { " (or up to 30 if each attempt draws some of them)" };
        return Err(FieldError::new("questions", format!("A quiz has at most {most} questions{hint}.")));
    }
    let mut out = Vec::with_capacity(questions.len());
    for (i, q) in questions.iter().enumerate() {
        let n = i + 1;
        let prompt = q.prompt.trim();
        if prompt.chars().count() > limits::PROMPT_CHARS {
            return Err(FieldError::new(
                "questions",
                format!("Question {n}: keep it under {} characters.", limits::PROMPT_CHARS),
            ));
        }
        if q.options.len() > limits::OPTIONS {
            return Err(FieldError::new(
                "questions",
                format!("Question {n}: use at most {} answers.", limits::OPTIONS),
            ));
        }
        let mut options = Vec::with_capacity(q.options.len());
        for (j, o) in q.options.iter().enumerate() {
            if o.text.trim().chars().count() > limits::OPTION_CHARS
                || o.explanation.trim().chars().count() > limits::EXPLANATION_CHARS
            {
                return Err(FieldError::new("questions", format!("Question {n}, answer {}: too long.", j + 1)));
            }
            options.push(QuizOption {
                text: o.text.trim().to_string(),
                correct: o.correct,
                explanation: o.explanation.trim().to_string(),
            });
        }
        out.push(Question { prompt: prompt.to_string(), multiple: q.multiple, options });
    }
    Ok(out)
}

/// What stops a quiz from being published, in words.
pub fn quiz_problems(questions: &[Question], draw: Option<u8>) -> Vec<String> {
    let mut problems = Vec::new();
    if questions.is_empty() {
        problems.push("Add at least one question.".to_string());
    }
    if let Some(k) = draw
        && usize::from(k) > questions.len()
    {
        problems.push(format!("Each attempt draws {k} questions, but there are only {}.", questions.len()));
    }
    for (i, q) in questions.iter().enumerate() {
        let n = i + 1;
        if q.prompt.is_empty() {
            problems.push(format!("Question {n} has no text."));
        }
        if q.options.len() < 2 {
            problems.push(format!("Question {n} needs at least two answers."));
        }
        if q.options.iter().any(|o| o.text.is_empty()) {
            problems.push(format!("Question {n} has an empty answer."));
        }
        let correct = q.options.iter().filter(|o| o.correct).count();
        match (q.multiple, correct) {
            (_, 0) => problems.push(format!("Question {n}: mark the right answer.")),
            (false, c) if c > 1 => problems.push(format!(
                "Question {n} allows one answer but marks {c} as right; make it multiple choice or mark one."
            )),
            _ => {}
        }
    }
    problems
}

/// Markdown for a tip card: length only (it is sanitised when rendered).
pub fn markdown(body: &str) -> Result<String, FieldError> {
    if body.chars().count() > limits::MARKDOWN_CHARS {
        return Err(too_long("body_markdown", "the card", limits::MARKDOWN_CHARS));
    }
    Ok(body.trim_end().to_string())
}

/// A practice module's prompt: length only (an empty one stops publishing).
pub fn practice_prompt(prompt: &str) -> Result<String, FieldError> {
    let prompt = prompt.trim();
    if prompt.chars().count() > limits::PRACTICE_PROMPT_CHARS {
        return Err(too_long("prompt", "the prompt", limits::PRACTICE_PROMPT_CHARS));
    }
    Ok(prompt.to_string())
}

/// The longest take: 10 seconds to six minutes.
pub fn max_seconds(seconds: u32) -> Result<u32, FieldError> {
    if !(10..=limits::TAKE_SECONDS).contains(&seconds) {
        return Err(FieldError::new(
            "max_seconds",
            format!("Allow a take between 10 and {} seconds long.", limits::TAKE_SECONDS),
        ));
    }
    Ok(seconds)
}

/// How many teammates review a take: 1 to 5.
pub fn peer_reviews(n: u8) -> Result<u8, FieldError> {
    if n == 0 || n > limits::PEER_REVIEWS {
        return Err(FieldError::new(
            "peer_reviews",
            format!("Ask for 1 to {} peer reviews of each take.", limits::PEER_REVIEWS),
        ));
    }
    Ok(n)
}

/// A rubric's shape (saving a draft): a scale of 4 or 5, at most 8 criteria, names and
/// descriptions within limits and names unique (any case), weights 1 to 10. Whether it is
/// complete enough to publish is [`practice_problems`].
pub fn rubric(rubric: &Rubric) -> Result<Rubric, FieldError> {
    if !matches!(rubric.scale_max, 4 | 5) {
        return Err(FieldError::new("rubric", "Score on a scale of 1 to 4 or 1 to 5."));
    }
    if rubric.criteria.len() > limits::CRITERIA {
        return Err(FieldError::new("rubric", format!("A rubric has at most {} criteria.", limits::CRITERIA)));
    }
    let mut criteria: Vec<Criterion> = Vec::with_capacity(rubric.criteria.len());
    for (i, c) in rubric.criteria.iter().enumerate() {
        let n = i + 1;
        let name = c.name.trim();
        if name.chars().count() > limits::CRITERION_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(FieldError::new(
                "rubric",
                format!("Criterion {n}: keep its name to one line under {} characters.", limits::CRITERION_NAME_CHARS),
            ));
        }
        if c.description.trim().chars().count() > limits::CRITERION_DESCRIPTION_CHARS {
            return Err(FieldError::new(
                "rubric",
                format!(
                    "Criterion {n}: keep the description under {} characters.",
                    limits::CRITERION_DESCRIPTION_CHARS
                ),
            ));
        }
        if c.weight == 0 || c.weight > limits::WEIGHT {
            return Err(FieldError::new(
                "rubric",
                format!("Criterion {n}: give it a weight from 1 to {}.", limits::WEIGHT),
            ));
        }
        if !name.is_empty() && criteria.iter().any(|o| o.name.to_lowercase() == name.to_lowercase()) {
            return Err(FieldError::new("rubric", format!("Criterion {n}: {name:?} is there twice.")));
        }
        criteria.push(Criterion {
            name: name.to_string(),
            description: c.description.trim().to_string(),
            weight: c.weight,
        });
    }
    Ok(Rubric { scale_max: rubric.scale_max, criteria })
}

/// What stops a practice module from being published, in words.
pub fn practice_problems(prompt: &str, rubric: &Rubric) -> Vec<String> {
    let mut problems = Vec::new();
    if prompt.trim().is_empty() {
        problems.push("Write the prompt: what to say, and to whom.".to_string());
    }
    if rubric.criteria.len() < limits::CRITERIA_MIN {
        problems.push(format!("Give the rubric at least {} criteria.", limits::CRITERIA_MIN));
    }
    for (i, c) in rubric.criteria.iter().enumerate() {
        if c.name.trim().is_empty() {
            problems.push(format!("Criterion {} has no name.", i + 1));
        }
    }
    problems
}

/// A path's title.
pub fn path_title(title: &str) -> Result<String, FieldError> {
    super::validate::required_text("title", "a title", title, limits::TITLE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn tags_are_tidied() {
        assert_eq!(
            tags(&s(&[" Product:Aurora ", "retail", "", "PRODUCT:Aurora", "stage: negotiation"])).unwrap(),
            s(&["product:Aurora", "retail", "stage:negotiation"])
        );
        assert!(tags(&s(&["a,b"])).is_err());
        assert!(tags(&s(&[":x"])).is_err());
        assert!(tags(&s(&["pro duct:x"])).is_err());
        assert!(tags(&(0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()).is_err());
    }

    #[test]
    fn languages() {
        assert_eq!(language(None).unwrap(), "en");
        assert_eq!(language(Some("pt-BR")).unwrap(), "pt-BR");
        assert_eq!(language(Some(" de ")).unwrap(), "de");
        assert!(language(Some("english")).is_err());
        assert!(language(Some("e")).is_err());
        assert!(language(Some("en_GB")).is_err());
    }

    #[test]
    fn durations_and_pass_marks() {
        assert!(estimated_seconds(0).is_err());
        assert!(estimated_seconds(90).is_ok());
        assert!(estimated_seconds(3601).is_err());
        assert!(pass_percent(0).is_err());
        assert!(pass_percent(80).is_ok());
        assert!(pass_percent(101).is_err());
    }

    fn criterion(name: &str, weight: u8) -> Criterion {
        Criterion { name: name.into(), description: String::new(), weight }
    }

    #[test]
    fn practice_rules() {
        let two = Rubric { scale_max: 4, criteria: vec![criterion(" Opening ", 1), criterion("Close", 3)] };
        assert_eq!(rubric(&two).unwrap().criteria[0].name, "Opening", "trimmed");
        assert!(rubric(&Rubric { scale_max: 3, ..two.clone() }).is_err(), "scale 4 or 5");
        assert!(rubric(&Rubric { scale_max: 6, ..two.clone() }).is_err());
        assert!(rubric(&Rubric { scale_max: 4, criteria: vec![criterion("a", 0), criterion("b", 1)] }).is_err());
        assert!(rubric(&Rubric { scale_max: 4, criteria: vec![criterion("a", 11), criterion("b", 1)] }).is_err());
        assert!(
            rubric(&Rubric { scale_max: 5, criteria: vec![criterion("Close", 1), criterion("close", 1)] }).is_err()
        );
        assert!(
            rubric(&Rubric { scale_max: 5, criteria: (0..9).map(|i| criterion(&i.to_string(), 1)).collect() }).is_err()
        );
        assert!(rubric(&Rubric { scale_max: 5, criteria: vec![criterion("a\nb", 1)] }).is_err(), "one line");
        // A draft may have fewer than two, or unnamed ones; publishing may not.
        let one = Rubric { scale_max: 5, criteria: vec![criterion("", 1)] };
        assert!(rubric(&one).is_ok());
        assert_eq!(practice_problems("", &one).len(), 3);
        assert!(practice_problems("Pitch Aurora", &two).is_empty());
        assert!(
            max_seconds(9).is_err() && max_seconds(10).is_ok() && max_seconds(360).is_ok() && max_seconds(361).is_err()
        );
        assert!(peer_reviews(0).is_err() && peer_reviews(2).is_ok() && peer_reviews(6).is_err());
        assert!(practice_prompt(&"x".repeat(501)).is_err());
    }

    fn q(multiple: bool, correct: &[bool]) -> Question {
        Question {
            prompt: "Which?".into(),
            multiple,
            options: correct
                .iter()
                .enumerate()
                .map(|(i, c)| QuizOption { text: format!("Option {i}"), correct: *c, explanation: String::new() })
                .collect(),
        }
    }

    #[test]
    fn quiz_completeness() {
        assert_eq!(quiz_problems(&[], None), ["Add at least one question."]);
        assert!(quiz_problems(&[q(false, &[true, false])], None).is_empty());
        assert!(quiz_problems(&[q(true, &[true, true, false])], None).is_empty());
        assert_eq!(quiz_problems(&[q(false, &[true])], None).len(), 1, "two answers at least");
        assert!(quiz_problems(&[q(false, &[false, false])], None)[0].contains("mark the right answer"));
        assert!(quiz_problems(&[q(false, &[true, true])], None)[0].contains("allows one answer"));
        assert!(questions(&vec![q(false, &[true, false]); 6], None).is_err());
        assert!(questions(&[q(false, &[true; 7])], None).is_err());
        // A pool: up to 30, each attempt drawing 1 to 5.
        assert!(questions(&vec![q(false, &[true, false]); 30], Some(5)).is_ok());
        assert!(questions(&vec![q(false, &[true, false]); 31], Some(5)).is_err());
        assert!(draw(Some(0)).is_err() && draw(Some(6)).is_err() && draw(Some(3)).is_ok() && draw(None).is_ok());
        assert_eq!(quiz_problems(&vec![q(false, &[true, false]); 2], Some(3)).len(), 1, "draws more than there are");
    }
}
