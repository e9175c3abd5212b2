//! Boosters: quiz questions a learner missed (and one in four they got right) come back
//! until answered right twice in a row; `booster_answer` records are scored by the
//! server, count for retention only, and never for attempts, scores or completion.

use app::api::{
    ModuleInsights, Progress, Role,
    boosters::{BoosterQuestion, QuestionKey, Standing, TeamRetention, picked, schedule},
};
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};

use crate::{
    db_tests,
    support::{
        TestApp,
        build::{certify, course, id, learner_in, manager_of, statuses, sync_from, tip_and_quiz},
    },
};

/// A record of `kind` about version 1 of `module`, `days` ago.
fn days_ago(kind: &str, module: i64, payload: Value, days: i64) -> Value {
    let at = Utc::now() - TimeDelta::days(days);
    json!({"id": id(), "kind": kind, "module_id": module, "module_version": 1,
           "occurred_at": at.to_rfc3339(), "payload": payload})
}

fn booster(module: i64, index: u32, picked: Value, days: i64) -> Value {
    days_ago("booster_answer", module, json!({"index": index, "picked": picked}), days)
}

async fn boosters(app: &TestApp, who: &crate::support::Session) -> Vec<BoosterQuestion> {
    app.get("/api/v1/me/boosters").session(who).send().await.assert_status(200).json()
}

/// Where a listed question stands by the shared rule, from its history.
fn standing(person: i64, q: &BoosterQuestion) -> Standing {
    schedule(person, q.history(), 0).into_iter().find(|(k, _)| *k == q.key()).expect("a booster").1
}

