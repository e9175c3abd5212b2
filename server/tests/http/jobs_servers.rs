//! Two real `primer` servers on one PostgreSQL (sharing a media volume): the one making a
//! video's renditions is killed with SIGKILL mid-transcode; its ffmpeg dies with it, the
//! other server takes the job over once the lease passes, and exactly one set of
//! renditions exists, with nothing left in `tmp/`.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use server::db::entities::{job, rendition};

use crate::{
    fixtures,
    support::{build::multipart, create_pg_database},
    sync_crash::{free_port, session_cookie, wait_until_up},
};

fn start(data_dir: &Path, database_url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_primer"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("PRIMER_DATA_DIR", data_dir)
        .env("PRIMER_DATABASE_URL", database_url)
        .env_remove("PRIMER_PUBLIC_URL")
        .env("PRIMER_LOG", "error")
        .env("PRIMER_JOB_WORKERS", "1")
        .env("PRIMER_JOB_LEASE_SECONDS", "6")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting primer")
}

/// ffmpeg processes working in this data directory.
fn ffmpegs_in(data_dir: &Path) -> Vec<u32> {
    let needle = data_dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            cmdline.starts_with("ffmpeg") && cmdline.contains(&needle)
        })
        .collect()
}

async fn sign_in(client: &reqwest::Client, base: &str) -> String {
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(json!({"email": "ava@primer.test", "password": "a long enough password"}).to_string())
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success(), "signed in");
    session_cookie(&login)
}

async fn media(client: &reqwest::Client, base: &str, cookie: &str, id: &str) -> Option<Value> {
    let reply = client.get(format!("{base}/api/v1/media/{id}")).header("cookie", cookie).send().await.ok()?;
    serde_json::from_slice(&reply.bytes().await.ok()?).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_transcode_leaves_the_job_to_another() {
    let (url, pg_server, name) = create_pg_database().await;
    let dir = tempfile::tempdir().unwrap();
    let mut add = Command::new(env!("CARGO_BIN_EXE_primer"))
        .args([
            "user",
            "add",
            "--email",
            "ava@primer.test",
            "--name",
            "Ava Author",
            "--role",
            "author",
            "--password-stdin",
        ])
        .env("PRIMER_DATA_DIR", dir.path())
        .env("PRIMER_DATABASE_URL", &url)
        .env("PRIMER_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    add.stdin.take().unwrap().write_all(b"a long enough password\n").unwrap();
    assert!(add.wait().unwrap().success());

    // Long enough that the first server is surely mid-transcode when it dies.
    let clip = fixtures::made(
        "twenty-seconds.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30:duration=20",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=330:sample_rate=48000:duration=20",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
            "-f",
            "mp4",
        ],
    );
    let client = reqwest::Client::new();
    let (port_a, port_b) = (free_port(), free_port());
    let (base_a, base_b) = (format!("http://127.0.0.1:{port_a}"), format!("http://127.0.0.1:{port_b}"));
    let mut a = start(dir.path(), &url, port_a);
    wait_until_up(&client, &base_a).await;
    let cookie = sign_in(&client, &base_a).await;
    let (content_type, body) = multipart("twenty-seconds.mp4", &clip);
    let reply = client
        .post(format!("{base_a}/api/v1/media"))
        .header("cookie", &cookie)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let uploaded: Value = serde_json::from_slice(&reply.bytes().await.unwrap()).unwrap();
    let id = uploaded["id"].as_str().expect("stored").to_owned();

    // Server A takes the job: wait until its ffmpeg has made some progress.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = media(&client, &base_a, &cookie, &id).await.unwrap_or_default();
        let p = &seen["processing"];
        if p["state"] == "running" && p["progress"].as_f64().is_some_and(|x| x > 0.1) {
            break;
        }
        assert_ne!(p["state"], "ready", "finished before it could be killed: use a longer clip");
        assert!(Instant::now() < deadline, "never started: {seen}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!ffmpegs_in(dir.path()).is_empty(), "A's ffmpeg is running");
    a.kill().unwrap();
    a.wait().unwrap();
    // Its ffmpeg died with it (PR_SET_PDEATHSIG), rather than writing on as an orphan.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ffmpegs_in(dir.path()).is_empty() {
        assert!(Instant::now() < deadline, "ffmpeg outlived its server: {:?}", ffmpegs_in(dir.path()));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tmp = dir.path().join("tmp");
    assert!(std::fs::read_dir(&tmp).unwrap().next().is_some(), "A left its half-made files behind");

    // Server B takes it over after the lease and finishes it.
    let mut b = start(dir.path(), &url, port_b);
    wait_until_up(&client, &base_b).await;
    let deadline = Instant::now() + Duration::from_secs(180);
    let ready = loop {
        let seen = media(&client, &base_b, &cookie, &id).await.unwrap_or_default();
        match seen["processing"]["state"].as_str() {
            Some("ready") => break seen,
            Some("failed") => panic!("failed: {seen}"),
            _ => {}
        }
        assert!(Instant::now() < deadline, "B never finished: {seen}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    b.kill().unwrap();
    b.wait().unwrap();

    assert_eq!(ready["renditions"].as_array().unwrap().len(), 2);
    let conn = server::db::connect(&url).await.unwrap();
    let rows = rendition::Entity::find().all(&conn).await.unwrap();
    assert_eq!(rows.len(), 2, "exactly one set of renditions");
    let jobs = job::Entity::find().all(&conn).await.unwrap();
    let renditions_job = jobs.iter().find(|j| j.kind == "renditions").unwrap();
    assert_eq!((renditions_job.state.as_str(), renditions_job.attempts), ("done", 2), "claimed by A, then by B");
    // The store holds the upload and its poster, and each rendition and its poster: no
    // half-made file.
    let stored = crate::support::build::walk(&dir.path().join("media"));
    assert_eq!(stored, 6, "files in the store");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().map(|e| e.path()).collect();
    assert!(left.is_empty(), "tmp/ is empty: {left:?}");
    conn.close().await.ok();
    let admin = sea_orm::Database::connect(&pg_server).await.unwrap();
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
}
