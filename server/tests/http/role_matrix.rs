//! The role matrix: every route, called by every role and by nobody, is allowed or
//! refused exactly as declared here. The declaration is checked against the OpenAPI
//! document, so a new API route without a row here fails the test.

use std::collections::BTreeSet;

use app::api::Role;
use axum::http::Method;
use serde_json::{Value, json};

use crate::{db_tests, support::TestApp};

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Signed in with one of these roles.
    Roles(&'static [Role]),
}

const ANY: Access = Access::Roles(&Role::ALL);
const ADMIN: Access = Access::Roles(&[Role::Admin]);
const MANAGER: Access = Access::Roles(&[Role::Manager, Role::Admin]);
const AUTHOR: Access = Access::Roles(&[Role::Author, Role::Admin]);
const STAFF: Access = Access::Roles(&[Role::Author, Role::Manager, Role::Admin]);

/// Every API route (`{id}` is filled in with a real account or team).
const API: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Access::Public),
    ("POST", "/api/v1/auth/login", Access::Public),
    ("POST", "/api/v1/auth/logout", Access::Public),
    ("POST", "/api/v1/auth/password-reset", Access::Public),
    ("POST", "/api/v1/auth/forgot-password", Access::Public),
    ("GET", "/api/v1/me", ANY),
    ("PUT", "/api/v1/me/password", ANY),
    ("GET", "/api/v1/me/people", MANAGER),
    ("GET", "/api/v1/users", ADMIN),
    ("POST", "/api/v1/users", ADMIN),
    ("GET", "/api/v1/users/{id}", ADMIN),
    ("PATCH", "/api/v1/users/{id}", ADMIN),
    ("POST", "/api/v1/users/{id}/password-reset", ADMIN),
    ("GET", "/api/v1/admin/messages", ADMIN),
    ("GET", "/api/v1/me/notifications", ANY),
    ("PUT", "/api/v1/me/notifications", ANY),
    ("GET", "/api/v1/teams", STAFF),
    ("POST", "/api/v1/teams", ADMIN),
    ("PATCH", "/api/v1/teams/{id}", ADMIN),
    // Anyone, for a take; others get 403 from the handler (see media.rs).
    ("POST", "/api/v1/media", ANY),
    ("GET", "/api/v1/media/{id}", AUTHOR),
    ("GET", "/media/{id}", ANY),
    ("GET", "/api/v1/modules", AUTHOR),
    ("POST", "/api/v1/modules", AUTHOR),
    ("GET", "/api/v1/modules/{id}", AUTHOR),
    ("PUT", "/api/v1/modules/{id}", AUTHOR),
    ("POST", "/api/v1/modules/{id}/publish", AUTHOR),
    ("POST", "/api/v1/modules/{id}/archive", AUTHOR),
    ("GET", "/api/v1/paths", AUTHOR),
    ("POST", "/api/v1/paths", AUTHOR),
    ("GET", "/api/v1/paths/{id}", AUTHOR),
    ("PUT", "/api/v1/paths/{id}", AUTHOR),
    ("GET", "/api/v1/assignments", AUTHOR),
    ("POST", "/api/v1/assignments", AUTHOR),
    ("POST", "/api/v1/assignments/preview", AUTHOR),
    ("PUT", "/api/v1/assignments/{id}", AUTHOR),
    ("DELETE", "/api/v1/assignments/{id}", AUTHOR),
    ("GET", "/api/v1/catalog", ANY),
    ("GET", "/api/v1/catalog/{id}", ANY),
    ("POST", "/api/v1/sync", ANY),
    ("GET", "/api/v1/progress", ANY),
    ("GET", "/api/v1/export/xapi", MANAGER),
    ("GET", "/api/v1/certifications", ANY),
    ("POST", "/api/v1/certifications", AUTHOR),
    ("GET", "/api/v1/certifications/{id}", ANY),
    ("PUT", "/api/v1/certifications/{id}", AUTHOR),
    ("GET", "/api/v1/me/certificates", ANY),
    ("GET", "/api/v1/certificates/{id}", ANY),
    ("GET", "/api/v1/verify/{code}", Access::Public),
    ("POST", "/api/v1/assessments/{module_id}/attempts", ANY),
    ("GET", "/api/v1/assessments/{module_id}/attempt", ANY),
    ("GET", "/api/v1/reports/people", MANAGER),
    ("GET", "/api/v1/reports/retention", MANAGER),
    ("GET", "/api/v1/reports/people/{id}", MANAGER),
    ("GET", "/api/v1/reports/modules", STAFF),
    ("GET", "/api/v1/reports/modules/{id}/insights", AUTHOR),
    ("GET", "/api/v1/reports/charts/completions.svg", MANAGER),
    ("GET", "/api/v1/reports/charts/readiness.svg", MANAGER),
    ("GET", "/api/v1/leaderboard", ANY),
    ("GET", "/api/v1/me/recognition", ANY),
    ("GET", "/api/v1/me/boosters", ANY),
    ("PUT", "/api/v1/me/preferences", ANY),
    ("OPTIONS", "/api/v1/uploads", Access::Public),
    ("POST", "/api/v1/uploads", ANY),
    ("HEAD", "/api/v1/uploads/{id}", ANY),
    ("GET", "/api/v1/uploads/{id}", ANY),
    ("PATCH", "/api/v1/uploads/{id}", ANY),
    ("DELETE", "/api/v1/uploads/{id}", ANY),
    ("GET", "/api/v1/reviews", ANY),
    ("POST", "/api/v1/reviews", ANY),
    ("GET", "/api/v1/me/practice", ANY),
    ("DELETE", "/api/v1/me/takes/{id}", ANY),
    ("PUT", "/api/v1/me/takes/{id}", ANY),
    ("PUT", "/api/v1/reviews/{id}/feature", ANY),
];

