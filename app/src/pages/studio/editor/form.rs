//! The editor's form: its fields as signals, questions and answers with stable keys, and
//! checking it with the rules the server applies on save.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::api::{
    Audience, Criterion, MediaRef, Module, ModuleContent, ModuleInput, ModuleKind, Question, QuizOption, Reviewers,
    Rubric, module_rules as rules,
};

/// One answer of a question being edited.
#[derive(Clone, Copy)]
pub(super) struct OptionForm {
    pub(super) key: usize,
    pub(super) text: RwSignal<String>,
    pub(super) correct: RwSignal<bool>,
    pub(super) explanation: RwSignal<String>,
}

/// One question being edited.
#[derive(Clone, Copy)]
pub(super) struct QuestionForm {
    pub(super) key: usize,
    pub(super) prompt: RwSignal<String>,
    pub(super) multiple: RwSignal<bool>,
    pub(super) options: RwSignal<Vec<OptionForm>>,
}

/// Gives list items stable keys, so editing one never rebuilds the others.
pub(super) fn next_key() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl OptionForm {
    pub(super) fn new(o: &QuizOption) -> Self {
        OptionForm {
            key: next_key(),
            text: RwSignal::new(o.text.clone()),
            correct: RwSignal::new(o.correct),
            explanation: RwSignal::new(o.explanation.clone()),
        }
    }
}

impl QuestionForm {
    pub(super) fn new(q: &Question) -> Self {
        QuestionForm {
            key: next_key(),
            prompt: RwSignal::new(q.prompt.clone()),
            multiple: RwSignal::new(q.multiple),
            options: RwSignal::new(q.options.iter().map(OptionForm::new).collect()),
        }
    }

    pub(super) fn blank() -> Self {
        QuestionForm::new(&Question {
            prompt: String::new(),
            multiple: false,
            options: vec![QuizOption::default(), QuizOption::default()],
        })
    }

    pub(super) fn read(&self) -> Question {
        Question {
            prompt: self.prompt.get(),
            multiple: self.multiple.get(),
            options: self
                .options
                .get()
                .iter()
                .map(|o| QuizOption { text: o.text.get(), correct: o.correct.get(), explanation: o.explanation.get() })
                .collect(),
        }
    }
}

/// One rubric criterion being edited.
#[derive(Clone, Copy)]
pub(super) struct CriterionForm {
    pub(super) key: usize,
    pub(super) name: RwSignal<String>,
    pub(super) description: RwSignal<String>,
    pub(super) weight: RwSignal<String>,
}

impl CriterionForm {
    pub(super) fn new(c: &Criterion) -> Self {
        CriterionForm {
            key: next_key(),
            name: RwSignal::new(c.name.clone()),
            description: RwSignal::new(c.description.clone()),
            weight: RwSignal::new(c.weight.to_string()),
        }
    }

    pub(super) fn blank() -> Self {
        CriterionForm::new(&Criterion { name: String::new(), description: String::new(), weight: 1 })
    }

    fn read(&self) -> Criterion {
        Criterion {
            name: self.name.get(),
            description: self.description.get(),
            // Unreadable: 0, which the rules refuse with the criterion named.
            weight: self.weight.get().trim().parse().unwrap_or(0),
        }
    }
}

/// A practice module's own fields (its pass mark is the form's).
#[derive(Clone, Copy)]
pub(super) struct PracticeForm {
    pub(super) prompt: RwSignal<String>,
    pub(super) max_seconds: RwSignal<String>,
    pub(super) scale_max: RwSignal<u8>,
    pub(super) criteria: RwSignal<Vec<CriterionForm>>,
    pub(super) reviewers: RwSignal<Reviewers>,
    pub(super) peer_reviews: RwSignal<String>,
}

