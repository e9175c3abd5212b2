//! The test harness: a fresh database per test (a SQLite file in a temporary directory,
//! or a new database on the PostgreSQL server named by `PRIMER_TEST_POSTGRES_URL`), the
//! real application router called without a socket, and helpers to make requests.

pub mod build;
pub mod mail;

use std::net::{IpAddr, SocketAddr};

use app::api::{NewUser, Role, User};
use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde::de::DeserializeOwned;
use serde_json::Value;
use server::{
    AppState,
    accounts::users::{self, UserDraft},
    auth::session,
    config::Config,
    db,
};
use tower::ServiceExt;

/// Waits, if the day in `tz` has less than a minute left, until it has turned. A test
/// that works out "today" from the clock, as the server does, would otherwise see two
/// different days when it runs across midnight (each test takes a few seconds).
pub async fn clear_of_midnight(tz: chrono_tz::Tz) {
    use chrono::{Days, TimeZone, Utc};
    let now = Utc::now().with_timezone(&tz);
    let next_day = now.date_naive().checked_add_days(Days::new(1)).and_then(|d| d.and_hms_opt(0, 0, 0));
    // A day that doesn't start at midnight (a DST change there) has no such instant: go on.
    let Some(midnight) = next_day.and_then(|d| tz.from_local_datetime(&d).earliest()) else { return };
    let left = midnight - now;
    if left < chrono::TimeDelta::minutes(1) {
        let wait = (left + chrono::TimeDelta::seconds(1)).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
    }
}

/// Runs each listed test (an `async fn(TestApp)`) once against SQLite and once against
/// PostgreSQL.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::support::TestApp::sqlite().await;
                    super::$name(app.clone()).await;
                    app.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::support::TestApp::postgres().await;
                    super::$name(app.clone()).await;
                    app.finish().await;
                }
            )*
        }
    };
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A running Primer (without a socket) on its own database.
#[derive(Clone)]
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub kind: Db,
    /// SQLite: the directory holding the database file.
    _dir: std::sync::Arc<tempfile::TempDir>,
    /// PostgreSQL: (server URL, database name), dropped at the end.
    pg: Option<(String, String)>,
}

/// The PostgreSQL server for tests. Never skipped: without it the tests fail and say why.
pub fn postgres_server_url() -> String {
    std::env::var("PRIMER_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "PRIMER_TEST_POSTGRES_URL is not set. Run the tests with `make test` (which starts a \
             throwaway PostgreSQL), or `scripts/with-postgres.sh cargo test`, or point \
             PRIMER_TEST_POSTGRES_URL at a server where this user may create databases."
        )
    })
}

/// The URL of another database on the same server.
pub fn database_url(server_url: &str, name: &str) -> String {
    let (base, query) = server_url.split_once('?').map_or((server_url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Creates an empty PostgreSQL database and returns its URL.
/// An S3-compatible server for the media store tests, with a bucket `primer-test`:
/// `make test` starts one (scripts/with-s3.sh); set `PRIMER_TEST_S3_URL` to use another.
pub fn s3_endpoint() -> String {
    std::env::var("PRIMER_TEST_S3_URL").expect(
        "PRIMER_TEST_S3_URL is not set: run the tests through `make test` (which starts a throwaway \
         S3-compatible server), or point it at one with a bucket called primer-test",
    )
}

pub async fn create_pg_database() -> (String, String, String) {
    let server = postgres_server_url();
    let name = format!("primer_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&server).await.expect("connecting to the test PostgreSQL server");
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("creating a test database");
    admin.close().await.ok();
    (database_url(&server, &name), server, name)
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        TestApp::new(Db::Sqlite, Config::default()).await
    }

    pub async fn postgres() -> TestApp {
        TestApp::new(Db::Postgres, Config::default()).await
    }

    /// A fresh app on a fresh database of the given kind, with a configuration.
    pub async fn new(kind: Db, mut config: Config) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        config.data_dir = dir.path().to_path_buf();
        let (url, pg) = match kind {
            Db::Sqlite => (format!("sqlite://{}?mode=rwc", dir.path().join("primer.db").display()), None),
            Db::Postgres => {
                let (url, server, name) = create_pg_database().await;
                (url, Some((server, name)))
            }
        };
        let conn = db::connect(&url).await.expect("connecting");
        db::migrate(&conn).await.expect("migrating");
        let state = AppState::new(conn, config).expect("opening the media store");
        TestApp { router: server::app(state.clone()), state, kind, _dir: std::sync::Arc::new(dir), pg }
    }

    /// The same database, with another configuration (e.g. tighter throttling).
    pub fn reconfigured(&self, change: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = (*self.state.config).clone();
        change(&mut config);
        let state = AppState::new(self.state.db.clone(), config).expect("opening the media store");
        TestApp { router: server::app(state.clone()), state, ..self.clone() }
    }

    /// The same app and database with another media store (an S3 bucket, for one).
    pub fn with_media(&self, media: server::media::MediaStore) -> TestApp {
        let state = AppState { media: std::sync::Arc::new(media), ..self.state.clone() };
        TestApp { router: server::app(state.clone()), state, ..self.clone() }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Closes the pool and drops a PostgreSQL test database.
    pub async fn finish(self) {
        if let Some((server, name)) = &self.pg {
            self.state.db.clone().close().await.ok();
            if let Ok(admin) = Database::connect(server).await {
                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
                admin.close().await.ok();
            }
        }
    }

    pub fn request(&self, method: Method, path: &str) -> Call<'_> {
        Call {
            app: self,
            method,
            path: path.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
            stream: None,
            peer: None,
        }
    }

    pub fn get(&self, path: &str) -> Call<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Call<'_> {
        self.request(Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> Call<'_> {
        self.request(Method::PATCH, path)
    }

    pub fn put(&self, path: &str) -> Call<'_> {
        self.request(Method::PUT, path)
    }

    /// Creates an account (with this password, if any).
    pub async fn create_user(&self, email: &str, role: Role, password: Option<&str>) -> User {
        let draft = UserDraft::parse(NewUser {
            email: email.into(),
            name: format!("{} Person", role.label()),
            role,
            password: password.map(Into::into),
            ..Default::default()
        })
        .expect("valid test user");
        users::create(self.db(), &self.state.hasher, draft).await.expect("creating a test user")
    }

    /// Makes every version published so far look published 400 days ago: a test that
    /// sends records from the past (a phone offline for a while, a streak of days) needs
    /// modules that existed then, or the records are refused (`absurd_time`).
    pub async fn published_long_ago(&self) {
        use sea_orm::{EntityTrait, sea_query::Expr};
        use server::db::entities::module_version;
        let long_ago = server::db::now() - chrono::TimeDelta::days(400);
        module_version::Entity::update_many()
            .col_expr(module_version::Column::PublishedAt, Expr::value(long_ago))
            .exec(self.db())
            .await
            .expect("backdating versions");
    }

    /// A signed-in session for a new account with this role (made directly, not through
    /// the sign-in route, which has tests of its own).
    pub async fn signed_in(&self, role: Role) -> Session {
        let email = format!("{}-{}@primer.test", role.as_str(), uuid::Uuid::new_v4().simple());
        let user = self.create_user(&email, role, None).await;
        self.session_for(user).await
    }

    /// A new session for an existing account.
    pub async fn session_for(&self, user: User) -> Session {
        let s = session::start(self.db(), user.id, self.state.config.session_ttl, None, None).await.expect("session");
        Session { cookie: format!("{}={}", session::COOKIE_NAME, s.token), user }
    }
}

/// A signed-in person: their account and the cookie to send.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub user: User,
}

