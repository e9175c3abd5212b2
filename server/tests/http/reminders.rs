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
        build::{certify, course, create, id, learner_in, manager_of, publish, record, sync_from, take_path, tip},
        mail::{self, Mode},
    },
};

/// Sends what was planned for a moment still to come, as if it had come: a test that
/// plans at a date months ahead (a certificate's expiry) can't wait for its messages'
/// sending hour.
async fn send_planned_ahead(app: &TestApp) -> usize {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    use server::db::entities::job;
    job::Entity::update_many()
        .col_expr(job::Column::RunAt, Expr::value(server::db::now()))
        .filter(job::Column::Kind.eq(Kind::Message.as_str()))
        .exec(app.db())
        .await
        .unwrap();
    send_messages(app).await
}

/// What the planner would send at `when`: each message's kind, recipient and items'
/// kinds.
async fn planned(app: &TestApp, when: DateTime<Utc>) -> Vec<reminders::Planned> {
    reminders::plan::plan(app.db(), &Cadence::default(), when).await.unwrap()
}

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
    let team: Team = app
        .post("/api/v1/teams")
        .session(&admin)
        .json(&json!({"name": "North"}))
        .send()
        .await
        .assert_status(201)
        .json();
    let manager = manager_of(app, &admin, team.id).await;
    // The weekly digest has a test of its own; here it would come on Mondays.
    app.put("/api/v1/me/notifications")
        .session(&manager)
        .json(&json!({"off": ["digest"]}))
        .send()
        .await
        .assert_status(200);
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
    assert_eq!(tick(&app, at(due, -2, 6)).await, 0, "before 9:00 in Berlin (winter or summer)");
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
    let cadence = Cadence::default();
    let (a, b) = tokio::join!(reminders::tick(app.db(), &cadence, when), reminders::tick(app.db(), &cadence, when));
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
    the_notifications_page_saves_what_the_api_reads,
    certificates_remind_before_and_when_they_expire,
    a_silent_device_is_nudged_weekly_four_times,
    managers_get_a_weekly_digest_on_their_day,
    what_is_turned_off_after_it_was_queued_is_withheld,
);

#[test]
fn a_plan_is_described_in_words() {
    use server::reminders::plan::{Item, Planned, Recipient, What};
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
            what: What::Module { id: 3 },
            title: "Aurora pitch".into(),
            date: "2027-01-09".parse().unwrap(),
            days_over: 1,
            reminders: 2,
        }],
        send_at: "2027-01-10T08:00:00Z".parse().unwrap(),
        steps: vec![],
        send: true,
        digest: None,
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

/// The plain `/notifications` page (no script): shows and saves the same preferences.
async fn the_notifications_page_saves_what_the_api_reads(app: TestApp) {
    app.get("/notifications").send().await.assert_status(303);
    let lee = app.signed_in(Role::Learner).await;
    let page = app.get("/notifications").session(&lee).send().await;
    page.assert_status(200);
    let html = page.text();
    assert!(html.contains("name=\"reminder\" value=\"on\" checked"), "{html}");
    assert!(!html.contains("name=\"overdue_copy\""), "a learner isn't offered a manager's kinds");
    let saved = app.post("/notifications").session(&lee).form(&[("quiet_from", "21"), ("quiet_to", "7")]).send().await;
    assert_eq!(saved.header("location").as_deref(), Some("/notifications?saved=1"));
    let prefs: NotificationPrefs = app.get("/api/v1/me/notifications").session(&lee).send().await.json();
    assert_eq!(prefs.off, [MessageKind::Reminder], "an unticked box turns its kind off; the unshown ones stay on");
    assert_eq!(prefs.quiet_hours.map(|q| (q.from, q.to)), Some((21, 7)));
    let bad = app
        .post("/notifications")
        .session(&lee)
        .form(&[("reminder", "on"), ("quiet_from", "7"), ("quiet_to", "7")])
        .send()
        .await;
    assert!(bad.header("location").unwrap().starts_with("/notifications?error="));
    let manager = app.signed_in(Role::Manager).await;
    let html = app.get("/notifications").session(&manager).send().await.text();
    assert!(html.contains("name=\"overdue_copy\"") && html.contains("name=\"completed\""));
}

