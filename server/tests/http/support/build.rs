//! What tests build their cases from: content (tip cards, quizzes, a course and its
//! certification), people, learning records and syncs, uploads, and the job runner. Each
//! goes through the API as a client would (or, for jobs, runs what a server runs).

use app::api::{Certification, LearningPath, Module, Role, SyncResponse, User};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use server::jobs::{Kind, Runner, RunnerConfig, runner::Work};

use super::{Reply, Session, TestApp};

// Content.

/// A tip card's draft, with its body in Markdown.
pub fn tip(title: &str, body: &str) -> Value {
    json!({"kind": "tip", "title": title, "summary": "Three things to say", "tags": ["product:Aurora", "stage:negotiation"],
           "estimated_seconds": 60, "body_markdown": body})
}

/// A quiz's draft (half right passes).
pub fn quiz(questions: Value) -> Value {
    json!({"kind": "quiz", "title": "Check: Aurora pricing", "estimated_seconds": 90, "pass_percent": 50, "questions": questions})
}

/// Two questions a quiz may be published with: one answer (option 1), and several (options 0 and 2).
pub fn good_questions() -> Value {
    json!([
        {"prompt": "Which plan includes offline sync?", "options": [
            {"text": "Starter", "correct": false, "explanation": "Starter is online only."},
            {"text": "Team", "correct": true, "explanation": "Team adds offline sync."}]},
        {"prompt": "Which are Aurora's strengths?", "multiple": true, "options": [
            {"text": "Battery life", "correct": true}, {"text": "Price", "correct": false}, {"text": "Weight", "correct": true}]}
    ])
}

/// Creates a module as an author; expects a 201.
pub async fn create(app: &TestApp, author: &Session, body: &Value) -> Module {
    app.post("/api/v1/modules").session(author).json(body).send().await.assert_status(201).json()
}

/// Publishes a module's working copy; expects a 200.
pub async fn publish(app: &TestApp, author: &Session, id: i64) -> Module {
    app.post(&format!("/api/v1/modules/{id}/publish")).session(author).send().await.assert_status(200).json()
}

/// A published tip card and quiz (answers: option 1; options 0 and 2).
pub async fn tip_and_quiz(app: &TestApp) -> (i64, i64) {
    let author = app.signed_in(Role::Author).await;
    let tip = create(app, &author, &tip("Price objections", "Say **value**.")).await;
    publish(app, &author, tip.id).await;
    let quiz = create(app, &author, &quiz(good_questions())).await;
    publish(app, &author, quiz.id).await;
    app.published_long_ago().await;
    (tip.id, quiz.id)
}

/// A published onboarding path (two tip cards and a final quiz) assigned to account
/// executives, and an author.
pub struct Course {
    pub author: Session,
    pub path_id: i64,
    pub tips: [i64; 2],
    pub quiz: i64,
}

/// Builds the [`Course`].
pub async fn course(app: &TestApp) -> Course {
    let author = app.signed_in(Role::Author).await;
    let mut tips = [0; 2];
    for (i, t) in tips.iter_mut().enumerate() {
        let m = create(app, &author, &tip(&format!("Aurora pitch {i}"), "Lead with **battery life**.")).await;
        publish(app, &author, m.id).await;
        *t = m.id;
    }
    let mut final_quiz = quiz(good_questions());
    final_quiz["title"] = json!("Aurora certification check");
    let q = create(app, &author, &final_quiz).await;
    publish(app, &author, q.id).await;
    app.published_long_ago().await;
    let path: LearningPath = app
        .post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": "Aurora certified", "module_ids": [tips[0], tips[1], q.id]}))
        .send()
        .await
        .assert_status(201)
        .json();
    app.post("/api/v1/assignments")
        .session(&author)
        .json(&json!({"path_id": path.id, "job_role": "Account Executive", "required": true, "due_days": 30}))
        .send()
        .await
        .assert_status(201);
    Course { author, path_id: path.id, tips, quiz: q.id }
}

/// Turns the course's path into a certification with its quiz as the assessment.
pub async fn certify(app: &TestApp, c: &Course) -> Certification {
    app.post("/api/v1/certifications")
        .session(&c.author)
        .json(&json!({"path_id": c.path_id, "assessment_module_ids": [c.quiz], "passing_score": 100, "validity_months": 12}))
        .send()
        .await
        .assert_status(201)
        .json()
}

