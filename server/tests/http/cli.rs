//! The `primer` command line, run as a real process against a real database.

use std::{
    io::Write,
    path::Path,
    process::{Command, Output, Stdio},
};

use crate::support::{create_pg_database, postgres_server_url};

fn primer(data_dir: &Path, database_url: Option<&str>, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_primer"));
    command
        .args(args)
        .env("PRIMER_DATA_DIR", data_dir)
        .env_remove("PRIMER_DATABASE_URL")
        .env_remove("PRIMER_PUBLIC_URL")
        .env("PRIMER_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = database_url {
        command.env("PRIMER_DATABASE_URL", url);
    }
    let mut child = command.spawn().expect("running primer");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[track_caller]
fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[track_caller]
fn fails(output: &Output) -> String {
    assert!(!output.status.success(), "expected a failure; stdout: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn count_users(db_file: &Path) -> i64 {
    let conn = rt().block_on(server::db::connect(&format!("sqlite://{}", db_file.display()))).unwrap();
    rt().block_on(async {
        use sea_orm::{EntityTrait, PaginatorTrait};
        server::db::entities::user::Entity::find().count(&conn).await.unwrap() as i64
    })
}

fn rt() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Runtime::new().unwrap())
}

#[test]
fn user_add_takes_the_password_from_stdin_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&primer(
        dir.path(),
        None,
        &[
            "user",
            "add",
            "--email",
            "Dana@Primer.test",
            "--name",
            "Dana Lee",
            "--role",
            "manager",
            "--team",
            "North",
            "--manages",
            "North",
            "--manages",
            "South",
            "--job-role",
            "Sales Manager",
            "--start-date",
            "2026-02-01",
            "--time-zone",
            "Europe/Berlin",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    ));
    assert!(out.contains("dana@primer.test"), "{out}");
    assert!(!out.contains("reset/"), "with a password, no link is needed");

    // Without a password: a one-time link instead.
    let out = ok(&primer(
        dir.path(),
        None,
        &["user", "add", "--email", "sam@primer.test", "--name", "Sam", "--role", "learner"],
        None,
    ));
    assert!(out.contains("http://127.0.0.1:3000/reset/"), "{out}");

    // Clear errors, nothing written.
    let err = fails(&primer(
        dir.path(),
        None,
        &["user", "add", "--email", "sam@primer.test", "--name", "Sam 2", "--role", "learner"],
        None,
    ));
    assert!(err.contains("sam@primer.test"), "{err}");
    let err = fails(&primer(
        dir.path(),
        None,
        &["user", "add", "--email", "x@primer.test", "--name", "X", "--role", "owner"],
        None,
    ));
    assert!(err.contains("role"), "{err}");
    let err = fails(&primer(
        dir.path(),
        None,
        &["user", "add", "--email", "y@primer.test", "--name", "Y", "--role", "learner", "--password-stdin"],
        Some("short\n"),
    ));
    assert!(err.contains("password"), "{err}");
    assert_eq!(count_users(&dir.path().join("primer.db")), 2);
}

#[test]
fn import_is_all_or_nothing_and_updates_by_email() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "email,name,role,team,job_role,manages,start_date,time_zone\n\
         ana@primer.test,Ana Alves,learner,North,Account Executive,,2026-01-05,Europe/Lisbon\n\
         ben@primer.test,Ben Berg,manager,North,Sales Manager,North;South,,\n",
    )
    .unwrap();
    let out = primer(dir.path(), None, &["user", "import", csv.to_str().unwrap()], None);
    let stdout = ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 created, 0 updated"));
    assert_eq!(stdout.lines().filter(|l| l.contains("/reset/")).count(), 2, "a link per new account: {stdout}");

    // One bad row: every problem reported, nothing written.
    std::fs::write(
        &csv,
        "email,name,role,team,job_role,manages,start_date,time_zone\n\
         ana@primer.test,Ana Alves-Lima,author,North,,,,\n\
         carl@primer.test,Carl,boss,,,,,\n\
         dee@primer.test,Dee,learner,,,,03/01/2026,\n",
    )
    .unwrap();
    let err = fails(&primer(dir.path(), None, &["user", "import", csv.to_str().unwrap()], None));
    assert!(err.contains("line 3") && err.contains("line 4"), "{err}");
    assert_eq!(count_users(&dir.path().join("primer.db")), 2);

    // A good file updates existing accounts by email.
    std::fs::write(
        &csv,
        "email,name,role,team,job_role,manages,start_date,time_zone\nANA@primer.test,Ana Alves-Lima,author,South,,,,\n",
    )
    .unwrap();
    let out = primer(dir.path(), None, &["user", "import", csv.to_str().unwrap()], None);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 created, 1 updated"));
    assert_eq!(count_users(&dir.path().join("primer.db")), 2);
}