impl PracticeForm {
    fn new(content: Option<&ModuleContent>) -> Self {
        let (prompt, max_seconds, rubric, reviewers, peers) = match content {
            Some(ModuleContent::Practice { prompt, max_seconds, rubric, reviewers, peer_reviews, .. }) => {
                (prompt.clone(), *max_seconds, rubric.clone(), *reviewers, *peer_reviews)
            }
            _ => (String::new(), 60, Rubric { scale_max: 4, criteria: Vec::new() }, Reviewers::Manager, 2),
        };
        let mut criteria: Vec<CriterionForm> = rubric.criteria.iter().map(CriterionForm::new).collect();
        while criteria.len() < rules::limits::CRITERIA_MIN {
            criteria.push(CriterionForm::blank());
        }
        PracticeForm {
            prompt: RwSignal::new(prompt),
            max_seconds: RwSignal::new(max_seconds.to_string()),
            scale_max: RwSignal::new(rubric.scale_max),
            criteria: RwSignal::new(criteria),
            reviewers: RwSignal::new(reviewers),
            peer_reviews: RwSignal::new(peers.to_string()),
        }
    }

    fn rubric(&self) -> Rubric {
        Rubric {
            scale_max: self.scale_max.get(),
            criteria: self.criteria.get().iter().map(CriterionForm::read).collect(),
        }
    }

    // Unreadable numbers become 0, which the server refuses with the field named.
    fn max_seconds_value(&self) -> u32 {
        self.max_seconds.get().trim().parse().unwrap_or(0)
    }

    fn peer_reviews_value(&self) -> u8 {
        self.peer_reviews.get().trim().parse().unwrap_or(0)
    }
}

/// The form's fields.
#[derive(Clone, Copy)]
pub(super) struct Form {
    pub(super) kind: ModuleKind,
    pub(super) title: RwSignal<String>,
    pub(super) summary: RwSignal<String>,
    pub(super) tags: RwSignal<String>,
    pub(super) seconds: RwSignal<String>,
    pub(super) language: RwSignal<String>,
    pub(super) audience_roles: RwSignal<String>,
    pub(super) audience_teams: RwSignal<Vec<i64>>,
    pub(super) video: RwSignal<Option<MediaRef>>,
    pub(super) auto_poster: RwSignal<Option<MediaRef>>,
    pub(super) poster: RwSignal<Option<MediaRef>>,
    pub(super) captions: RwSignal<Option<MediaRef>>,
    pub(super) body: RwSignal<String>,
    pub(super) questions: RwSignal<Vec<QuestionForm>>,
    pub(super) pass_percent: RwSignal<String>,
    /// Questions drawn per attempt from a pool (empty: every question).
    pub(super) draw: RwSignal<String>,
    pub(super) practice: PracticeForm,
}

pub(super) fn split_list(text: &str) -> Vec<String> {
    text.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect()
}