// People.

/// A learner with a job role, a team and a start date (each optional), signed in.
pub async fn learner_in(app: &TestApp, job_role: Option<&str>, team_id: Option<i64>, start: Option<&str>) -> Session {
    let admin = app.signed_in(Role::Admin).await;
    let email = format!("l{}@primer.test", uuid::Uuid::new_v4().simple());
    let user: User = app
        .post("/api/v1/users")
        .session(&admin)
        .json(&json!({"email": email, "name": "Lee Learner", "role": "learner", "job_role": job_role, "team_id": team_id, "start_date": start}))
        .send()
        .await
        .assert_status(201)
        .json();
    app.session_for(user).await
}

/// A manager responsible for one team, signed in.
pub async fn manager_of(app: &TestApp, admin: &Session, team_id: i64) -> Session {
    let email = format!("m{}@primer.test", uuid::Uuid::new_v4().simple());
    let manager: app::api::User = app
        .post("/api/v1/users")
        .session(admin)
        .json(&json!({"email": email, "name": "Max Manager", "role": "manager", "manages": [team_id]}))
        .send()
        .await
        .assert_status(201)
        .json();
    app.session_for(manager).await
}

// Learning records.

/// A new record id, as a phone makes them (UUID v7).
pub fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A learning record that happened now.
pub fn record(id: &str, kind: &str, module_id: i64, version: i32, payload: Value) -> Value {
    json!({"id": id, "kind": kind, "module_id": module_id, "module_version": version,
           "occurred_at": Utc::now().to_rfc3339(), "payload": payload})
}

/// Sends records from a device (its clock right) and expects a 200.
pub async fn sync_from(app: &TestApp, who: &Session, device: &str, records: Vec<Value>) -> SyncResponse {
    app.post("/api/v1/sync")
        .session(who)
        .json(&json!({"device_id": device, "device_time": Utc::now().to_rfc3339(), "records": records}))
        .send()
        .await
        .assert_status(200)
        .json()
}

/// Results of a sync as words: the status, or the code of a rejection.
pub fn statuses(response: &SyncResponse) -> Vec<String> {
    response
        .results
        .iter()
        .map(|r| match r.code {
            Some(code) => serde_json::to_value(code).unwrap().as_str().unwrap().to_string(),
            None => serde_json::to_value(r.status).unwrap().as_str().unwrap().to_string(),
        })
        .collect()
}

/// A learning record that happened at `at`.
pub fn record_at(kind: &str, module_id: i64, payload: Value, at: DateTime<Utc>) -> Value {
    json!({"id": id(), "kind": kind, "module_id": module_id, "module_version": 1,
           "occurred_at": at.to_rfc3339(), "payload": payload})
}

/// Completes both tip cards and answers the final quiz (`right`: all right, else one
/// wrong), as a phone would send it after a day offline.
pub async fn take_path(app: &TestApp, learner: &Session, c: &Course, right: bool) -> Vec<Value> {
    let start = Utc::now() - TimeDelta::hours(20);
    let answers = if right { json!([[1], [0, 2]]) } else { json!([[1], [0]]) };
    let records = vec![
        record_at("completion", c.tips[0], json!({}), start),
        record_at("completion", c.tips[1], json!({"seconds_spent": 50}), start + TimeDelta::minutes(5)),
        // The phone has no answer key: it can't say what it scored.
        record_at("quiz_attempt", c.quiz, json!({"answers": answers}), start + TimeDelta::minutes(9)),
    ];
    sync_from(app, learner, "phone-1", records.clone()).await;
    records
}

// Media and jobs.

/// A multipart body with one `file` field.
pub fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "primer-test-boundary-7d1e";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads a file as someone.
pub async fn upload_as(app: &TestApp, session: &Session, name: &str, bytes: &[u8]) -> Reply {
    let (content_type, body) = multipart(name, bytes);
    app.post("/api/v1/media").session(session).header("content-type", &content_type).raw(body).send().await
}

/// Files under `dir`, however deep.
pub fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

/// Runs every due job here, as a server's runner would.
pub async fn run_jobs(app: &TestApp) -> usize {
    let work = Work::of(&app.state);
    let config = RunnerConfig { workers: 1, kinds: vec![Kind::Renditions], ..RunnerConfig::default() };
    Runner::new(work, config, Default::default()).drain().await.unwrap()
}
