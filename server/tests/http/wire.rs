//! The wire contract, as snapshots (insta): phones keep outbox records and cached JSON
//! across releases, so a field or an enum value renamed or removed by accident would
//! break offline clients silently. Each snapshot here is what a phone (or an integration)
//! reads or writes; both databases must give the same one. Ids, times and record ids are
//! redacted (they differ per run); everything else is compared as it is.
//!
//! A deliberate change to the wire format updates the snapshot in the same commit
//! (`INSTA_UPDATE=always cargo test -p server --test http -- wire`, then review the diff);
//! a field is only ever added, or removed once no supported release reads it.

use app::{
    api::{Effect, ErrorCode, LearningRecord, ModuleKind, Quality, QuizScore, RecordKind, Role, SyncRequest},
    device::outbox::OutboxEntry,
};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::{
    db_tests,
    support::{
        TestApp,
        build::{create, good_questions, publish, quiz, tip},
    },
};

/// Replaces what differs per run: numeric ids (`id`, `*_id`), times and dates, UUIDs.
fn redact(value: &mut Value) {
    fn is_id_key(key: &str) -> bool {
        key == "id" || key.ends_with("_id") || key == "user" || key.ends_with("_ids")
    }
    fn walk(key: Option<&str>, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    walk(Some(k), v);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(key, item);
                }
            }
            Value::Number(_) if key.is_some_and(is_id_key) => *value = json!("[id]"),
            Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => *value = json!("[time]"),
            Value::String(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => *value = json!("[date]"),
            Value::String(s) if uuid::Uuid::parse_str(s).is_ok() => *value = json!("[uuid]"),
            _ => {}
        }
    }
    walk(None, value);
}

fn redacted(mut value: Value) -> Value {
    redact(&mut value);
    value
}

/// One snapshot name for both databases (the module path would make two).
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_json_snapshot!($name, $value);
        })
    };
}

async fn the_openapi_document_keeps_its_shape(app: TestApp) {
    let doc = app.get("/api/v1/openapi.json").send().await.assert_status(200).value();
    snapshot!("openapi", doc);
    pages_read_what_the_api_documents(&doc);
}

/// Each read a page makes (`app::reads`) asks a `GET` route the API documents, which
/// answers the read's type: the browser's URL and the REST route can't drift apart.
fn pages_read_what_the_api_documents(doc: &Value) {
    use app::reads::{self, Read};
    fn check<R: Read>(doc: &Value, read: R) {
        let url = read.url().expect("a read the browser asks");
        let path = url.split('?').next().unwrap();
        let segments: Vec<&str> = path.split('/').collect();
        let (template, item) = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(template, _)| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts.iter().zip(&segments).all(|(p, s)| p == s || (p.starts_with('{') && p.ends_with('}')))
            })
            .unwrap_or_else(|| panic!("{url}: no documented route"));
        let schema = &item["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert!(!schema.is_null(), "{url} ({template}): no documented GET answering JSON");
        // `alloc::vec::Vec<app::api::content::User>` answers an array of `User`.
        let rust = std::any::type_name::<R::Output>();
        let (list, name) = match rust.strip_prefix("alloc::vec::Vec<") {
            Some(inner) => (true, inner.trim_end_matches('>').rsplit("::").next().unwrap()),
            None => (false, rust.rsplit("::").next().unwrap()),
        };
        let reference = if list { &schema["items"]["$ref"] } else { &schema["$ref"] };
        assert_eq!(reference, &json!(format!("#/components/schemas/{name}")), "{url} ({template}) answers {rust}");
    }
    check(doc, reads::Me);
    check(doc, reads::Users);
    check(doc, reads::Teams);
    check(doc, reads::Modules);
    check(doc, reads::Module { id: 1 });
    check(doc, reads::Paths);
    check(doc, reads::Assignments);
    check(doc, reads::Catalog);
    check(doc, reads::CatalogModule { id: 1 });
    check(doc, reads::Progress);
    check(doc, reads::Certifications);
    check(doc, reads::MyCertificates);
    check(doc, reads::Certificate { id: 1 });
    check(doc, reads::Verification { code: "K7Q2-M9XD-P4AB".into() });
    check(doc, reads::PeopleReport { query: "overdue_only=true".into() });
    check(doc, reads::PersonReport { id: 1 });
    check(doc, reads::ModulesReport);
    check(doc, reads::ModuleInsights { id: 1 });
    check(doc, reads::Leaderboard { team_id: Some(1) });
    check(doc, reads::Recognition);
    // `reads::ResetLink` has no URL: only a server render answers it (`app::reads` tests).
}