async fn missed_questions_come_back_until_answered_right_twice(app: TestApp) {
    let (_, q) = tip_and_quiz(&app).await;
    let learner = learner_in(&app, None, None, None).await;
    let me = learner.user.id;
    let key = |index| QuestionKey { module_id: q, version: 1, index };
    // Nothing answered: nothing comes back.
    assert_eq!(boosters(&app, &learner).await, []);

    // Question 1 missed, question 2 right, ten days ago.
    let quiz = days_ago("quiz_attempt", q, json!({"answers": [[0], [0, 2]]}), 10);
    assert_eq!(statuses(&sync_from(&app, &learner, "phone", vec![quiz]).await), ["accepted"]);
    let before: Progress = app.get("/api/v1/progress").session(&learner).send().await.json();
    let b = boosters(&app, &learner).await;
    // The missed one comes back; the one got right only if the hash picks it.
    let mut expected = vec![key(0)];
    if picked(me, key(1)) {
        expected.push(key(1));
    }
    assert_eq!(b.iter().map(|q| q.key()).collect::<Vec<_>>(), expected);
    let first = &b[0];
    assert_eq!(first.question.prompt, "Which plan includes offline sync?");
    assert_eq!(first.title, "Check: Aurora pricing");
    assert!(first.question.options[1].correct, "the answer key comes along: it's a practice quiz");
    assert_eq!(first.answers.iter().map(|a| (a.booster, a.correct)).collect::<Vec<_>>(), [(false, false)]);

    // Answers the server can't score are refused, and nothing is stored for them.
    let bad = [
        booster(q, 5, json!([0]), 1),
        booster(q, 0, json!([7]), 1),
        days_ago("booster_answer", q, json!({"index": 0, "picked": [1], "correct": true}), 1),
    ];
    let answer = sync_from(&app, &learner, "phone", bad.to_vec()).await;
    assert_eq!(statuses(&answer), ["invalid_payload"; 3]);

    // Wrong, then right twice (the server scores them: option 1 is right): retired.
    let wrong = booster(q, 0, json!([0]), 8);
    let sent = vec![wrong.clone(), booster(q, 0, json!([1]), 6)];
    assert_eq!(statuses(&sync_from(&app, &learner, "phone", sent).await), ["accepted"; 2]);
    // Sent again after a lost answer: stored once.
    assert_eq!(statuses(&sync_from(&app, &learner, "phone", vec![wrong]).await), ["duplicate"]);
    let b = boosters(&app, &learner).await;
    let listed = b.iter().find(|q| q.key() == key(0)).expect("one right since the last miss: still a booster");
    let history: Vec<(bool, bool)> = listed.answers.iter().map(|a| (a.booster, a.correct)).collect();
    assert_eq!(history, [(false, false), (true, false), (true, true)]);
    assert_eq!(standing(me, listed), Standing::Due(listed.answers[2].at.date_naive() + chrono::Days::new(6)));
    sync_from(&app, &learner, "phone", vec![booster(q, 0, json!([1]), 4)]).await;
    assert!(!boosters(&app, &learner).await.iter().any(|q| q.key() == key(0)), "two right in a row: retired");
    // Nothing in progress moved: not the attempts, scores or completion, nor the last
    // activity (which dates the latest quiz on the manager's reports).
    let boosted: Progress = app.get("/api/v1/progress").session(&learner).send().await.json();
    assert_eq!(boosted.modules, before.modules);

    // Missed again in a new attempt at the quiz: it comes back, with all its history.
    let again = days_ago("quiz_attempt", q, json!({"answers": [[0], [0, 2]]}), 0);
    sync_from(&app, &learner, "phone", vec![again]).await;
    let b = boosters(&app, &learner).await;
    let listed = b.iter().find(|q| q.key() == key(0)).expect("a new miss brings it back");
    assert_eq!(listed.answers.len(), 5);
    // Retired today, it is still listed (the phone counts today's answers), as retired.
    let today = vec![booster(q, 0, json!([1]), 0), booster(q, 0, json!([1]), 0)];
    sync_from(&app, &learner, "phone", today).await;
    let b = boosters(&app, &learner).await;
    let listed = b.iter().find(|q| q.key() == key(0)).expect("retired today: listed for two days");
    assert_eq!(standing(me, listed), Standing::Retired);

    // Boosters never change attempts, best scores or completion; `primer rebuild` agrees.
    let after: Progress = app.get("/api/v1/progress").session(&learner).send().await.json();
    let (was, is) = (&before.modules[0], &after.modules[0]);
    assert_eq!((is.attempts, is.best_score, is.completed_at), (2, was.best_score, was.completed_at));
    assert_eq!(is.best_score, Some(50));
    server::sync::rebuild(app.db()).await.unwrap();
    let rebuilt: Progress = app.get("/api/v1/progress").session(&learner).send().await.json();
    assert_eq!(rebuilt.modules, after.modules);

    // Another learner sees none of it.
    let other = learner_in(&app, None, None, None).await;
    assert_eq!(boosters(&app, &other).await, []);
}

async fn assessments_never_come_back(app: TestApp) {
    let c = course(&app).await;
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;
    // Answered as a practice quiz, before it became a certification's assessment.
    let quiz = days_ago("quiz_attempt", c.quiz, json!({"answers": [[0], [0]]}), 3);
    sync_from(&app, &learner, "phone", vec![quiz]).await;
    assert_eq!(boosters(&app, &learner).await.len(), 2);
    certify(&app, &c).await;
    assert_eq!(boosters(&app, &learner).await, [], "an assessment's questions never come back");
    let answer = sync_from(&app, &learner, "phone", vec![booster(c.quiz, 0, json!([1]), 0)]).await;
    assert_eq!(statuses(&answer), ["invalid_payload"]);
    // Nor does a module that isn't a quiz.
    let answer = sync_from(&app, &learner, "phone", vec![booster(c.tips[0], 0, json!([0]), 0)]).await;
    assert_eq!(statuses(&answer), ["invalid_payload"]);
}

