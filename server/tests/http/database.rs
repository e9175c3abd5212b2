//! The database layer: SQLite's durability settings, migrations racing on PostgreSQL,
//! health checks.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{
    db_tests,
    support::{Db, TestApp, create_pg_database},
};

async fn pragma(app: &TestApp, name: &str) -> String {
    let row = app
        .db()
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}")))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).map(|v| v.to_string()).or_else(|_| row.try_get_by_index::<String>(0)).unwrap()
}

#[tokio::test]
async fn sqlite_is_durable_and_checks_foreign_keys() {
    let app = TestApp::sqlite().await;
    // Several pooled connections: every one has the settings.
    for _ in 0..3 {
        assert_eq!(pragma(&app, "journal_mode").await, "wal");
        assert_eq!(pragma(&app, "synchronous").await, "2", "FULL: a commit is on disk when it returns");
        assert_eq!(pragma(&app, "foreign_keys").await, "1");
        assert!(pragma(&app, "busy_timeout").await.parse::<i64>().unwrap() >= 5000);
    }
    let refused = app
        .db()
        .execute_unprepared("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ('x', 999, '2026-01-01', '2026-01-01', '2026-01-01')")
        .await;
    assert!(refused.is_err(), "a session for a missing user is refused");
}

#[tokio::test]
async fn concurrent_migrations_on_postgres_apply_once() {
    // Several servers starting at once against one new database.
    let (url, _, _) = create_pg_database().await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let db = server::db::connect(&url).await.unwrap();
            server::db::migrate(&db).await
        }));
    }
    for task in tasks {
        task.await.unwrap().expect("every server starts");
    }
    let db = server::db::connect(&url).await.unwrap();
    let applied = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SELECT COUNT(*) AS n FROM seaql_migrations"))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    use sea_orm_migration::MigratorTrait;
    let expected = server::db::migrations::Migrator::migrations().len() as i64;
    assert_eq!(applied, expected, "each migration applied exactly once");
}

async fn migrating_again_changes_nothing(app: TestApp) {
    server::db::migrate(app.db()).await.unwrap();
    server::db::migrate(app.db()).await.unwrap();
}

async fn health_reports_the_database(app: TestApp) {
    let reply = app.get("/healthz").send().await;
    reply.assert_status(200);
    let expected = if app.kind == Db::Sqlite { "sqlite" } else { "postgres" };
    assert_eq!(reply.value()["database"], expected);
    assert_eq!(reply.value()["status"], "ok");
    // Every response carries a request id, and a given one is kept.
    assert!(reply.header("x-request-id").is_some_and(|id| !id.is_empty()));
    let reply = app.get("/healthz").header("x-request-id", "trace-me-123").send().await;
    assert_eq!(reply.header("x-request-id").as_deref(), Some("trace-me-123"));
}

async fn health_fails_when_the_database_is_gone(app: TestApp) {
    app.db().clone().close().await.unwrap();
    app.get("/healthz").send().await.assert_error(503, "unavailable");
}

async fn openapi_document_and_viewer(app: TestApp) {
    let doc = app.get("/api/v1/openapi.json").send().await;
    doc.assert_status(200);
    let doc = doc.value();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/v1/auth/login"]["post"].is_object());
    assert!(doc["components"]["securitySchemes"]["primer_session"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let viewer = app.get("/api/docs/").send().await;
    viewer.assert_status(200);
    assert!(viewer.text().contains("swagger"), "Swagger UI is served from the binary");
}

db_tests!(
    migrating_again_changes_nothing,
    health_reports_the_database,
    health_fails_when_the_database_is_gone,
    openapi_document_and_viewer
);

async fn boom() -> &'static str {
    panic!("boom")
}

#[tokio::test]
async fn a_panicking_handler_gets_a_clear_answer() {
    use axum::{body::Body, http::Request, routing::get};
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let app = TestApp::sqlite().await;
    // Production's middleware stack around a handler with a bug.
    let router = server::app::with_middleware(axum::Router::new().route("/boom", get(boom)), app.state.clone());
    let call = |accept: &'static str| {
        let router = router.clone();
        async move {
            let request = Request::get("/boom").header("accept", accept).body(Body::empty()).unwrap();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            (status, String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap())
        }
    };
    let (status, body) = call("application/json").await;
    assert_eq!(status, 500);
    assert!(body.contains(r#""code":"internal""#), "{body}");
    assert!(!body.contains("boom"), "no internals leak");
    let (status, body) = call("text/html").await;
    assert_eq!(status, 500);
    assert!(body.contains("Something went wrong on our side"), "{body}");
}