impl Form {
    pub(super) fn new(kind: ModuleKind, m: Option<&Module>) -> Self {
        let by_id: HashMap<String, MediaRef> =
            m.map(|m| m.media.iter().map(|r| (r.id.clone(), r.clone())).collect()).unwrap_or_default();
        let find = |id: &Option<String>| id.as_ref().and_then(|id| by_id.get(id).cloned());
        let (video, poster, captions, body, questions, pass) = match m.map(|m| &m.content) {
            Some(ModuleContent::Video { video_media_id, poster_media_id, captions_media_id, .. }) => {
                (find(video_media_id), find(poster_media_id), find(captions_media_id), String::new(), vec![], 80)
            }
            Some(ModuleContent::Tip { body_markdown, .. }) => (None, None, None, body_markdown.clone(), vec![], 80),
            Some(ModuleContent::Quiz { questions, pass_percent, .. }) => {
                (None, None, None, String::new(), questions.iter().map(QuestionForm::new).collect(), *pass_percent)
            }
            Some(ModuleContent::Practice { pass_percent, .. }) => {
                (None, None, None, String::new(), vec![], *pass_percent)
            }
            Some(ModuleContent::Unknown) | None => (
                None,
                None,
                None,
                String::new(),
                if kind == ModuleKind::Quiz { vec![QuestionForm::blank()] } else { vec![] },
                if kind == ModuleKind::Practice { 75 } else { 80 },
            ),
        };
        // A video's own poster frame is in the media list after the video.
        let auto_poster = match (&video, &poster, m) {
            (Some(v), None, Some(m)) => {
                m.media.iter().find(|r| r.id != v.id && r.content_type.starts_with("image/")).cloned()
            }
            _ => None,
        };
        Form {
            kind,
            title: RwSignal::new(m.map(|m| m.title.clone()).unwrap_or_default()),
            summary: RwSignal::new(m.map(|m| m.summary.clone()).unwrap_or_default()),
            tags: RwSignal::new(m.map(|m| m.tags.join(", ")).unwrap_or_default()),
            seconds: RwSignal::new(m.map(|m| m.estimated_seconds.to_string()).unwrap_or_default()),
            language: RwSignal::new(m.map(|m| m.language.clone()).unwrap_or_else(|| "en".into())),
            audience_roles: RwSignal::new(m.map(|m| m.audience.job_roles.join(", ")).unwrap_or_default()),
            audience_teams: RwSignal::new(m.map(|m| m.audience.team_ids.clone()).unwrap_or_default()),
            video: RwSignal::new(video),
            auto_poster: RwSignal::new(auto_poster),
            poster: RwSignal::new(poster),
            captions: RwSignal::new(captions),
            body: RwSignal::new(body),
            questions: RwSignal::new(questions),
            pass_percent: RwSignal::new(pass.to_string()),
            draw: RwSignal::new(match m.map(|m| &m.content) {
                Some(ModuleContent::Quiz { draw: Some(k), .. }) => k.to_string(),
                _ => String::new(),
            }),
            practice: PracticeForm::new(m.map(|m| &m.content)),
        }
    }

    /// The pool's draw as typed: `Ok(None)` when empty, `Err` when it isn't a number.
    pub(super) fn draw_value(&self) -> Result<Option<u8>, ()> {
        match self.draw.get().trim() {
            "" => Ok(None),
            k => k.parse().map(Some).map_err(|_| ()),
        }
    }

    pub(super) fn seconds_value(&self) -> u32 {
        self.seconds.get().trim().parse().unwrap_or(0)
    }

    pub(super) fn input(&self) -> ModuleInput {
        let id = |r: RwSignal<Option<MediaRef>>| r.get().map(|r| r.id);
        let content = match self.kind {
            ModuleKind::Video => ModuleContent::Video {
                video_media_id: id(self.video),
                poster_media_id: id(self.poster),
                captions_media_id: id(self.captions),
                renditions: Vec::new(),
            },
            // The server renders the HTML itself.
            ModuleKind::Tip => ModuleContent::Tip { body_markdown: self.body.get(), body_html: String::new() },
            ModuleKind::Quiz => ModuleContent::Quiz {
                questions: self.questions.get().iter().map(QuestionForm::read).collect(),
                // Unreadable: 0, which the server refuses with the field named.
                pass_percent: self.pass_percent.get().trim().parse().unwrap_or(0),
                // Unreadable: 0, which the server refuses with the field named.
                draw: self.draw_value().unwrap_or(Some(0)),
            },
            ModuleKind::Practice => ModuleContent::Practice {
                prompt: self.practice.prompt.get(),
                max_seconds: self.practice.max_seconds_value(),
                rubric: self.practice.rubric(),
                pass_percent: self.pass_percent.get().trim().parse().unwrap_or(0),
                reviewers: self.practice.reviewers.get(),
                peer_reviews: self.practice.peer_reviews_value(),
            },
            ModuleKind::Unknown => ModuleContent::Unknown,
        };
        ModuleInput {
            kind: Some(self.kind),
            title: self.title.get(),
            summary: self.summary.get(),
            tags: split_list(&self.tags.get()),
            estimated_seconds: self.seconds_value(),
            language: Some(self.language.get()),
            content: Some(content),
            audience: Audience {
                job_roles: split_list(&self.audience_roles.get()),
                team_ids: self.audience_teams.get(),
            },
            ..ModuleInput::default()
        }
    }