/// A request being built.
pub struct Call<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// A body that arrives in pieces (and may break off), instead of `body`.
    stream: Option<Body>,
    peer: Option<IpAddr>,
}

impl Call<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn session(self, session: &Session) -> Self {
        let cookie = session.cookie.clone();
        self.header("cookie", &cookie)
    }

    /// A body as it is, with whatever content type the test sets.
    pub fn raw(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// A body that arrives as it comes (a client's upload, cut off or not).
    pub fn streamed(mut self, body: Body) -> Self {
        self.stream = Some(body);
        self
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.body = serde_json::to_vec(body).unwrap();
        self.header("content-type", "application/json")
    }

    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        let encoded: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", app::api::validate::url_encode(k), app::api::validate::url_encode(v)))
            .collect();
        self.body = encoded.join("&").into_bytes();
        self.header("content-type", "application/x-www-form-urlencoded")
    }

    /// As a browser navigating to a page.
    pub fn html(self) -> Self {
        self.header("accept", "text/html,application/xhtml+xml")
    }

    /// The address the request comes from (the socket's peer).
    pub fn peer(mut self, ip: &str) -> Self {
        self.peer = Some(ip.parse().unwrap());
        self
    }

    pub async fn send(self) -> Reply {
        let mut builder = Request::builder().method(self.method).uri(&self.path).header(header::HOST, "primer.test");
        for (k, v) in &self.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(ip) = self.peer {
            builder = builder.extension(ConnectInfo(SocketAddr::new(ip, 40000)));
        }
        let request = builder.body(self.stream.unwrap_or_else(|| Body::from(self.body))).unwrap();
        let response = self.app.router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
        Reply { status, headers, body }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    pub fn value(&self) -> Value {
        self.json()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error code of an error response, if it is one.
    pub fn error_code(&self) -> Option<String> {
        serde_json::from_slice::<Value>(&self.body).ok().and_then(|v| v["error"]["code"].as_str().map(str::to_string))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    /// The `Set-Cookie` header for a cookie name.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// The session cookie to send back (`primer_session=...`), from `Set-Cookie`.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookie(session::COOKIE_NAME).map(|c| c.split(';').next().unwrap().to_string())
    }

    /// Asserts the status (showing the body when it differs).
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(self.status.as_u16(), expected, "body: {}", self.text());
        self
    }

    /// Asserts an error response's status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(self.error_code().as_deref(), Some(code), "body: {}", self.text());
        assert!(self.value()["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "a human message");
        self
    }
}

#[test]
fn database_urls_keep_server_and_options() {
    assert_eq!(database_url("postgres://pg@127.0.0.1:5432/postgres", "t1"), "postgres://pg@127.0.0.1:5432/t1");
    assert_eq!(database_url("postgres://pg@h/postgres?sslmode=disable", "t1"), "postgres://pg@h/t1?sslmode=disable");
    assert_eq!(database_url("postgres://pg@h:5432", "t1"), "postgres://pg@h:5432/t1");
}