async fn retention_compares_first_tries_with_boosters_later(app: TestApp) {
    let (_, q) = tip_and_quiz(&app).await;
    let admin = app.signed_in(Role::Admin).await;
    let team: app::api::Team =
        app.post("/api/v1/teams").session(&admin).json(&json!({"name": "North"})).send().await.json();
    let manager = manager_of(&app, &admin, team.id).await;
    let ana = learner_in(&app, None, Some(team.id), None).await;
    let ben = learner_in(&app, None, Some(team.id), None).await;
    let outsider = learner_in(&app, None, None, None).await;
    // Ana: both right first (2 of 2), Ben: one of two. Ben's missed question right 3 days
    // later and wrong 20 days later.
    // Ana also gets her second question (right at first, picked to come back) right again.
    let ana_records =
        vec![days_ago("quiz_attempt", q, json!({"answers": [[1], [0, 2]]}), 30), booster(q, 1, json!([0, 2]), 27)];
    sync_from(&app, &ana, "a", ana_records).await;
    let ben_records = vec![
        days_ago("quiz_attempt", q, json!({"answers": [[0], [0, 2]]}), 30),
        // A later attempt isn't a first try.
        days_ago("quiz_attempt", q, json!({"answers": [[1], [0, 2]]}), 29),
        booster(q, 0, json!([1]), 27),
        booster(q, 0, json!([0]), 10),
    ];
    sync_from(&app, &ben, "b", ben_records).await;
    sync_from(&app, &outsider, "c", vec![days_ago("quiz_attempt", q, json!({"answers": [[0], [0]]}), 30)]).await;

    let report: TeamRetention =
        app.get("/api/v1/reports/retention").session(&manager).send().await.assert_status(200).json();
    let share = |s: app::api::boosters::Share| (s.right, s.of);
    assert_eq!(share(report.everyone.first_try), (3, 4), "the outsider isn't the manager's");
    let bands: Vec<_> = report.everyone.boosters.iter().map(|s| share(*s)).collect();
    assert_eq!(bands, [(2, 2), (0, 0), (0, 1), (0, 0)]);
    let known: Vec<_> = report.everyone.known.iter().map(|s| share(*s)).collect();
    assert_eq!(known, [(1, 1), (0, 0), (0, 0), (0, 0)], "Ana's: known at first, still known");
    let names: Vec<&str> = report.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), 2);
    let ben_row = report.people.iter().find(|p| p.user_id == ben.user.id).unwrap();
    assert_eq!(share(ben_row.retention.first_try), (1, 2));
    let team_only: TeamRetention = app
        .get(&format!("/api/v1/reports/retention?team_id={}", team.id))
        .session(&manager)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(team_only.everyone, report.everyone);
    app.get("/api/v1/reports/retention?team_id=999999").session(&manager).send().await.assert_error(404, "not_found");

    // The quiz's insights, for everyone (the author's scope): 3 of 6 right first.
    let author = app.signed_in(Role::Author).await;
    let insights: ModuleInsights =
        app.get(&format!("/api/v1/reports/modules/{q}/insights")).session(&author).send().await.json();
    let retention = insights.retention.expect("a quiz has retention");
    assert_eq!(share(retention.first_try), (3, 6));
    assert_eq!(retention.boosters.iter().map(|s| share(*s)).collect::<Vec<_>>(), bands);

    // The team page shows it (server render).
    let page = app.get("/team").session(&manager).send().await.assert_status(200).text();
    assert!(page.contains("data-testid=\"retention\""), "the retention card is on /team");
    assert!(page.contains("50 % of 2"), "Ben's first try");

    // A booster answer is an xAPI statement: answered, about its question.
    let export = app.get("/api/v1/export/xapi").session(&admin).send().await.assert_status(200).value();
    let answered: Vec<&Value> = export["statements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered")
        .collect();
    assert_eq!(answered.len(), 3);
    let objects: Vec<&str> = answered.iter().map(|s| s["object"]["id"].as_str().unwrap()).collect();
    for index in [0, 1] {
        let question = format!("/modules/{q}/versions/1/questions/{index}");
        assert!(objects.iter().any(|o| o.ends_with(&question)), "{objects:?}");
    }
    let successes: Vec<bool> = answered.iter().map(|s| s["result"]["success"].as_bool().unwrap()).collect();
    assert_eq!(successes.iter().filter(|s| **s).count(), 2);
}

db_tests!(
    missed_questions_come_back_until_answered_right_twice,
    assessments_never_come_back,
    retention_compares_first_tries_with_boosters_later,
);