    /// The shared rules, applied as the author types: field name → message.
    pub(super) fn errors(&self) -> HashMap<&'static str, String> {
        let mut errors = HashMap::new();
        let mut check = |result: Result<(), rules_error::E>| {
            if let Err((field, message)) = result {
                errors.entry(field).or_insert(message);
            }
        };
        check(rules::module_title(&self.title.get()).map(|_| ()).map_err(rules_error::from));
        check(rules::module_summary(&self.summary.get()).map(|_| ()).map_err(rules_error::from));
        check(rules::tags(&split_list(&self.tags.get())).map(|_| ()).map_err(rules_error::from));
        check(rules::language(Some(&self.language.get())).map(|_| ()).map_err(rules_error::from));
        let from_video = self.kind == ModuleKind::Video && self.video.get().is_some() && self.seconds_value() == 0;
        if !from_video {
            check(rules::estimated_seconds(self.seconds_value()).map(|_| ()).map_err(rules_error::from));
        }
        match self.kind {
            ModuleKind::Tip => check(rules::markdown(&self.body.get()).map(|_| ()).map_err(rules_error::from)),
            ModuleKind::Quiz => {
                let questions: Vec<Question> = self.questions.get().iter().map(QuestionForm::read).collect();
                match self.draw_value() {
                    Ok(draw) => {
                        check(rules::draw(draw).map(|_| ()).map_err(rules_error::from));
                        check(rules::questions(&questions, draw).map(|_| ()).map_err(rules_error::from));
                    }
                    Err(()) => check(Err(("draw", "Draw 1 to 5 questions per attempt, or leave it empty.".into()))),
                }
            }
            ModuleKind::Practice => {
                let p = &self.practice;
                check(rules::practice_prompt(&p.prompt.get()).map(|_| ()).map_err(rules_error::from));
                check(rules::max_seconds(p.max_seconds_value()).map(|_| ()).map_err(rules_error::from));
                check(rules::rubric(&p.rubric()).map(|_| ()).map_err(rules_error::from));
                if p.reviewers.get() != Reviewers::Manager {
                    check(rules::peer_reviews(p.peer_reviews_value()).map(|_| ()).map_err(rules_error::from));
                }
            }
            ModuleKind::Video | ModuleKind::Unknown => {}
        }
        if matches!(self.kind, ModuleKind::Quiz | ModuleKind::Practice) {
            // Unreadable: 0, which the rule refuses in its own words.
            let percent = self.pass_percent.get().trim().parse().unwrap_or(0);
            check(rules::pass_percent(percent).map(|_| ()).map_err(rules_error::from));
        }
        errors
    }
}

pub(super) mod rules_error {
    pub type E = (&'static str, String);
    pub fn from(e: crate::api::validate::FieldError) -> E {
        (e.field, e.message)
    }
}

/// The form's fields in the order they appear.
pub(super) const FIELD_ORDER: [&str; 14] = [
    "title",
    "summary",
    "body_markdown",
    "prompt",
    "max_seconds",
    "rubric",
    "peer_reviews",
    "questions",
    "pass_percent",
    "draw",
    "tags",
    "estimated_seconds",
    "language",
    "video_media_id",
];

/// A field as the form labels it.
pub(super) fn field_label(field: &str) -> &'static str {
    match field {
        "title" => "Title",
        "summary" => "Summary",
        "body_markdown" => "Card",
        "prompt" => "Prompt",
        "max_seconds" => "Longest take",
        "rubric" => "Rubric",
        "peer_reviews" => "Peer reviews",
        "questions" => "Questions",
        "pass_percent" => "Pass mark",
        "draw" => "Questions per attempt",
        "tags" => "Tags",
        "estimated_seconds" => "Time",
        "language" => "Language",
        _ => "Video",
    }
}
