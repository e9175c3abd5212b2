//! People and teams through the API: creating, validating, editing, and the rules that
//! keep accounts consistent.

use app::api::{Role, Team, User};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use server::db::entities::user;

use crate::{db_tests, support::TestApp};

async fn admin_creates_and_edits_people(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let team: Team = app
        .post("/api/v1/teams")
        .session(&admin)
        .json(&json!({"name": "Retail North"}))
        .send()
        .await
        .assert_status(201)
        .json();
    assert_eq!((team.name.as_str(), team.member_count), ("Retail North", 0));

    let created = app
        .post("/api/v1/users")
        .session(&admin)
        .json(&json!({
            "email": "Dana.Lee@Primer.test", "name": "  Dana Lee ", "role": "learner",
            "job_role": "Account Executive", "team_id": team.id, "start_date": "2026-03-02",
            "time_zone": "Europe/Berlin", "password": "a good long password"
        }))
        .send()
        .await;
    created.assert_status(201);
    let dana: User = created.json();
    assert_eq!(dana.email, "dana.lee@primer.test");
    assert_eq!(dana.name, "Dana Lee");
    assert_eq!(dana.team.as_deref(), Some("Retail North"));
    assert_eq!(dana.job_role.as_deref(), Some("Account Executive"));
    assert_eq!(dana.start_date.unwrap().to_string(), "2026-03-02");
    assert!(dana.has_password && dana.active);

    let fetched: User =
        app.get(&format!("/api/v1/users/{}", dana.id)).session(&admin).send().await.assert_status(200).json();
    assert_eq!(fetched, dana);

    // Only what is sent changes; null clears.
    let patched: User = app
        .patch(&format!("/api/v1/users/{}", dana.id))
        .session(&admin)
        .json(&json!({"job_role": null, "role": "author"}))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(patched.job_role, None);
    assert_eq!(patched.role, Role::Author);
    assert_eq!(patched.team.as_deref(), Some("Retail North"));
    assert_eq!(patched.start_date, dana.start_date);

    let teams: Vec<Team> = app.get("/api/v1/teams").session(&admin).send().await.json();
    assert_eq!(teams[0].member_count, 1);

    let everyone: Vec<User> = app.get("/api/v1/users?q=DANA").session(&admin).send().await.assert_status(200).json();
    assert_eq!(everyone.iter().map(|u| u.id).collect::<Vec<_>>(), [dana.id]);
    let authors: Vec<User> = app.get("/api/v1/users?role=author").session(&admin).send().await.json();
    assert_eq!(authors.len(), 1);
    let nobody: Vec<User> = app.get("/api/v1/users?q=100%25_off").session(&admin).send().await.json();
    assert!(nobody.is_empty(), "% and _ are literal in searches");
}

async fn bad_input_is_refused_with_the_field(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let cases = [
        (json!({"email": "not-an-email", "name": "X", "role": "learner"}), "email"),
        (json!({"email": "x@primer.test", "name": "   ", "role": "learner"}), "name"),
        (json!({"email": "x@primer.test", "name": "X", "role": "learner", "time_zone": "Mars/Olympus"}), "time_zone"),
        (json!({"email": "x@primer.test", "name": "X", "role": "learner", "password": "short"}), "password"),
        (json!({"email": "x@primer.test", "name": "X", "role": "learner", "team_id": 999}), "team_id"),
        (json!({"email": "x@primer.test", "name": "X", "role": "learner", "manages": [1]}), "manages"),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/v1/users").session(&admin).json(&body).send().await;
        reply.assert_error(422, "invalid_input");
        assert_eq!(reply.value()["error"]["field"], field, "{body}");
    }
    let reply = app
        .post("/api/v1/users")
        .session(&admin)
        .json(&json!({"email": "x@primer.test", "name": "X", "role": "owner"}))
        .send()
        .await;
    // A role Primer doesn't have: named, like any other field.
    reply.assert_error(422, "invalid_input");
    assert_eq!(reply.value()["error"]["field"], "role");
    // Nothing of the refused requests was stored (only the admin exists).
    assert_eq!(user::Entity::find().count(app.db()).await.unwrap(), 1);
}

async fn half_valid_requests_leave_nothing_behind(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let team: Team = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "Enterprise"})).send().await.json();
    // The account itself is fine; one of the teams to manage doesn't exist.
    let reply = app
        .post("/api/v1/users")
        .session(&admin)
        .json(&json!({"email": "m@primer.test", "name": "M", "role": "manager", "manages": [team.id, 424242]}))
        .send()
        .await;
    reply.assert_error(422, "invalid_input");
    assert_eq!(user::Entity::find().count(app.db()).await.unwrap(), 1, "no account was created");
}

