//! Reminders and escalation, through the planner (what `primer reminders preview` prints)
//! and through real sends to the test SMTP server: the cadence, the manager's copy from
//! the second reminder, "done", time zones and quiet hours, one-click unsubscribe, and
//! two servers planning the same moment.

use app::api::{
    Role, Team, User,
    messages::{MessageKind, NotificationPrefs},
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde_json::json;
use server::{
    jobs::{Kind, Runner, RunnerConfig, runner::Work},
    reminders::{self, Cadence},
};

use crate::{
    db_tests,
    support::{
        Session, TestApp,
        build::{create, id, manager_of, publish, record, sync_from, tip},
        mail::{self, Mode},
    },
};

async fn send_messages(app: &TestApp) -> usize {
    let config = RunnerConfig { workers: 1, kinds: vec![Kind::Message], ..RunnerConfig::default() };
    Runner::new(Work::of(&app.state), config, Default::default()).drain().await.unwrap()
}

/// A team with a manager, and a required module (and a suggested one) assigned to it,
/// due 30 days after each person's start.
struct Setup {
    admin: Session,
    team: Team,
    manager: Session,
    required: i64,
    suggested: i64,
}

async fn setup(app: &TestApp, title: &str) -> Setup {
    let admin = app.signed_in(Role::Admin).await;
    let author = app.signed_in(Role::Author).await;
    let team: Team =
        app.post("/api/v1/teams").session(&admin).json(&json!({"name": "North"})).send().await.assert_status(201).json();
    let manager = manager_of(app, &admin, team.id).await;
    let required = create(app, &author, &tip(title, "Lead with **battery life**.")).await.id;
    publish(app, &author, required).await;
    let suggested = create(app, &author, &tip("Suggested reading", "Nice to know.")).await.id;
    publish(app, &author, suggested).await;
    app.published_long_ago().await;
    for (module, required) in [(required, true), (suggested, false)] {
        app.post("/api/v1/assignments")
            .session(&author)
            .json(&json!({"module_id": module, "team_id": team.id, "required": required, "due_days": 30}))
            .send()
            .await
            .assert_status(201);
    }
    Setup { admin, team, manager, required, suggested }
}

/// A person in the team whose items were due `ago` days ago, in a time zone.
async fn learner(app: &TestApp, s: &Setup, name: &str, tz: &str, due: NaiveDate) -> Session {
    let start = due - TimeDelta::days(30);
    let user: User = app
        .post("/api/v1/users")
        .session(&s.admin)
        .json(&json!({"email": mail::address(name), "name": name, "role": "learner", "team_id": s.team.id,
                      "start_date": start.to_string(), "time_zone": tz}))
        .send()
        .await
        .assert_status(201)
        .json();
    app.session_for(user).await
}

/// 5 past an hour (UTC) on a day relative to `due`.
fn at(due: NaiveDate, days: i64, hour: u32) -> DateTime<Utc> {
    (due + TimeDelta::days(days)).and_hms_opt(hour, 5, 0).unwrap().and_utc()
}

/// Who the planner would write to at `when`, and about what, in order.
async fn preview(app: &TestApp, when: DateTime<Utc>) -> Vec<(MessageKind, String)> {
    reminders::plan::plan(app.db(), &Cadence::default(), when)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.kind, p.to.name))
        .collect()
}

async fn tick(app: &TestApp, when: DateTime<Utc>) -> usize {
    reminders::tick(app.db(), &Cadence::default(), when).await.unwrap()
}