/// Routes outside the OpenAPI document: the document itself, its viewer, the pages and
/// their form posts.
const OTHER: &[(&str, &str, Access)] = &[
    ("GET", "/api/v1/openapi.json", Access::Public),
    ("GET", "/api/docs/", Access::Public),
    ("GET", "/login", Access::Public),
    ("POST", "/login", Access::Public),
    ("POST", "/logout", Access::Public),
    ("GET", "/reset/{id}", Access::Public),
    ("POST", "/reset/{id}", Access::Public),
    ("GET", "/verify/{code}", Access::Public),
    ("GET", "/favicon.ico", Access::Public),
];

/// Pages that need a signed-in person: nobody is redirected to sign in, other roles get 403.
const PAGES: &[(&str, Access)] = &[
    ("/", ANY),
    ("/library", ANY),
    ("/prep", ANY),
    ("/progress", ANY),
    ("/device", ANY),
    ("/account", ANY),
    ("/team", MANAGER),
    ("/reviews", ANY),
    ("/admin/people", ADMIN),
    ("/admin/teams", ADMIN),
    ("/admin/messages", ADMIN),
    ("/studio", AUTHOR),
    ("/studio/new/video", AUTHOR),
    ("/studio/paths", AUTHOR),
    ("/studio/assignments", AUTHOR),
    ("/studio/certifications", AUTHOR),
    ("/studio/insights", AUTHOR),
];

fn allows(access: Access, role: Option<Role>) -> bool {
    match (access, role) {
        (Access::Public, _) => true,
        (Access::Roles(_), None) => false,
        (Access::Roles(roles), Some(role)) => roles.contains(&role),
    }
}

async fn every_api_route_is_in_the_matrix(app: TestApp) {
    let doc = app.get("/api/v1/openapi.json").send().await.value();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(move |m| (m.to_uppercase(), path.clone())))
        .collect();
    let declared: BTreeSet<(String, String)> = API.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    assert_eq!(documented, declared, "the OpenAPI document and the role matrix list the same routes");
}

