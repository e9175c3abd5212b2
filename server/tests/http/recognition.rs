//! Recognition: streaks in the learner's time zone, the team leaderboard of the last 30
//! days (people who hide are absent; admins turn it off per team), and who on the team
//! recently got certified.

use app::api::{Leaderboard, Preferences, Recognition, Role, Streak, Team, User};
use chrono::{Days, NaiveDate, TimeDelta, TimeZone, Utc};
use serde_json::json;

use crate::{
    db_tests,
    support::{
        Session, TestApp,
        build::{certify, course, create, manager_of, publish, record_at, sync_from, take_path, tip},
        clear_of_midnight,
    },
};

async fn person(app: &TestApp, admin: &Session, name: &str, team: i64, time_zone: &str) -> Session {
    let user: User = app
        .post("/api/v1/users")
        .session(admin)
        .json(&json!({"email": format!("{}@primer.test", name.to_lowercase()), "name": name, "role": "learner",
                      "job_role": "Account Executive", "team_id": team, "time_zone": time_zone}))
        .send()
        .await
        .assert_status(201)
        .json();
    app.session_for(user).await
}

async fn team(app: &TestApp, admin: &Session, name: &str) -> Team {
    app.post("/api/v1/teams").session(admin).json(&json!({"name": name})).send().await.assert_status(201).json()
}

async fn tips(app: &TestApp, n: usize) -> Vec<i64> {
    let author = app.signed_in(Role::Author).await;
    let mut ids = Vec::new();
    for i in 0..n {
        let m = create(app, &author, &tip(&format!("Tip {i}"), "Body")).await;
        publish(app, &author, m.id).await;
        app.published_long_ago().await;
        ids.push(m.id);
    }
    ids
}

async fn recognition(app: &TestApp, who: &Session) -> Recognition {
    app.get("/api/v1/me/recognition").session(who).send().await.assert_status(200).json()
}

async fn board(app: &TestApp, who: &Session, query: &str) -> Leaderboard {
    app.get(&format!("/api/v1/leaderboard{query}")).session(who).send().await.assert_status(200).json()
}

async fn streaks_follow_the_learners_time_zone(app: TestApp) {
    for tz in [chrono_tz::Pacific::Auckland, chrono_tz::UTC] {
        clear_of_midnight(tz).await;
    }
    let admin = app.signed_in(Role::Admin).await;
    let north = team(&app, &admin, "North").await;
    let modules = tips(&app, 3).await;
    let tz: chrono_tz::Tz = "Pacific/Auckland".parse().unwrap();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let local = |day: NaiveDate, h: u32, m: u32| tz.from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap()).unwrap();
    let (two_days_ago, yesterday) = (today - Days::new(2), today - Days::new(1));
    // Late on one evening and just after midnight: two days in Auckland, the same day in UTC.
    let late = local(two_days_ago, 23, 30).with_timezone(&Utc);
    let early = local(yesterday, 0, 30).with_timezone(&Utc);
    assert_eq!(late.date_naive(), early.date_naive(), "the fixture straddles Auckland's midnight, not UTC's");

    let kiri = person(&app, &admin, "Kiri", north.id, "Pacific/Auckland").await;
    let utc = person(&app, &admin, "Uma", north.id, "UTC").await;
    for who in [&kiri, &utc] {
        let records = vec![
            record_at("completion", modules[0], json!({}), late),
            record_at("completion", modules[1], json!({}), early),
        ];
        sync_from(&app, who, "phone", records).await;
    }
    // Kiri learned two days in a row, the last yesterday: alive until tonight.
    assert_eq!(recognition(&app, &kiri).await.streak, Streak { current: 2, longest: 2, today: false });
    // For Uma (UTC) both were one day.
    assert_eq!(recognition(&app, &utc).await.streak.longest, 1);

    // Kiri learns today: three in a row.
    sync_from(&app, &kiri, "phone", vec![record_at("completion", modules[2], json!({}), Utc::now())]).await;
    assert_eq!(recognition(&app, &kiri).await.streak, Streak { current: 3, longest: 3, today: true });
}