async fn reminders_follow_the_cadence_and_escalate(app: TestApp) {
    let app = mail::app(app.kind, mail::config(Mode::Plain)).await;
    let hostile = "<script>alert('pitch')</script> Aurora";
    let s = setup(&app, hostile).await;
    // Due 20 days ago; Berlin is UTC+1 in November, so 08:05 UTC is 09:05 there.
    let due = Utc::now().date_naive() - TimeDelta::days(20);
    let lee = learner(&app, &s, "Lee", "Europe/Berlin", due).await;

    assert_eq!(tick(&app, at(due, -3, 8)).await, 0, "nothing three days before");
    assert_eq!(tick(&app, at(due, -2, 7)).await, 0, "before 9:00 in Berlin");
    assert_eq!(preview(&app, at(due, -2, 8)).await, [(MessageKind::Reminder, "Lee".to_owned())]);
    assert_eq!(tick(&app, at(due, -2, 8)).await, 1, "two days before");
    assert!(preview(&app, at(due, -2, 8)).await.is_empty(), "a step goes once");
    assert_eq!(tick(&app, at(due, -1, 8)).await, 0);
    // The second reminder copies the manager.
    assert_eq!(
        preview(&app, at(due, 1, 8)).await,
        [(MessageKind::Reminder, "Lee".to_owned()), (MessageKind::OverdueCopy, "Max Manager".to_owned())]
    );
    assert_eq!(tick(&app, at(due, 1, 8)).await, 2);
    assert_eq!(tick(&app, at(due, 2, 8)).await, 0, "day 2 is not a step");

    assert_eq!(send_messages(&app).await, 3);
    let got = mail::wait_for(&lee.user.email, 2).await;
    assert_eq!(got.len(), 2, "one message per step, and the suggested item never reminds");
    assert!(got[0].subject.starts_with("Due soon: "), "{}", got[0].subject);
    assert!(got[1].subject.starts_with("Overdue: "), "{}", got[1].subject);
    assert!(got[1].text.contains("1 day overdue"), "{}", got[1].text);
    assert!(got[1].text.contains(&format!("https://primer.test/modules/{}", s.required)));
    assert!(!got[1].text.contains("Suggested reading"));
    assert!(!got[1].html.contains("<script>"), "the title is escaped: {}", got[1].html);
    let unsubscribe = got[1].header("List-Unsubscribe").expect("an unsubscribe link").to_owned();
    assert!(unsubscribe.starts_with("<https://primer.test/unsubscribe/"), "{unsubscribe}");
    assert_eq!(got[1].header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    let copy = mail::wait_for(&s.manager.user.email, 1).await;
    assert!(copy[0].subject.starts_with("Lee is overdue: "), "{}", copy[0].subject);
    assert!(copy[0].text.contains(&format!("https://primer.test/team/people/{}", lee.user.id)));
    assert!(copy[0].text.contains("reminded 2 times"), "{}", copy[0].text);

    // Done: no more reminders, and the manager who was told hears so, once.
    sync_from(&app, &lee, "phone", vec![record(&id(), "completion", s.required, 1, json!({}))]).await;
    assert_eq!(preview(&app, at(due, 4, 8)).await, [(MessageKind::Completed, "Max Manager".to_owned())]);
    assert_eq!(tick(&app, at(due, 4, 8)).await, 1);
    assert_eq!(tick(&app, at(due, 7, 8)).await, 0);
    send_messages(&app).await;
    let copy = mail::wait_for(&s.manager.user.email, 2).await;
    assert!(copy[1].subject.starts_with("Lee finished "), "{}", copy[1].subject);
    assert_eq!(mail::inbox(&lee.user.email).len(), 2);
    let _ = s.suggested;
    app.finish().await;
}

async fn time_zones_and_quiet_hours_decide_when(app: TestApp) {
    let app = mail::app(app.kind, mail::config(Mode::Plain)).await;
    let s = setup(&app, "Aurora pitch").await;
    let due = Utc::now().date_naive() - TimeDelta::days(10);
    let _ana = learner(&app, &s, "Ana", "Europe/Berlin", due).await;
    let _ned = learner(&app, &s, "Ned", "America/New_York", due).await;
    let quiet = learner(&app, &s, "Qiu", "Europe/Berlin", due).await;
    app.put("/api/v1/me/notifications")
        .session(&quiet)
        .json(&json!({"off": [], "quiet_hours": {"from": 9, "to": 12}}))
        .send()
        .await
        .assert_status(200);
    let names = |plans: Vec<(MessageKind, String)>| -> Vec<String> {
        plans.into_iter().filter(|(k, _)| *k == MessageKind::Reminder).map(|(_, n)| n).collect()
    };
    // 08:30 UTC: 09:30 in Berlin, 03:30 in New York.
    assert_eq!(names(preview(&app, at(due, 1, 8)).await), ["Ana"]);
    assert_eq!(tick(&app, at(due, 1, 8)).await, 1);
    // 11:05 UTC: 12:05 in Berlin, out of Qiu's quiet hours.
    assert_eq!(names(preview(&app, at(due, 1, 11)).await), ["Qiu"]);
    tick(&app, at(due, 1, 11)).await;
    // 14:05 UTC: 09:05 in New York.
    assert_eq!(names(preview(&app, at(due, 1, 14)).await), ["Ned"]);
    tick(&app, at(due, 1, 14)).await;
    assert!(names(preview(&app, at(due, 1, 20)).await).is_empty());
    app.finish().await;
}

async fn unsubscribing_is_one_click_and_preferences_are_checked(app: TestApp) {
    let app = mail::app(app.kind, mail::config(Mode::Plain)).await;
    let s = setup(&app, "Aurora pitch").await;
    let due = Utc::now().date_naive() - TimeDelta::days(10);
    let lee = learner(&app, &s, "Lee", "UTC", due).await;
    tick(&app, at(due, -1, 9)).await;
    send_messages(&app).await;
    let got = mail::wait_for(&lee.user.email, 1).await;
    let link = got[0].header("List-Unsubscribe").unwrap().trim_matches(['<', '>']).to_owned();
    let path = link.trim_start_matches(mail::PUBLIC_URL).to_owned();

    // Opening the link changes nothing (mail scanners open links); the page asks.
    let page = app.get(&path).send().await;
    page.assert_status(200);
    assert!(page.text().contains("<form method=\"post\""));
    let prefs: NotificationPrefs = app.get("/api/v1/me/notifications").session(&lee).send().await.json();
    assert!(prefs.off.is_empty() && prefs.quiet_hours.is_none());
    // A mail provider's one-click POST (RFC 8058): no cookie, no Origin.
    app.post(&path).form(&[("List-Unsubscribe", "One-Click")]).send().await.assert_status(200);
    let prefs: NotificationPrefs = app.get("/api/v1/me/notifications").session(&lee).send().await.json();
    assert_eq!(prefs.off, [MessageKind::Reminder]);
    app.get("/unsubscribe/not-a-token").send().await.assert_status(404);

    // The cadence goes on (the manager is still told); Lee gets nothing more.
    assert_eq!(tick(&app, at(due, 1, 9)).await, 1, "only the manager's copy is queued");
    send_messages(&app).await;
    assert_eq!(mail::wait_for(&s.manager.user.email, 1).await.len(), 1);
    assert_eq!(mail::inbox(&lee.user.email).len(), 1);

    // Turned back on, the next step reaches Lee again.
    app.put("/api/v1/me/notifications")
        .session(&lee)
        .json(&json!({"off": [], "quiet_hours": null}))
        .send()
        .await
        .assert_status(200);
    tick(&app, at(due, 4, 9)).await;
    send_messages(&app).await;
    assert_eq!(mail::wait_for(&lee.user.email, 2).await.len(), 2);

    // What may be set.
    let put = |body: serde_json::Value| {
        let (app, lee) = (&app, &lee);
        async move { app.put("/api/v1/me/notifications").session(lee).json(&body).send().await }
    };
    put(json!({"off": ["invitation"]})).await.assert_error(422, "invalid_input");
    put(json!({"off": [], "quiet_hours": {"from": 25, "to": 3}})).await.assert_error(422, "invalid_input");
    put(json!({"off": [], "quiet_hours": {"from": 3, "to": 3}})).await.assert_error(422, "invalid_input");
    put(json!({"off": ["completed", "overdue_copy"], "quiet_hours": {"from": 21, "to": 7}})).await.assert_status(200);
    app.get("/api/v1/me/notifications").send().await.assert_error(401, "unauthenticated");
    app.finish().await;
}

async fn two_servers_planning_one_moment_queue_one_message(app: TestApp) {
    let app = mail::app(app.kind, mail::config(Mode::Plain)).await;
    let s = setup(&app, "Aurora pitch").await;
    let due = Utc::now().date_naive() - TimeDelta::days(10);
    let lee = learner(&app, &s, "Lee", "UTC", due).await;
    let when = at(due, -1, 9);
    let (a, b) = tokio::join!(
        reminders::tick(app.db(), &Cadence::default(), when),
        reminders::tick(app.db(), &Cadence::default(), when)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    send_messages(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(mail::inbox(&lee.user.email).len(), 1);
    app.finish().await;
}

db_tests!(
    reminders_follow_the_cadence_and_escalate,
    time_zones_and_quiet_hours_decide_when,
    unsubscribing_is_one_click_and_preferences_are_checked,
    two_servers_planning_one_moment_queue_one_message,
);

#[test]
fn a_plan_is_described_in_words() {
    use server::reminders::plan::{Item, Planned, Recipient};
    let who = |name: &str| Recipient {
        user_id: 1,
        name: name.into(),
        email: format!("{}@example.com", name.to_lowercase()),
        time_zone: "Europe/Berlin".into(),
    };
    let p = Planned {
        kind: MessageKind::OverdueCopy,
        to: who("Max"),
        about: Some(who("Lee")),
        items: vec![Item {
            module_id: 3,
            title: "Aurora pitch".into(),
            due_date: "2027-01-09".parse().unwrap(),
            days_over: 1,
            reminders: 2,
        }],
        send_at: "2027-01-10T08:00:00Z".parse().unwrap(),
        steps: vec![],
        send: true,
    };
    let words = reminders::describe(&p);
    assert!(words.contains("Sun 10 Jan 2027, 09:00 (Europe/Berlin)"), "{words}");
    assert!(words.contains("copy of Lee's reminder to Max <max@example.com>"), "{words}");
    assert!(words.contains("Aurora pitch: 1 day overdue (due Sat 9 Jan)"), "{words}");
}

/// `primer reminders preview`, run as a real process against a test's database: it
/// prints what is due, and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn primer_reminders_preview_prints_and_writes_nothing() {
    let app = mail::app(crate::support::Db::Sqlite, mail::config(Mode::Plain)).await;
    let s = setup(&app, "Aurora pitch").await;
    let due = Utc::now().date_naive() - TimeDelta::days(10);
    let lee = learner(&app, &s, "Lee", "UTC", due).await;
    let preview_at = |when: DateTime<Utc>| {
        let data_dir = app.state.config.data_dir.clone();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_primer"))
            .args(["reminders", "preview", "--at", &when.to_rfc3339()])
            .env("PRIMER_DATA_DIR", &data_dir)
            .env("PRIMER_DATABASE_URL", format!("sqlite://{}", data_dir.join("primer.db").display()))
            .env("PRIMER_LOG", "warn")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(preview_at(at(due, -3, 9)).starts_with("Nothing is due at "));
    for _ in 0..2 {
        let out = preview_at(at(due, 1, 9));
        assert!(out.contains(&format!("reminder to Lee <{}>", lee.user.email)), "{out}");
        assert!(out.contains("Aurora pitch: 1 day overdue"), "{out}");
    }
    assert_eq!(tick(&app, at(due, 1, 9)).await, 1, "the preview took no step");
}