async fn api_routes_allow_exactly_their_roles(app: TestApp) {
    let subject = app.create_user("subject@primer.test", Role::Learner, None).await;
    let team = app
        .post("/api/v1/teams")
        .session(&app.signed_in(Role::Admin).await)
        .json(&json!({"name": "Subjects"}))
        .send()
        .await;
    let team_id = team.value()["id"].as_i64().unwrap();

    for &(method, path, access) in API.iter().chain(OTHER) {
        let id = if path.contains("/teams/") { team_id } else { subject.id };
        let path = path.replace("{id}", &id.to_string()).replace("{code}", "ABCD-EFGH-JKMN");
        for role in [None, Some(Role::Learner), Some(Role::Author), Some(Role::Manager), Some(Role::Admin)] {
            // A fresh session for each call: some routes (sign-out) end the session.
            let mut call = app.request(Method::from_bytes(method.as_bytes()).unwrap(), &path);
            if let Some(role) = role {
                call = call.session(&app.signed_in(role).await);
            }
            if method != "GET" {
                call = if path.starts_with("/api/") { call.json(&json!({})) } else { call.form(&[]) };
            }
            let reply = call.send().await;
            // A HEAD answer has no body: its status says it.
            let code = if method == "HEAD" {
                match reply.status.as_u16() {
                    401 => Some("unauthenticated".to_string()),
                    403 => Some("forbidden".to_string()),
                    _ => None,
                }
            } else {
                reply.error_code()
            };
            let who = role.map_or("nobody".to_string(), |r| r.to_string());
            if allows(access, role) {
                assert!(
                    !matches!(code.as_deref(), Some("unauthenticated" | "forbidden")) && reply.status.as_u16() != 405,
                    "{method} {path} must be allowed for {who}, got {} {}",
                    reply.status,
                    reply.text()
                );
            } else {
                let expected = if role.is_none() { (401, "unauthenticated") } else { (403, "forbidden") };
                assert_eq!(
                    (reply.status.as_u16(), code.as_deref()),
                    (expected.0, Some(expected.1)),
                    "{method} {path} must be refused for {who}: {}",
                    reply.text()
                );
            }
        }
    }
}

async fn pages_allow_exactly_their_roles(app: TestApp) {
    for &(path, access) in PAGES {
        let reply = app.get(path).html().send().await;
        assert_eq!(reply.status.as_u16(), 302, "{path} sends nobody to sign in: {}", reply.text());
        let location = reply.header("location").unwrap_or_default();
        assert!(location.starts_with("/login"), "{path} → {location}");
        if path != "/" {
            assert!(location.contains(&format!("next={path}")), "{path} returns here after signing in: {location}");
        }
        for role in Role::ALL {
            let session = app.signed_in(role).await;
            let reply = app.get(path).html().session(&session).send().await;
            let expected = if allows(access, Some(role)) { 200 } else { 403 };
            assert_eq!(reply.status.as_u16(), expected, "{path} for {role}: {}", reply.text());
            assert!(reply.header("content-type").unwrap_or_default().starts_with("text/html"));
        }
    }
}

async fn unknown_routes_answer_in_their_own_format(app: TestApp) {
    app.get("/api/v1/nothing-here").send().await.assert_error(404, "not_found");
    let page = app.get("/nothing-here").html().send().await;
    page.assert_status(404);
    assert!(page.text().contains("nothing here"), "a friendly page");
    app.request(Method::DELETE, "/api/v1/me").send().await.assert_error(405, "method_not_allowed");
    let _: Value = app.get("/healthz").send().await.value();
}

db_tests!(
    every_api_route_is_in_the_matrix,
    api_routes_allow_exactly_their_roles,
    pages_allow_exactly_their_roles,
    unknown_routes_answer_in_their_own_format,
);
