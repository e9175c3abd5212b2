//! Everything a person typed is hostile until escaped: every page, rendered on the server
//! with markup in every field a person can type (titles, summaries, tags, tip cards,
//! questions and answers, names, team and job-role names, path and certification names,
//! comments, and what comes back in error messages and forms), parsed as a browser parses
//! it, holds no element or attribute that came from the text; the page title shows the
//! text as text (leptos_meta wrote it raw into `<title>`).

use std::cell::RefCell;

use app::api::{Certificate, LearningPath, Role, Team, User};
use html5ever::{
    tendril::StrTendril,
    tokenizer::{
        BufferQueue, StartTag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts, states::RawKind,
    },
};
use serde_json::{Value, json};

use crate::{
    db_tests,
    support::{
        Session, TestApp,
        build::{create, id, publish, record, sync_from},
    },
};

/// Closes the title, runs a script: what a review's module title did.
const H1: &str = "</title><script>alert(1)</script>";
/// An image that runs a script, and a way out of an attribute.
const H2: &str = "<img src=x onerror=alert(2)>\"'><svg onload=alert(3)>";

fn hostile(label: &str) -> String {
    format!("{label} {H1}{H2}")
}

/// What a browser's tokenizer makes of a page: each start tag with its attributes, the
/// text inside every `<script>`, and the text of the `<title>`.
#[derive(Default)]
struct Parsed {
    tags: Vec<(String, Vec<(String, String)>)>,
    scripts: Vec<String>,
    title: String,
    /// The raw-text element being read, if any.
    inside: Option<String>,
}