async fn error_bodies_keep_their_codes(app: TestApp) {
    let learner = app.signed_in(Role::Learner).await;
    let author = app.signed_in(Role::Author).await;
    let mut answers = serde_json::Map::new();
    let mut seen = |name: &str, reply: crate::support::Reply| {
        answers.insert(name.to_string(), json!({"status": reply.status.as_u16(), "body": redacted(reply.value())}));
    };
    seen("unauthenticated", app.get("/api/v1/me").send().await);
    seen("forbidden", app.get("/api/v1/modules").session(&learner).send().await);
    seen("not_found", app.get("/api/v1/catalog/999999").session(&learner).send().await);
    seen("invalid_input", app.post("/api/v1/modules").session(&author).json(&tip("", "body")).send().await);
    seen(
        "malformed_request",
        app.post("/api/v1/sync")
            .session(&learner)
            .header("content-type", "application/json")
            .raw(b"{".to_vec())
            .send()
            .await,
    );
    // That message quotes the JSON parser's own words, which are not Primer's contract.
    answers["malformed_request"]["body"]["error"]["message"] = json!("[parser's message]");
    snapshot!("error_bodies", Value::Object(answers));

    // Every code a client may meet, with its status: a code renamed or dropped fails here.
    let codes: Vec<Value> = ErrorCode::ALL
        .iter()
        .map(|c| json!({"code": serde_json::to_value(c).unwrap(), "status": c.status()}))
        .collect();
    snapshot!("error_codes", codes);
}

async fn csv_exports_keep_their_columns(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let mut headers = serde_json::Map::new();
    for (name, path) in [
        ("people", "/api/v1/reports/people?format=csv"),
        ("modules", "/api/v1/reports/modules?format=csv&table=modules"),
        ("paths", "/api/v1/reports/modules?format=csv&table=paths"),
    ] {
        let csv = app.get(path).session(&admin).send().await.assert_status(200).text();
        let first = csv.trim_start_matches('\u{feff}').lines().next().unwrap_or_default().to_string();
        headers.insert(name.to_string(), json!(first));
    }
    snapshot!("csv_headers", Value::Object(headers));
}

/// The catalog, one module as the phone saves it, a sync's request and answer, and an
/// outbox entry as the phone keeps it.
async fn what_phones_keep_keeps_its_shape(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let card = create(&app, &author, &tip("Aurora in three lines", "**Battery**, then *price*.")).await;
    publish(&app, &author, card.id).await;
    let check = create(&app, &author, &quiz(good_questions())).await;
    publish(&app, &author, check.id).await;
    let learner = app.signed_in(Role::Learner).await;

    let catalog = app.get("/api/v1/catalog").session(&learner).send().await.assert_status(200).value();
    snapshot!("catalog", redacted(catalog));
    let module =
        app.get(&format!("/api/v1/catalog/{}", check.id)).session(&learner).send().await.assert_status(200).value();
    snapshot!("catalog_quiz", redacted(module));

    // The request as the phone's own types write it.
    let at = Utc.with_ymd_and_hms(2026, 11, 30, 9, 15, 0).unwrap();
    let record = |kind, module_id, payload| LearningRecord {
        id: uuid::Uuid::now_v7().to_string(),
        kind,
        module_id,
        module_version: 1,
        occurred_at: at,
        payload,
    };
    let request = SyncRequest {
        device_id: "phone-1".into(),
        user_id: None,
        device_time: at,
        records: vec![
            record(RecordKind::Completion, card.id, json!({"seconds_spent": 40})),
            record(RecordKind::QuizAttempt, check.id, json!({"answers": [[1], [0, 2]], "device_score": 100})),
            record(RecordKind::Feedback, card.id, json!({"rating": 5, "comment": "Useful before a call"})),
        ],
    };
    let request = serde_json::to_value(&request).unwrap();
    snapshot!("sync_request", redacted(request.clone()));
    let response = app.post("/api/v1/sync").session(&learner).json(&request).send().await.assert_status(200).value();
    snapshot!("sync_response", redacted(response));

    let entry = OutboxEntry {
        record: record(RecordKind::QuizAttempt, check.id, json!({"answers": [[1], [0, 2]], "device_score": 100})),
        effect: Effect::QuizAttempted(QuizScore { percent: 100, passed: true }),
    };
    // public/practice.js writes a take's entry itself: "Submitted", "practice_submission".
    let others = [Effect::Completed, Effect::QuizSubmitted, Effect::Rated(4), Effect::Submitted, Effect::Answered];
    snapshot!(
        "outbox_entry",
        redacted(json!({"entry": entry, "other_effects": others, "record_kinds": [
            RecordKind::Completion, RecordKind::QuizAttempt, RecordKind::Feedback, RecordKind::PracticeSubmission,
            RecordKind::BoosterAnswer
        ], "module_kinds": ModuleKind::ALL, "qualities": Quality::ALL, "roles": Role::ALL}))
    );
}

db_tests!(
    the_openapi_document_keeps_its_shape,
    error_bodies_keep_their_codes,
    csv_exports_keep_their_columns,
    what_phones_keep_keeps_its_shape,
);
