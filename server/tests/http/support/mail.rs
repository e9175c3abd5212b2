//! The SMTP server the email tests send to: aiosmtpd, started by scripts/with-smtp.sh
//! (`make test` does), which keeps each message it accepts as a file per recipient.

use std::{path::PathBuf, time::Duration};

use server::{
    config::{Config, Origin},
    messages::MailConfig,
};

use super::{Db, TestApp};

/// How Primer reaches the test server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No TLS, no credentials (a relay on the same network).
    Plain,
    /// STARTTLS required, then AUTH.
    StartTls,
    /// TLS from the first byte, then AUTH.
    Tls,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the tests through `make test`, which starts a real SMTP server \
             (scripts/with-smtp.sh)"
        )
    })
}

/// The public address links in test email point to.
pub const PUBLIC_URL: &str = "https://primer.test";

/// `PRIMER_SMTP_URL` and friends for the test server, trusting its CA.
pub fn config(mode: Mode) -> MailConfig {
    let ports: Vec<String> = env("PRIMER_TEST_SMTP").split_whitespace().map(str::to_owned).collect();
    let (user, pass) = (env("PRIMER_TEST_SMTP_USER"), env("PRIMER_TEST_SMTP_PASSWORD"));
    let url = match mode {
        Mode::Plain => format!("smtp://localhost:{}", ports[0]),
        Mode::StartTls => format!("smtp://{user}:{pass}@localhost:{}?tls=required", ports[1]),
        Mode::Tls => format!("smtps://{user}:{pass}@localhost:{}", ports[2]),
    };
    MailConfig {
        url,
        from: "Primer <primer@primer.test>".into(),
        ca_file: (mode != Mode::Plain).then(|| PathBuf::from(env("PRIMER_TEST_SMTP_CA"))),
        dkim_key: None,
        dkim_selector: "primer".into(),
    }
}

/// A Primer that sends email through the test server.
pub async fn app(kind: Db, mail: MailConfig) -> TestApp {
    let config = Config {
        public_origin: Some(Origin::parse(PUBLIC_URL).unwrap()),
        link_base: PUBLIC_URL.into(),
        mail: Some(mail),
        ..Config::default()
    };
    TestApp::new(kind, config).await
}

/// A message as the test server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// As it arrived, without the server's `X-Sink-*` lines.
    pub raw: Vec<u8>,
    /// It came over TLS.
    pub tls: bool,
    /// Who authenticated (empty: nobody).
    pub auth: String,
    pub subject: String,
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first `https://primer.test/...` link in the plain text.
    pub fn link(&self) -> String {
        let start = self.text.find(PUBLIC_URL).expect("a link in the message");
        self.text[start..].split_whitespace().next().unwrap().to_owned()
    }
}

fn read(path: &std::path::Path) -> Received {
    let file = std::fs::read(path).unwrap();
    let mut tls = false;
    let mut auth = String::new();
    let mut rest = &file[..];
    while rest.starts_with(b"X-Sink-") {
        let end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let line = String::from_utf8_lossy(&rest[..end]).into_owned();
        if let Some(v) = line.strip_prefix("X-Sink-Tls: ") {
            tls = v == "yes";
        }
        if let Some(v) = line.strip_prefix("X-Sink-Auth: ") {
            auth = v.trim().to_owned();
        }
        rest = &rest[end + 2..];
    }
    let parsed = mailparse::parse_mail(rest).expect("a message the server accepted parses");
    let headers = parsed.headers.iter().map(|h| (h.get_key(), h.get_value())).collect::<Vec<_>>();
    let subject = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("subject")).map(|(_, v)| v.clone());
    let part = |mime: &str| {
        parsed.subparts.iter().find(|p| p.ctype.mimetype == mime).map(|p| p.get_body().unwrap()).unwrap_or_default()
    };
    Received {
        raw: rest.to_vec(),
        tls,
        auth,
        subject: subject.unwrap_or_default(),
        text: part("text/plain"),
        html: part("text/html"),
        headers,
    }
}

/// What the test server has received for `address` so far, oldest first.
pub fn inbox(address: &str) -> Vec<Received> {
    let dir = PathBuf::from(env("PRIMER_TEST_SMTP_DIR")).join(address.to_lowercase());
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files.iter().map(|p| read(p)).collect()
}

/// Waits (up to 10 s) until `address` has `count` messages, and returns them. The mail
/// server writes a message before it answers Primer, so after a job has run this returns
/// at once; the wait is for what runs in the background.
pub async fn wait_for(address: &str, count: usize) -> Vec<Received> {
    for _ in 0..100 {
        let got = inbox(address);
        if got.len() >= count {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{address} received {} message(s), not {count}", inbox(address).len());
}

/// A fresh address for one test.
pub fn address(name: &str) -> String {
    format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple())
}