async fn hidden_learners_are_absent_from_leaderboards(app: TestApp) {
    clear_of_midnight(chrono_tz::UTC).await;
    let admin = app.signed_in(Role::Admin).await;
    let (north, south) = (team(&app, &admin, "North").await, team(&app, &admin, "South").await);
    let m = tips(&app, 4).await;
    let ana = person(&app, &admin, "Ana", north.id, "UTC").await;
    let ben = person(&app, &admin, "Ben", north.id, "UTC").await;
    let cy = person(&app, &admin, "Cy", north.id, "UTC").await;
    let dee = person(&app, &admin, "Dee", south.id, "UTC").await;
    let now = Utc::now();
    let done = |module: i64, days_ago: i64| record_at("completion", module, json!({}), now - TimeDelta::days(days_ago));
    // Ana: 2 modules this month (one twice), one 40 days ago that no longer counts.
    sync_from(&app, &ana, "phone", vec![done(m[0], 1), done(m[0], 0), done(m[1], 0), done(m[2], 40)]).await;
    sync_from(&app, &ben, "phone", vec![done(m[0], 3)]).await;
    sync_from(&app, &cy, "phone", vec![done(m[0], 2), done(m[1], 1), done(m[2], 0)]).await;
    sync_from(&app, &dee, "phone", vec![done(m[3], 0)]).await;

    let names = |b: &Leaderboard| -> Vec<(String, u32, u32, bool)> {
        b.entries.iter().map(|e| (e.name.clone(), e.rank, e.completed, e.you)).collect()
    };
    let before = board(&app, &ben, "").await;
    assert_eq!(before.team.as_ref().map(|t| t.id), Some(north.id));
    assert_eq!(
        names(&before),
        [("Cy".into(), 1, 3, false), ("Ana".into(), 2, 2, false), ("Ben".into(), 3, 1, true)],
        "modules completed in the last 30 days, each once; Dee is in another team"
    );
    assert_eq!(before.entries[1].streak, 2, "Ana: yesterday and today");

    // Cy hides: absent for everyone, and told so.
    let saved: Preferences = app
        .put("/api/v1/me/preferences")
        .session(&cy)
        .json(&json!({"hide_from_leaderboards": true}))
        .send()
        .await
        .assert_status(200)
        .json();
    assert!(saved.hide_from_leaderboards);
    let me: app::api::Me = app.get("/api/v1/me").session(&cy).send().await.json();
    assert!(me.user.hide_from_leaderboards);
    let after = board(&app, &ben, "").await;
    assert_eq!(names(&after), [("Ana".into(), 1, 2, false), ("Ben".into(), 2, 1, true)]);
    let own = board(&app, &cy, "").await;
    assert!(own.you_hidden && own.entries.iter().all(|e| e.name != "Cy"));
    let manager = manager_of(&app, &admin, north.id).await;
    assert!(board(&app, &manager, &format!("?team_id={}", north.id)).await.entries.iter().all(|e| e.name != "Cy"));
    assert!(board(&app, &admin, &format!("?team_id={}", north.id)).await.entries.iter().all(|e| e.name != "Cy"));
    app.put("/api/v1/me/preferences")
        .session(&cy)
        .json(&json!({"hide": "yes"}))
        .send()
        .await
        .assert_error(400, "malformed_request");

    // Who may look at which team.
    app.get(&format!("/api/v1/leaderboard?team_id={}", south.id))
        .session(&ben)
        .send()
        .await
        .assert_error(403, "forbidden");
    app.get(&format!("/api/v1/leaderboard?team_id={}", south.id))
        .session(&manager)
        .send()
        .await
        .assert_error(403, "forbidden");
    app.get("/api/v1/leaderboard?team_id=999999").session(&admin).send().await.assert_error(404, "not_found");
    assert_eq!(names(&board(&app, &admin, &format!("?team_id={}", south.id)).await), [("Dee".into(), 1, 1, false)]);

    // An admin turns North's leaderboard off: nobody is listed.
    let patched: Team = app
        .patch(&format!("/api/v1/teams/{}", north.id))
        .session(&admin)
        .json(&json!({"leaderboard_enabled": false}))
        .send()
        .await
        .assert_status(200)
        .json();
    assert!(!patched.leaderboard_enabled);
    assert_eq!(patched.name, "North", "a patch without a name keeps it");
    let off = board(&app, &ana, "").await;
    assert!(!off.enabled && off.entries.is_empty());
    app.patch(&format!("/api/v1/teams/{}", north.id))
        .session(&ana)
        .json(&json!({"leaderboard_enabled": true}))
        .send()
        .await
        .assert_error(403, "forbidden");
}

async fn home_shows_who_recently_got_certified(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let (north, south) = (team(&app, &admin, "North").await, team(&app, &admin, "South").await);
    let c = course(&app).await;
    certify(&app, &c).await;
    let ana = person(&app, &admin, "Ana", north.id, "UTC").await;
    let ben = person(&app, &admin, "Ben", north.id, "UTC").await;
    let dee = person(&app, &admin, "Dee", south.id, "UTC").await;
    for who in [&ana, &dee] {
        take_path(&app, who, &c, true).await;
    }
    let seen_by_ben = recognition(&app, &ben).await;
    let list: Vec<(&str, &str, bool)> = seen_by_ben
        .recently_certified
        .iter()
        .map(|r| (r.name.as_str(), r.certification_title.as_str(), r.you))
        .collect();
    assert_eq!(list, [("Ana", "Aurora certified", false)], "only Ben's team");
    assert!(recognition(&app, &ana).await.recently_certified[0].you);
    let manager = manager_of(&app, &admin, south.id).await;
    assert_eq!(recognition(&app, &manager).await.recently_certified[0].name, "Dee");

    app.put("/api/v1/me/preferences").session(&ana).json(&json!({"hide_from_leaderboards": true})).send().await;
    assert!(recognition(&app, &ben).await.recently_certified.is_empty(), "Ana hides");
    // The home page shows it, without JavaScript.
    app.put("/api/v1/me/preferences").session(&ana).json(&json!({"hide_from_leaderboards": false})).send().await;
    let html = app.get("/").session(&ben).send().await.text();
    assert!(html.contains("Recently certified") && html.contains("Aurora certified"), "{html}");
}

db_tests!(
    streaks_follow_the_learners_time_zone,
    hidden_learners_are_absent_from_leaderboards,
    home_shows_who_recently_got_certified,
);