#[test]
fn backup_copies_a_live_database() {
    let dir = tempfile::tempdir().unwrap();
    ok(&primer(dir.path(), None, &["demo"], None));
    let copy = dir.path().join("backup.db");
    // A connection is open (as a running server would have) while the copy is made.
    let live =
        rt().block_on(server::db::connect(&format!("sqlite://{}", dir.path().join("primer.db").display()))).unwrap();
    ok(&primer(dir.path(), None, &["backup", copy.to_str().unwrap()], None));
    assert_eq!(count_users(&copy), count_users(&dir.path().join("primer.db")));
    assert!(count_users(&copy) >= 4);
    // Never overwrites.
    let err = fails(&primer(dir.path(), None, &["backup", copy.to_str().unwrap()], None));
    assert!(err.contains("already exists"), "{err}");
    drop(live);
}

#[test]
fn backup_explains_postgres() {
    let (url, _, _) = rt().block_on(create_pg_database());
    let dir = tempfile::tempdir().unwrap();
    let err = fails(&primer(dir.path(), Some(&url), &["backup", dir.path().join("x.db").to_str().unwrap()], None));
    assert!(err.contains("pg_dump"), "{err}");
    let _ = postgres_server_url();
}

#[test]
fn demo_loads_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = ok(&primer(dir.path(), None, &["demo"], None));
    assert!(first.contains("learner@primer.example") && first.contains("primer-demo"), "{first}");
    let users = count_users(&dir.path().join("primer.db"));
    let second = ok(&primer(dir.path(), None, &["demo"], None));
    assert!(second.contains("0 account(s) created"), "{second}");
    assert_eq!(count_users(&dir.path().join("primer.db")), users);
}

#[test]
fn demo_runs_on_postgres() {
    let (url, _, _) = rt().block_on(create_pg_database());
    let dir = tempfile::tempdir().unwrap();
    ok(&primer(dir.path(), Some(&url), &["demo"], None));
    ok(&primer(dir.path(), Some(&url), &["migrate"], None));
}

#[test]
fn rebuild_recomputes_progress_from_the_records() {
    let dir = tempfile::tempdir().unwrap();
    ok(&primer(dir.path(), None, &["demo"], None));
    let db_file = dir.path().join("primer.db");
    // A completion stored without its projection (as if the progress table were lost).
    rt().block_on(async {
        use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
        use server::db::entities::{learning_record, module_version, user};
        let conn = server::db::connect(&format!("sqlite://{}", db_file.display())).await.unwrap();
        let learner = user::Entity::find().all(&conn).await.unwrap().into_iter().next().unwrap();
        let version = module_version::Entity::find().all(&conn).await.unwrap().into_iter().next().unwrap();
        let now = server::db::now();
        learning_record::Model {
            id: uuid::Uuid::now_v7().to_string(),
            user_id: learner.id,
            device_id: "phone".into(),
            kind: "completion".into(),
            module_id: version.module_id,
            module_version: version.version,
            occurred_at: now,
            device_occurred_at: now,
            received_at: now,
            payload: serde_json::json!({}),
            score: None,
            passed: None,
            fingerprint: "f".into(),
            counted: true,
            attempt_id: None,
            about: None,
        }
        .into_active_model()
        .reset_all()
        .insert(&conn)
        .await
        .unwrap();
    });
    let out = ok(&primer(dir.path(), None, &["rebuild"], None));
    assert!(out.contains("1 learner(s), 1 module progress row(s)"), "{out}");
    let rows = rt().block_on(async {
        use sea_orm::{EntityTrait, PaginatorTrait};
        let conn = server::db::connect(&format!("sqlite://{}", db_file.display())).await.unwrap();
        server::db::entities::module_progress::Entity::find().count(&conn).await.unwrap()
    });
    assert_eq!(rows, 1);
}