async fn certificates_remind_before_and_when_they_expire(app: TestApp) {
    use server::reminders::plan::What;
    let app = mail::app(app.kind, mail::config(Mode::Plain)).await;
    let c = course(&app).await;
    certify(&app, &c).await;
    let lee = learner_in(&app, Some("Account Executive"), None, None).await;
    take_path(&app, &lee, &c, true).await;
    let held: Vec<app::api::Certificate> =
        app.get("/api/v1/me/certificates").session(&lee).send().await.assert_status(200).json();
    let expiry = held[0].expires_at.expect("valid for 12 months").date_naive();
    let certificate_items = |plans: Vec<reminders::Planned>| -> Vec<(String, i64)> {
        plans
            .into_iter()
            .filter(|p| p.to.user_id == lee.user.id)
            .flat_map(|p| p.items)
            .filter(|i| matches!(i.what, What::Certificate { .. }))
            .map(|i| (i.title, i.days_over))
            .collect()
    };
    let title = "Aurora certified".to_owned();
    assert!(certificate_items(planned(&app, at(expiry, -31, 9)).await).is_empty(), "31 days before: nothing");
    assert_eq!(certificate_items(planned(&app, at(expiry, -30, 9)).await), [(title.clone(), -30)]);
    assert_eq!(tick(&app, at(expiry, -30, 9)).await, 1);
    assert!(certificate_items(planned(&app, at(expiry, -20, 9)).await).is_empty(), "each step once");
    assert_eq!(certificate_items(planned(&app, at(expiry, -7, 9)).await), [(title.clone(), -7)]);
    tick(&app, at(expiry, -7, 9)).await;
    assert_eq!(certificate_items(planned(&app, at(expiry, 0, 9)).await), [(title.clone(), 0)], "the day it expires");
    tick(&app, at(expiry, 0, 9)).await;
    assert!(certificate_items(planned(&app, at(expiry, 3, 9)).await).is_empty());

    send_planned_ahead(&app).await;
    let got = mail::wait_for(&lee.user.email, 3).await;
    let subjects: Vec<&str> = got.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects[0], "Your Aurora certified certificate expires in 30 days");
    assert!(got[0].text.contains(&format!("https://primer.test/certificates/{}", held[0].id)), "{}", got[0].text);
    assert!(got[2].text.contains("expires today"), "{}", got[2].text);
    // By then the renewal's modules are due that day too, in the same message.
    assert!(got[2].subject.contains("things in Primer need you"), "{}", got[2].subject);
    app.finish().await;
}

async fn a_silent_device_is_nudged_weekly_four_times(app: TestApp) {
    use server::reminders::plan::What;
    let app = mail::app(app.kind, mail::config(Mode::Plain)).await;
    let lee = learner_in(&app, None, None, None).await;
    sync_from(&app, &lee, "phone-1", vec![]).await;
    let today = Utc::now().date_naive();
    let nudges = |plans: Vec<reminders::Planned>| -> usize {
        plans.iter().flat_map(|p| &p.items).filter(|i| i.what == What::Device).count()
    };
    assert_eq!(nudges(planned(&app, at(today, 6, 9)).await), 0, "6 days: not yet");
    // 9:05 UTC the 8th day after: between 7 and 8 days of silence.
    for week in 1..=4 {
        let when = at(today, 7 * week + 1, 9);
        assert_eq!(nudges(planned(&app, when).await), 1, "week {week}");
        assert_eq!(tick(&app, when).await, 1);
        assert_eq!(nudges(planned(&app, when + TimeDelta::days(2)).await), 0, "once a week");
    }
    assert_eq!(nudges(planned(&app, at(today, 36, 9)).await), 0, "after four weeks, no more");
    send_planned_ahead(&app).await;
    let got = mail::wait_for(&lee.user.email, 4).await;
    assert_eq!(got[0].subject, "Your phone hasn't synced for 8 days", "by the calendar");
    assert!(got[0].text.contains("It may hold what you did offline"), "{}", got[0].text);
    // A sync starts afresh: the next silence is nudged again.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    sync_from(&app, &lee, "phone-1", vec![]).await;
    assert_eq!(nudges(planned(&app, at(today, 8, 9)).await), 1);
    app.finish().await;
}

/// The next `weekday` (1 = Monday) after today.
fn next(weekday: u32) -> NaiveDate {
    use chrono::Datelike;
    let today = Utc::now().date_naive();
    (1..=7).map(|d| today + TimeDelta::days(d)).find(|d| d.weekday().number_from_monday() == weekday).unwrap()
}