struct Sink(RefCell<Parsed>);

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut parsed = self.0.borrow_mut();
        match token {
            TagToken(tag) if tag.kind == StartTag => {
                let name = tag.name.to_string();
                let attrs = tag.attrs.iter().map(|a| (a.name.local.to_string(), a.value.to_string())).collect();
                parsed.tags.push((name.clone(), attrs));
                // As the tree builder tells the tokenizer, so text inside these stays text.
                let raw = match name.as_str() {
                    "script" => Some(RawKind::ScriptData),
                    "title" | "textarea" => Some(RawKind::Rcdata),
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" => Some(RawKind::Rawtext),
                    _ => None,
                };
                if let Some(kind) = raw {
                    if name == "script" {
                        parsed.scripts.push(String::new());
                    }
                    parsed.inside = Some(name);
                    return TokenSinkResult::RawData(kind);
                }
            }
            TagToken(_) => parsed.inside = None,
            Token::CharacterTokens(text) => match parsed.inside.as_deref() {
                Some("script") => parsed.scripts.last_mut().expect("a script").push_str(&text),
                Some("title") => parsed.title.push_str(&text),
                _ => {}
            },
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

fn parse(html: &str) -> Parsed {
    let tokenizer = Tokenizer::new(Sink(RefCell::new(Parsed::default())), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// Fails if the page holds anything the hostile text could have made.
#[track_caller]
fn assert_inert(path: &str, html: &str) {
    let parsed = parse(html);
    for (name, attrs) in &parsed.tags {
        assert!(
            !(name == "img" && attrs.iter().any(|(k, v)| k == "src" && v == "x")),
            "{path}: an <img src=x> from the text"
        );
        for (attr, _) in attrs {
            assert!(!attr.starts_with("on"), "{path}: <{name} {attr}=…> from the text");
        }
    }
    // The text may sit inside the page's data (a JSON string in a script, with `<` as
    // \u003c): a script *of* the text is one that is nothing but it.
    for script in &parsed.scripts {
        assert!(!script.trim_start().starts_with("alert("), "{path}: a script from the text: {script}");
    }
}

async fn page(app: &TestApp, who: Option<&Session>, path: &str) -> String {
    let mut call = app.get(path).html();
    if let Some(who) = who {
        call = call.session(who);
    }
    let reply = call.send().await;
    assert!(reply.status.as_u16() < 500, "{path}: {}", reply.status);
    reply.text()
}

async fn every_page_keeps_hostile_text_as_text(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let team: Team = app
        .post("/api/v1/teams")
        .session(&admin)
        .json(&json!({"name": format!("T {H1}<img src=x onerror=alert(2)>")}))
        .send()
        .await
        .assert_status(201)
        .json();
    let job = hostile("Seller");
    let person = |role: &'static str, manages: Vec<i64>| {
        let (app, admin, job) = (app.clone(), admin.clone(), job.clone());
        async move {
            let user: User = app
                .post("/api/v1/users")
                .session(&admin)
                .json(&json!({"email": format!("{role}{}@primer.test", uuid::Uuid::new_v4().simple()),
                              "name": hostile(role), "role": role, "job_role": job, "team_id": team.id,
                              "manages": manages}))
                .send()
                .await
                .assert_status(201)
                .json();
            app.session_for(user).await
        }
    };
    let learner = person("learner", vec![]).await;
    let manager = person("manager", vec![team.id]).await;
    let author = person("author", vec![]).await;

    // Content with markup in every field.
    let tip = create(
        &app,
        &author,
        &json!({"kind": "tip", "title": hostile("Tip"), "summary": hostile("Summary"), "estimated_seconds": 60,
                "tags": [H2.replace(',', ""), format!("product:{H1}")],
                "body_markdown": format!("# {H1}\n\n{H2}\n\n<script>alert(4)</script> [x](javascript:alert(5))"),
                "audience": {"job_roles": [job]}}),
    )
    .await;
    publish(&app, &author, tip.id).await;
    let option =
        |text: &str, correct: bool| json!({"text": hostile(text), "correct": correct, "explanation": hostile("Why")});
    let quiz = create(
        &app,
        &author,
        &json!({"kind": "quiz", "title": hostile("Quiz"), "estimated_seconds": 60, "pass_percent": 100,
                "questions": [{"prompt": hostile("Prompt"), "options": [option("Right", true), option("Wrong", false)]}]}),
    )
    .await;
    publish(&app, &author, quiz.id).await;
    // A practice quiz (not the certification's): its missed question comes back as a
    // booster, and the retention on /team and its insights name the learner.
    let boosted = create(
        &app,
        &author,
        &json!({"kind": "quiz", "title": hostile("Booster quiz"), "estimated_seconds": 60, "pass_percent": 100,
                "questions": [{"prompt": hostile("Again"), "options": [option("Right", true), option("Wrong", false)]}]}),
    )
    .await;
    publish(&app, &author, boosted.id).await;
    let criterion =
        |name: &str| json!({"name": format!("{name} {H1}"), "description": hostile("Looks for"), "weight": 2});
    let practice = create(
        &app,
        &author,
        &json!({"kind": "practice", "title": hostile("Practice"), "estimated_seconds": 120, "prompt": hostile("Pitch"),
                "rubric": {"scale_max": 4, "criteria": [criterion("Opening"), criterion("Close")]}}),
    )
    .await;
    publish(&app, &author, practice.id).await;
    // A teammate's take, shared and featured: the learner's Home lists it by name.
    let teammate = person("learner", vec![]).await;
    let take = crate::practice::upload_take(&app, &teammate, practice.id, &crate::fixtures::mp4()).await;
    let submission =
        record(&id(), "practice_submission", practice.id, 1, json!({"media_id": take, "seconds": 2, "share": true}));
    sync_from(&app, &teammate, "phone", vec![submission.clone()]).await;
    app.put(&format!("/api/v1/reviews/{}/feature", submission["id"].as_str().unwrap()))
        .session(&manager)
        .json(&json!({"featured": true}))
        .send()
        .await
        .assert_status(200);
    let path: LearningPath = app
        .post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": hostile("Path"), "description": hostile("About"), "module_ids": [tip.id, quiz.id]}))
        .send()
        .await
        .assert_status(201)
        .json();
    app.post("/api/v1/assignments")
        .session(&author)
        .json(&json!({"path_id": path.id, "team_id": team.id, "required": true, "due_days": 30}))
        .send()
        .await
        .assert_status(201);
    app.post("/api/v1/certifications")
        .session(&author)
        .json(&json!({"path_id": path.id, "title": hostile("Certified"), "description": hostile("Certifies"),
                      "assessment_module_ids": [quiz.id], "passing_score": 100}))
        .send()
        .await
        .assert_status(201);
    // The learner earns it, and says what they think.
    sync_from(
        &app,
        &learner,
        "phone",
        vec![
            record(&id(), "completion", tip.id, 1, json!({})),
            record(&id(), "quiz_attempt", quiz.id, 1, json!({"answers": [[0]]})),
            record(&id(), "quiz_attempt", boosted.id, 1, json!({"answers": [[1]]})),
            record(&id(), "booster_answer", boosted.id, 1, json!({"index": 0, "picked": [0]})),
            record(&id(), "feedback", tip.id, 1, json!({"rating": 2, "comment": hostile("Comment")})),
        ],
    )
    .await;
    let held: Vec<Certificate> = app.get("/api/v1/me/certificates").session(&learner).send().await.json();
    assert_eq!(held.len(), 1, "earned");
    let reset: Value = app
        .post(&format!("/api/v1/users/{}/password-reset", learner.user.id))
        .session(&admin)
        .send()
        .await
        .assert_status(201)
        .value();
    let reset_path = reset["url"].as_str().unwrap().split_once("/reset/").map(|(_, t)| format!("/reset/{t}")).unwrap();

    let q = app::api::validate::url_encode(&format!("{H1}{H2}"));
    let pages: Vec<(Option<&Session>, String)> = vec![
        (None, format!("/login?error={q}&email={q}&next={q}")),
        (None, format!("/login?error=too_many_attempts&retry={q}&email={q}")),
        (None, format!("{reset_path}?error={q}")),
        (None, format!("/verify/{}", held[0].code)),
        (None, format!("/verify/{q}")),
        (Some(&learner), "/".into()),
        (Some(&learner), format!("/library?q={q}&tag={q}")),
        (Some(&learner), "/library".into()),
        (Some(&learner), "/prep".into()),
        (Some(&learner), "/progress".into()),
        (Some(&learner), "/device".into()),
        (Some(&learner), "/account".into()),
        (Some(&learner), format!("/modules/{}", tip.id)),
        (Some(&learner), format!("/modules/{}", quiz.id)),
        (Some(&learner), format!("/modules/{}", practice.id)),
        (Some(&learner), format!("/certificates/{}", held[0].id)),
        (Some(&learner), format!("/no-such-page/{q}")),
        (Some(&manager), "/team".into()),
        (Some(&manager), "/reviews".into()),
        (Some(&manager), format!("/team?job_role={q}")),
        (Some(&manager), format!("/team?sort={q}&team_id={q}")),
        (Some(&manager), format!("/team/people/{}", learner.user.id)),
        (Some(&manager), format!("/certificates/{}", held[0].id)),
        (Some(&admin), "/admin/people".into()),
        (Some(&admin), "/admin/teams".into()),
        (Some(&admin), "/studio".into()),
        (Some(&admin), format!("/studio/modules/{}", tip.id)),
        (Some(&admin), format!("/studio/modules/{}", quiz.id)),
        (Some(&admin), format!("/studio/modules/{}", practice.id)),
        (Some(&admin), "/studio/new/practice".into()),
        (Some(&admin), "/studio/new/tip".into()),
        (Some(&admin), "/studio/paths".into()),
        (Some(&admin), "/studio/assignments".into()),
        (Some(&admin), "/studio/certifications".into()),
        (Some(&admin), "/studio/insights".into()),
        (Some(&admin), format!("/studio/insights?module={}", tip.id)),
        (Some(&admin), format!("/studio/insights?module={}", quiz.id)),
        (Some(&admin), format!("/studio/insights?module={}", boosted.id)),
    ];
    let mut shown = 0;
    for (who, path) in &pages {
        let html = page(&app, *who, path).await;
        assert_inert(path, &html);
        shown += usize::from(html.contains("alert(1)"));
    }
    assert!(shown >= 20, "the hostile text is on the pages ({shown} of {}), as text", pages.len());
    let home = page(&app, Some(&learner), "/").await;
    assert!(home.contains(r#"data-testid="featured-takes""#), "the featured take is on Home: {home}");

    // The page title shows the module's title as it was typed, and holds nothing else.
    let html = page(&app, Some(&learner), &format!("/modules/{}", tip.id)).await;
    assert_eq!(parse(&html).title, format!("{} · Primer", hostile("Tip")));
    let html = page(&app, Some(&learner), &format!("/certificates/{}", held[0].id)).await;
    assert!(parse(&html).title.starts_with(&hostile("Certified")), "{}", parse(&html).title);
    // Charts drawn on the server, and the CSV, carry the names as text too.
    let svg = app.get("/api/v1/reports/charts/readiness.svg").session(&manager).send().await.text();
    assert_inert("readiness.svg", &svg);
    assert!(svg.contains("&lt;/title&gt;"), "{svg}");
}

db_tests!(every_page_keeps_hostile_text_as_text);

/// The parser finds what a browser would: a control for the test itself.
#[test]
fn the_parser_finds_what_a_browser_would() {
    let parsed = parse(&format!("<html><head><title>A{H1}</head><body><p>{H2}</p><textarea><img src=x></textarea>"));
    assert_eq!(parsed.title, "A", "the title ends where the text says");
    assert!(parsed.scripts.iter().any(|s| s.starts_with("alert(1)")));
    assert!(parsed.tags.iter().any(|(n, a)| n == "img" && a.iter().any(|(k, _)| k == "onerror")));
    assert_eq!(parsed.tags.iter().filter(|(n, _)| n == "img").count(), 1, "inside a textarea it is text");
    let escaped = format!("<title>{}</title>", app::escape_html(H1));
    assert_eq!(parse(&escaped).title, H1);
    assert!(parse(&escaped).scripts.is_empty());
}