async fn emails_and_team_names_are_unique(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let body = json!({"email": "dana@primer.test", "name": "Dana", "role": "learner"});
    app.post("/api/v1/users").session(&admin).json(&body).send().await.assert_status(201);
    let again = json!({"email": "DANA@primer.test", "name": "Other Dana", "role": "learner"});
    app.post("/api/v1/users").session(&admin).json(&again).send().await.assert_error(409, "email_taken");

    let sam: User = app
        .post("/api/v1/users")
        .session(&admin)
        .json(&json!({"email": "sam@primer.test", "name": "Sam", "role": "learner"}))
        .send()
        .await
        .json();
    app.patch(&format!("/api/v1/users/{}", sam.id))
        .session(&admin)
        .json(&json!({"email": "dana@primer.test"}))
        .send()
        .await
        .assert_error(409, "email_taken");

    app.post("/api/v1/teams").session(&admin).json(&json!({"name": "Retail North"})).send().await.assert_status(201);
    app.post("/api/v1/teams")
        .session(&admin)
        .json(&json!({"name": "retail north"}))
        .send()
        .await
        .assert_error(409, "team_name_taken");
    let other: Team =
        app.post("/api/v1/teams").session(&admin).json(&json!({"name": "Retail South"})).send().await.json();
    app.patch(&format!("/api/v1/teams/{}", other.id))
        .session(&admin)
        .json(&json!({"name": "RETAIL NORTH"}))
        .send()
        .await
        .assert_error(409, "team_name_taken");
    let renamed: Team = app
        .patch(&format!("/api/v1/teams/{}", other.id))
        .session(&admin)
        .json(&json!({"name": "Retail West"}))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(renamed.name, "Retail West");
    app.patch("/api/v1/teams/9999")
        .session(&admin)
        .json(&json!({"name": "X"}))
        .send()
        .await
        .assert_error(404, "not_found");
    app.get("/api/v1/users/9999").session(&admin).send().await.assert_error(404, "not_found");
    app.get("/api/v1/users/abc").session(&admin).send().await.assert_error(404, "not_found");
}

async fn primer_keeps_an_active_admin(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let me = format!("/api/v1/users/{}", admin.user.id);
    app.patch(&me).session(&admin).json(&json!({"role": "learner"})).send().await.assert_error(409, "last_admin");
    let reply = app.patch(&me).session(&admin).json(&json!({"active": false})).send().await;
    reply.assert_error(422, "invalid_input");

    let second = app.signed_in(Role::Admin).await;
    // With a second admin, the first can step down, but the second can't then.
    app.patch(&me).session(&admin).json(&json!({"role": "manager"})).send().await.assert_status(200);
    app.patch(&format!("/api/v1/users/{}", second.user.id))
        .session(&second)
        .json(&json!({"role": "author"}))
        .send()
        .await
        .assert_error(409, "last_admin");
}

async fn managers_see_only_their_teams(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let north: Team = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "North"})).send().await.json();
    let south: Team = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "South"})).send().await.json();
    for (email, team) in [("n1@primer.test", north.id), ("n2@primer.test", north.id), ("s1@primer.test", south.id)] {
        app.post("/api/v1/users")
            .session(&admin)
            .json(&json!({"email": email, "name": email, "role": "learner", "team_id": team}))
            .send()
            .await
            .assert_status(201);
    }
    let manager: User = app
        .post("/api/v1/users")
        .session(&admin)
        .json(&json!({"email": "boss@primer.test", "name": "Boss", "role": "manager", "team_id": north.id, "manages": [north.id]}))
        .send()
        .await
        .assert_status(201)
        .json();
    assert_eq!(manager.manages.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["North"]);
    let session = app.session_for(manager.clone()).await;
    let people: Vec<User> = app.get("/api/v1/me/people").session(&session).send().await.assert_status(200).json();
    let mut emails: Vec<_> = people.iter().map(|p| p.email.as_str()).collect();
    emails.sort();
    assert_eq!(emails, ["n1@primer.test", "n2@primer.test"], "their own team, without themself");

    // Changing the role away from manager drops the responsibilities.
    let demoted: User = app
        .patch(&format!("/api/v1/users/{}", manager.id))
        .session(&admin)
        .json(&json!({"role": "learner"}))
        .send()
        .await
        .json();
    assert!(demoted.manages.is_empty());
    let teams: Vec<Team> = app.get("/api/v1/teams").session(&admin).send().await.json();
    assert!(teams.iter().all(|t| t.managers.is_empty()));

    // Admins see everyone.
    let everyone: Vec<User> = app.get("/api/v1/me/people").session(&admin).send().await.json();
    assert_eq!(everyone.len(), 4);
}

async fn concurrent_changes_all_succeed(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let team: Team = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "Busy"})).send().await.json();
    // Many admins' browsers writing at once: each change either happens or is refused for
    // a reason, never lost to a locking error.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (app, admin) = (app.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"email": format!("p{i}@primer.test"), "name": format!("P {i}"), "role": "learner", "team_id": team.id});
            app.post("/api/v1/users").session(&admin).json(&body).send().await.status.as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
    let teams: Vec<Team> = app.get("/api/v1/teams").session(&admin).send().await.json();
    assert_eq!(teams[0].member_count, 16);
}

db_tests!(
    admin_creates_and_edits_people,
    bad_input_is_refused_with_the_field,
    half_valid_requests_leave_nothing_behind,
    emails_and_team_names_are_unique,
    primer_keeps_an_active_admin,
    managers_see_only_their_teams,
    concurrent_changes_all_succeed,
);