async fn managers_get_a_weekly_digest_on_their_day(app: TestApp) {
    let app = mail::app(app.kind, mail::config(Mode::Plain)).await;
    let hostile = "<script>alert('digest')</script> Aurora";
    let s = setup(&app, hostile).await;
    let due = Utc::now().date_naive() - TimeDelta::days(10);
    let lee = learner(&app, &s, "Lee", "UTC", due).await;
    sync_from(&app, &lee, "phone-1", vec![]).await;
    let _kim = learner(&app, &s, "Kim", "UTC", due + TimeDelta::days(40)).await;
    // Wednesdays at 7:00, in Tokyo (UTC+9, no summer time).
    app.patch(&format!("/api/v1/users/{}", s.manager.user.id))
        .session(&s.admin)
        .json(&json!({"time_zone": "Asia/Tokyo"}))
        .send()
        .await
        .assert_status(200);
    app.put("/api/v1/me/notifications")
        .session(&s.manager)
        .json(&json!({"off": [], "digest": {"weekday": 3, "hour": 7}}))
        .send()
        .await
        .assert_status(200);
    let prefs: NotificationPrefs = app.get("/api/v1/me/notifications").session(&s.manager).send().await.json();
    assert_eq!(prefs.digest.map(|d| (d.weekday, d.hour)), Some((3, 7)));
    let digests = |plans: Vec<reminders::Planned>| -> Vec<String> {
        plans.into_iter().filter(|p| p.kind == MessageKind::Digest).map(|p| p.to.name).collect()
    };
    let wednesday = next(3);
    // Tuesday 22:05 UTC is Wednesday 07:05 in Tokyo.
    assert!(digests(planned(&app, at(wednesday, -1, 21)).await).is_empty(), "06:05 there");
    assert!(digests(planned(&app, at(wednesday, 0, 22)).await).is_empty(), "Thursday there");
    let when = at(wednesday, -1, 22);
    assert_eq!(digests(planned(&app, when).await), ["Max Manager"]);
    let before = app.get("/api/v1/admin/messages").session(&s.admin).send().await.json::<Vec<serde_json::Value>>();
    tick(&app, when).await;
    assert!(digests(planned(&app, when + TimeDelta::hours(2)).await).is_empty(), "once a week");
    assert_eq!(digests(planned(&app, when + TimeDelta::days(7)).await), ["Max Manager"], "and the next week");

    send_planned_ahead(&app).await;
    let got = mail::wait_for(&s.manager.user.email, 1).await;
    let digest = got.iter().find(|m| m.subject.starts_with("Your teams this week")).expect("a digest");
    assert!(digest.subject.contains("1 overdue"), "{}", digest.subject);
    assert!(
        digest.text.contains("North: 0 % of required items done, 1 of 2 people with overdue items"),
        "{}",
        digest.text
    );
    assert!(digest.text.contains(&format!("- Lee: {hostile}, 10 days overdue")), "{}", digest.text);
    assert!(digest.text.contains(&format!("https://primer.test/team/people/{}", lee.user.id)));
    assert!(digest.text.contains("- Kim: Never synced"), "stale data: {}", digest.text);
    assert!(!digest.text.contains("- Lee: Synced"), "Lee synced just now: {}", digest.text);
    assert!(digest.text.contains("(Asia/Tokyo)"), "the manager's time: {}", digest.text);
    assert!(!digest.html.contains("<script>"), "{}", digest.html);
    assert!(digest.header("List-Unsubscribe").is_some());
    let after = app.get("/api/v1/admin/messages").session(&s.admin).send().await.json::<Vec<serde_json::Value>>();
    assert!(after.len() > before.len() && after.iter().any(|m| m["kind"] == "digest"));

    // Turned off: the week's step is taken, nothing is read or sent.
    app.put("/api/v1/me/notifications")
        .session(&s.manager)
        .json(&json!({"off": ["digest"], "digest": {"weekday": 3, "hour": 7}}))
        .send()
        .await
        .assert_status(200);
    let plans = planned(&app, when + TimeDelta::days(7)).await;
    let off = plans.iter().find(|p| p.kind == MessageKind::Digest).unwrap();
    assert!(!off.send && off.digest.is_none());
    // Learners get none; what may be set.
    assert!(
        planned(&app, when).await.iter().all(|p| p.kind != MessageKind::Digest || p.to.user_id == s.manager.user.id)
    );
    for bad in [json!({"weekday": 0, "hour": 7}), json!({"weekday": 8, "hour": 7}), json!({"weekday": 1, "hour": 24})] {
        app.put("/api/v1/me/notifications")
            .session(&s.manager)
            .json(&json!({"off": [], "digest": bad}))
            .send()
            .await
            .assert_error(422, "invalid_input");
    }
    app.finish().await;
}

async fn what_is_turned_off_after_it_was_queued_is_withheld(app: TestApp) {
    let app = mail::app(app.kind, mail::config(Mode::Plain)).await;
    let s = setup(&app, "Aurora pitch").await;
    let due = Utc::now().date_naive() - TimeDelta::days(10);
    let lee = learner(&app, &s, "Lee", "UTC", due).await;
    // Queued for 9:00; Lee turns reminders off before it goes.
    assert_eq!(tick(&app, at(due, -1, 9)).await, 1);
    app.put("/api/v1/me/notifications")
        .session(&lee)
        .json(&json!({"off": ["reminder"]}))
        .send()
        .await
        .assert_status(200);
    send_messages(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(mail::inbox(&lee.user.email).is_empty());
    let log: Vec<app::api::messages::SentMessage> =
        app.get("/api/v1/admin/messages").session(&s.admin).send().await.assert_status(200).json();
    let reminder = log.iter().find(|m| m.user_id == lee.user.id).unwrap();
    assert_eq!(reminder.state, app::api::messages::MessageState::Withheld);
    assert_eq!(reminder.attempts, 0, "never handed to the mail server");
    app.finish().await;
}
