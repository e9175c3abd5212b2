//! The real server process, killed with SIGKILL in the middle of storing a large batch:
//! after a restart nothing of that batch is half-written, and the device's retry stores
//! every record exactly once. On SQLite and on PostgreSQL.

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use server::db::entities::learning_record;

use crate::support::create_pg_database;

const RECORDS: usize = 5000;

struct Server {
    child: Child,
    base: String,
}

fn start(data_dir: &Path, database_url: &str, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_primer"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("PRIMER_DATA_DIR", data_dir)
        .env("PRIMER_DATABASE_URL", database_url)
        .env_remove("PRIMER_PUBLIC_URL")
        .env("PRIMER_LOG", "error")
        // A batch sent, and sent again after the crash: more than a person's minute allows.
        .env("PRIMER_SYNC_MAX_RECORDS_PER_MINUTE", "1000000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting primer");
    Server { child, base: format!("http://127.0.0.1:{port}") }
}

/// Waits until a `primer serve` at `base` answers its health check.
pub async fn wait_until_up(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("primer did not start");
}

fn demo(data_dir: &Path, database_url: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_primer"))
        .arg("demo")
        .env("PRIMER_DATA_DIR", data_dir)
        .env("PRIMER_DATABASE_URL", database_url)
        .env_remove("PRIMER_PUBLIC_URL")
        .env("PRIMER_LOG", "error")
        .stdout(Stdio::null())
        .status()
        .expect("running primer demo");
    assert!(status.success());
}

/// The `primer_session=…` pair a sign-in answer set, to send back as a `Cookie`.
pub fn session_cookie(login: &reqwest::Response) -> String {
    login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("primer_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string()
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn post_json(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    body: &Value,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(url)
        .header("content-type", "application/json")
        .header("cookie", cookie)
        .body(body.to_string())
        .send()
        .await
}

async fn count(database_url: &str) -> u64 {
    let conn = server::db::connect(database_url).await.unwrap();
    let n = learning_record::Entity::find().count(&conn).await.unwrap();
    conn.close().await.ok();
    n
}

fn batch(module_id: i64, version: i64) -> Value {
    let records: Vec<Value> = (0..RECORDS)
        .map(|i| {
            json!({"id": uuid::Uuid::now_v7().to_string(), "kind": "completion", "module_id": module_id,
                   "module_version": version, "occurred_at": chrono::Utc::now().to_rfc3339(),
                   "payload": {"seconds_spent": i % 600}})
        })
        .collect();
    json!({"device_id": "crash-phone", "device_time": chrono::Utc::now().to_rfc3339(), "records": records})
}

async fn killed_mid_batch(database_url: String) {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path(), &database_url);
    let port = free_port();
    let client = reqwest::Client::new();
    let mut server = start(dir.path(), &database_url, port);
    wait_until_up(&client, &server.base).await;

    let login = post_json(
        &client,
        &format!("{}/api/v1/auth/login", server.base),
        "",
        &json!({"email": "learner@primer.example", "password": "primer-demo"}),
    )
    .await
    .unwrap();
    assert!(login.status().is_success());
    let cookie = session_cookie(&login);
    let catalog: Value = serde_json::from_str(
        &client
            .get(format!("{}/api/v1/catalog", server.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let module = catalog["modules"].as_array().unwrap().iter().find(|m| m["kind"] != "quiz").expect("a video or tip");
    let (module_id, version) = (module["id"].as_i64().unwrap(), module["version"].as_i64().unwrap());
    let sync_url = format!("{}/api/v1/sync", server.base);

    // How long a batch this size takes here, to kill the next one halfway through.
    let started = Instant::now();
    let warmup = post_json(&client, &sync_url, &cookie, &batch(module_id, version)).await.unwrap();
    assert!(warmup.status().is_success());
    let took = started.elapsed();
    let before = count(&database_url).await;
    assert_eq!(before, RECORDS as u64);

    let body = batch(module_id, version);
    let request = tokio::spawn({
        let (client, url, cookie, body) = (client.clone(), sync_url.clone(), cookie.clone(), body.clone());
        async move { post_json(&client, &url, &cookie, &body).await }
    });
    tokio::time::sleep(took / 2).await;
    server.child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
    server.child.wait().unwrap();
    let answer = request.await.unwrap();
    assert!(answer.is_err(), "the server answered before it was killed (took {took:?} unkilled); no crash was tested");

    // Nothing half-written: all of the batch or none of it.
    let after_crash = count(&database_url).await - before;
    eprintln!("a {RECORDS}-record batch took {took:?}; killed after {:?}: {after_crash} stored", took / 2);
    assert!(after_crash == 0 || after_crash == RECORDS as u64, "{after_crash} of {RECORDS} records survived the crash");

    // The device never got an answer, so it sends the batch again to the restarted server.
    let mut server = start(dir.path(), &database_url, port);
    wait_until_up(&client, &server.base).await;
    let retry = post_json(&client, &sync_url, &cookie, &body).await.unwrap();
    assert!(retry.status().is_success());
    let retry: Value = serde_json::from_str(&retry.text().await.unwrap()).unwrap();
    let expected = if after_crash == 0 { "accepted" } else { "duplicate" };
    let results = retry["results"].as_array().unwrap();
    assert_eq!(results.len(), RECORDS);
    assert!(results.iter().all(|r| r["status"] == expected), "every record {expected} on the retry");
    assert_eq!(count(&database_url).await - before, RECORDS as u64, "every record exactly once");
    server.child.kill().ok();
    server.child.wait().ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_killed_mid_batch() {
    let dir = tempfile::tempdir().unwrap();
    killed_mid_batch(format!("sqlite://{}?mode=rwc", dir.path().join("primer.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_mid_batch() {
    let (url, server, name) = create_pg_database().await;
    killed_mid_batch(url).await;
    let admin = sea_orm::Database::connect(&server).await.unwrap();
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
}
