//! Runtime configuration: command-line flags, each with a `PRIMER_*` environment
//! variable, turned into a checked [`Config`].

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;
use ipnet::IpNet;

use crate::{
    auth::password::Hasher,
    jobs::{Kind, RunnerConfig},
    messages::MailConfig,
};

/// Where the data lives; shared by every command.
#[derive(Args, Debug, Clone)]
pub struct StorageArgs {
    /// Directory for the SQLite database and, later, uploaded media.
    #[arg(long, env = "PRIMER_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST/DB`.
    /// Defaults to a SQLite file in the data directory.
    #[arg(long, env = "PRIMER_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// The address people use to reach Primer, e.g. `https://primer.example.com`. Used for
    /// links, the cross-site check and `Secure` cookies (when it is https).
    #[arg(long, env = "PRIMER_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Where uploaded media is kept: empty for a directory under the data directory, or an
    /// `s3://BUCKET[/PREFIX]` URL (credentials and region from the usual `AWS_*` variables;
    /// `AWS_ENDPOINT_URL` for S3-compatible stores).
    #[arg(long, env = "PRIMER_MEDIA_STORE", global = true)]
    pub media_store: Option<String>,

    /// Largest video upload, in bytes (default 1 GiB).
    #[arg(long, env = "PRIMER_MAX_VIDEO_BYTES", default_value_t = 1 << 30, global = true)]
    pub max_video_bytes: u64,

    /// Largest image upload, in bytes (default 10 MiB).
    #[arg(long, env = "PRIMER_MAX_IMAGE_BYTES", default_value_t = 10 << 20, global = true)]
    pub max_image_bytes: u64,

    /// Largest captions (WebVTT) upload, in bytes (default 1 MiB).
    #[arg(long, env = "PRIMER_MAX_CAPTIONS_BYTES", default_value_t = 1 << 20, global = true)]
    pub max_captions_bytes: u64,

    /// What one person's practice takes (their recorded pitches) may take up in all, in
    /// bytes (default 2 GiB).
    #[arg(long, env = "PRIMER_TAKES_QUOTA_BYTES", default_value_t = 2 << 30, global = true)]
    pub takes_quota_bytes: u64,

    /// Delete an uploaded video's own file once its renditions for phones are ready, to
    /// save space (authors then have the renditions only). Default: originals are kept.
    #[arg(long, env = "PRIMER_DROP_ORIGINALS", default_value_t = false, global = true)]
    pub drop_originals: bool,
}

impl StorageArgs {
    /// The database URL to use, creating the data directory for the default SQLite file.
    pub fn database_url(&self) -> std::io::Result<String> {
        match &self.database_url {
            Some(url) => Ok(url.clone()),
            None => {
                std::fs::create_dir_all(&self.data_dir)?;
                Ok(format!("sqlite://{}?mode=rwc", self.data_dir.join("primer.db").display()))
            }
        }
    }

    /// The media settings.
    pub fn media(&self) -> MediaConfig {
        MediaConfig {
            store_url: self.media_store.clone().filter(|s| !s.trim().is_empty()),
            limits: MediaLimits {
                video: self.max_video_bytes,
                image: self.max_image_bytes,
                captions: self.max_captions_bytes,
                takes_per_person: self.takes_quota_bytes,
            },
            drop_originals: self.drop_originals,
        }
    }

    /// `PRIMER_PUBLIC_URL`, checked and reduced to an origin.
    pub fn public_origin(&self) -> Result<Option<Origin>, String> {
        self.public_url.as_deref().map(Origin::parse).transpose()
    }
}

/// Settings of `primer serve`.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PRIMER_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Directory of the built site (JS, wasm, CSS, icons).
    #[arg(long, env = "PRIMER_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Proxies whose `X-Forwarded-For` is believed, as addresses or CIDR ranges,
    /// comma-separated (e.g. `10.0.0.0/8,127.0.0.1`). Empty: the peer address is the client.
    #[arg(long, env = "PRIMER_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<IpNet>,

    /// Failed sign-ins allowed per account from one client address within the window.
    /// (Counted per account alone before, which let anyone lock anyone out.)
    #[arg(long, env = "PRIMER_LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS", default_value_t = 10)]
    pub login_max_failures_per_account_and_address: u32,

    /// Failed sign-ins allowed per client address within the window.
    #[arg(long, env = "PRIMER_LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 50)]
    pub login_max_failures_per_address: u32,

    /// Past this many failed sign-ins on an account (from every address) within the
    /// window, each further attempt waits first: 1 s, doubling, at most 5 s.
    #[arg(long, env = "PRIMER_LOGIN_SLOW_DOWN_AFTER", default_value_t = 10)]
    pub login_slow_down_after: u32,

    /// Sync requests one person may send per minute; beyond it 429 `rate_limited` (the
    /// phone keeps the records and sends them after `Retry-After`).
    #[arg(long, env = "PRIMER_SYNC_MAX_BATCHES_PER_MINUTE", default_value_t = 20)]
    pub sync_max_batches_per_minute: u32,

    /// Learning records one person may send per minute.
    #[arg(long, env = "PRIMER_SYNC_MAX_RECORDS_PER_MINUTE", default_value_t = 10_000)]
    pub sync_max_records_per_minute: u32,

    /// Passwords hashed or checked at once (sign-in, password changes, one-time links);
    /// beyond it requests get 429 `busy`. Each takes ~19 MiB while it runs. Default: two
    /// per core.
    #[arg(long, env = "PRIMER_MAX_PASSWORD_CHECKS")]
    pub max_password_checks: Option<usize>,

    /// The sign-in throttling window, in minutes.
    #[arg(long, env = "PRIMER_LOGIN_WINDOW_MINUTES", default_value_t = 15)]
    pub login_window_minutes: u32,

    /// How long a session lasts without being used, in days. Field staff work offline
    /// for days, so this is generous.
    #[arg(long, env = "PRIMER_SESSION_DAYS", default_value_t = 30)]
    pub session_days: u32,

    /// How long a one-time password link stays valid, in hours.
    #[arg(long, env = "PRIMER_RESET_LINK_HOURS", default_value_t = 72)]
    pub reset_link_hours: u32,

    /// Background jobs (such as making videos' renditions) this server runs at once;
    /// 0: none (it only serves). Default: one per core.
    #[arg(long, env = "PRIMER_JOB_WORKERS")]
    pub job_workers: Option<usize>,

    /// How long a server holds a job without renewing its claim (every 2 s while it
    /// runs): a server that dies leaves its jobs to others after this long.
    #[arg(long, env = "PRIMER_JOB_LEASE_SECONDS", default_value_t = 60)]
    pub job_lease_seconds: u64,

    /// How much lower than serving background tools (ffmpeg) run, 0–19.
    #[arg(long, env = "PRIMER_JOB_NICE", default_value_t = 10)]
    pub job_nice: i32,

    #[command(flatten)]
    pub mail: MailArgs,

    #[command(flatten)]
    pub reminders: ReminderArgs,
}

/// When reminders go (with email configured).
#[derive(Args, Debug, Clone)]
pub struct ReminderArgs {
    /// Days before a required item's due date a reminder goes (the nearest reached),
    /// comma-separated; empty: none before.
    #[arg(long, env = "PRIMER_REMINDER_BEFORE_DAYS", default_value = "2")]
    pub reminder_before_days: String,

    /// Days overdue on which a reminder goes, comma-separated (the person's managers are
    /// copied from their second reminder about an item).
    #[arg(long, env = "PRIMER_REMINDER_OVERDUE_DAYS", default_value = "1,4,7,14,30")]
    pub reminder_overdue_days: String,

    /// Days before a certificate expires a reminder goes (the nearest reached),
    /// comma-separated; another goes on the day it expires.
    #[arg(long, env = "PRIMER_REMINDER_EXPIRY_DAYS", default_value = "30,7")]
    pub reminder_expiry_days: String,

    /// The hour (0–23, each person's own time zone) from which a day's reminders go.
    #[arg(long, env = "PRIMER_REMINDER_HOUR", default_value_t = 9)]
    pub reminder_hour: u32,
}

impl ReminderArgs {
    pub fn cadence(&self) -> Result<crate::reminders::Cadence, String> {
        crate::reminders::Cadence::parse(
            &self.reminder_before_days,
            &self.reminder_overdue_days,
            &self.reminder_expiry_days,
            self.reminder_hour,
        )
    }
}

/// How Primer sends email. Without `PRIMER_SMTP_URL` it sends none: one-time links are
/// shown to the admin who makes them, to hand over.
#[derive(Args, Debug, Clone, Default)]
pub struct MailArgs {
    /// The mail server, in lettre's form: `smtps://USER:PASS@HOST:465` (TLS),
    /// `smtp://USER:PASS@HOST:587?tls=required` (STARTTLS), or `smtp://HOST:25` for a
    /// relay on the same network (no TLS, no credentials). Needs PRIMER_PUBLIC_URL and
    /// PRIMER_MAIL_FROM.
    #[arg(long, env = "PRIMER_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of Primer's email, e.g. `Primer <primer@example.com>`.
    #[arg(long, env = "PRIMER_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// PEM certificates to trust for the mail server's TLS (a private CA), besides the
    /// system's.
    #[arg(long, env = "PRIMER_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,

    /// A PEM RSA private key (PKCS#1, `openssl genrsa -traditional`) to DKIM-sign email
    /// with, for the From address's domain; its public key is published at
    /// `SELECTOR._domainkey.DOMAIN`.
    #[arg(long, env = "PRIMER_DKIM_KEY")]
    pub dkim_key: Option<PathBuf>,

    /// The DKIM selector.
    #[arg(long, env = "PRIMER_DKIM_SELECTOR", default_value = "primer")]
    pub dkim_selector: String,
}

impl MailArgs {
    /// The mail settings, checked: `None` when no mail server is configured.
    pub fn config(&self, public_origin: Option<&Origin>) -> Result<Option<MailConfig>, String> {
        let Some(url) = self.smtp_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            if self.dkim_key.is_some() || self.smtp_ca_file.is_some() {
                return Err("PRIMER_DKIM_KEY and PRIMER_SMTP_CA_FILE need PRIMER_SMTP_URL".into());
            }
            return Ok(None);
        };
        if public_origin.is_none() {
            // Links in email are never built from a request's Host, which its sender chooses.
            return Err("PRIMER_SMTP_URL needs PRIMER_PUBLIC_URL: links in email point there".into());
        }
        let from = self.mail_from.as_deref().map(str::trim).filter(|f| !f.is_empty());
        let Some(from) = from else { return Err("PRIMER_SMTP_URL needs PRIMER_MAIL_FROM (the sender)".into()) };
        Ok(Some(MailConfig {
            url: url.to_owned(),
            from: from.to_owned(),
            ca_file: self.smtp_ca_file.clone(),
            dkim_key: self.dkim_key.clone(),
            dkim_selector: self.dkim_selector.clone(),
        }))
    }
}

fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{s:?} is not an IP address or CIDR range"))
}

/// A scheme, host and port: what a browser sends in `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `https://primer.example.com` (default ports left out, lower case).
    pub origin: String,
    pub https: bool,
}

impl Origin {
    pub fn parse(url: &str) -> Result<Origin, String> {
        let uri: http::Uri = url.trim().parse().map_err(|_| format!("{url:?} is not a URL"))?;
        let scheme = uri.scheme_str().ok_or_else(|| format!("{url:?} needs http:// or https://"))?;
        let https = match scheme {
            "https" => true,
            "http" => false,
            _ => return Err(format!("{url:?} must start with http:// or https://")),
        };
        let host = uri.host().ok_or_else(|| format!("{url:?} has no host"))?.to_ascii_lowercase();
        let port = match (uri.port_u16(), https) {
            (Some(443), true) | (Some(80), false) | (None, _) => String::new(),
            (Some(p), _) => format!(":{p}"),
        };
        if !matches!(uri.path(), "" | "/") {
            return Err(format!("{url:?}: Primer must be served at the root of its address, without a path"));
        }
        Ok(Origin { origin: format!("{scheme}://{host}{port}"), https })
    }
}

/// Upload size limits, per kind of media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaLimits {
    pub video: u64,
    pub image: u64,
    pub captions: u64,
    /// What one person's practice takes may take up in all, uploads in progress included.
    pub takes_per_person: u64,
}

impl Default for MediaLimits {
    fn default() -> Self {
        MediaLimits { video: 1 << 30, image: 10 << 20, captions: 1 << 20, takes_per_person: 2 << 30 }
    }
}

/// Where media is stored, and how large it may be.
#[derive(Debug, Clone, Default)]
pub struct MediaConfig {
    /// `None`: a directory under the data directory. `s3://...`: a bucket.
    pub store_url: Option<String>,
    pub limits: MediaLimits,
    /// Delete a video's uploaded file once its renditions are ready (kept by default).
    pub drop_originals: bool,
}

/// Sign-in throttling limits (see `auth::throttle`).
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    /// Failures per account from one address.
    pub per_account_address: u32,
    /// Failures per address, whatever the account.
    pub per_address: u32,
    /// Failures per account from everywhere past which each attempt waits.
    pub slow_after: u32,
    pub window: Duration,
}

/// How much one person may sync per minute.
#[derive(Debug, Clone, Copy)]
pub struct SyncRate {
    pub batches: u32,
    pub records: u32,
}

/// Everything the running app needs to know, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The public origin, when configured.
    pub public_origin: Option<Origin>,
    /// Where links Primer hands out point (one-time sign-in links, xAPI identifiers): the
    /// public URL, or else the address `primer serve` listens on. Never a request's
    /// `Host`, which whoever sends the request chooses.
    pub link_base: String,
    pub trusted_proxies: Vec<IpNet>,
    pub throttle: ThrottleConfig,
    /// Passwords hashed or checked at once.
    pub password_checks: usize,
    pub sync_rate: SyncRate,
    pub session_ttl: Duration,
    pub reset_link_ttl: Duration,
    pub site_root: PathBuf,
    /// Data directory (SQLite file, local media store, temporary uploads).
    pub data_dir: PathBuf,
    pub media: MediaConfig,
    /// How this server runs background jobs.
    pub jobs: RunnerConfig,
    /// How this server sends email; `None`: it doesn't.
    pub mail: Option<MailConfig>,
    /// When reminders go.
    pub reminders: crate::reminders::Cadence,
}

impl Config {
    pub fn new(storage: &StorageArgs, serve: &ServeArgs) -> Result<Config, String> {
        let public_origin = storage.public_origin()?;
        let mail = serve.mail.config(public_origin.as_ref())?;
        Ok(Config {
            link_base: match &public_origin {
                Some(origin) => origin.origin.clone(),
                None => format!("http://{}", serve.bind),
            },
            public_origin,
            trusted_proxies: serve.trusted_proxies.clone(),
            throttle: ThrottleConfig {
                per_account_address: serve.login_max_failures_per_account_and_address.max(1),
                per_address: serve.login_max_failures_per_address.max(1),
                slow_after: serve.login_slow_down_after,
                window: Duration::from_secs(u64::from(serve.login_window_minutes.max(1)) * 60),
            },
            password_checks: serve.max_password_checks.unwrap_or_else(Hasher::default_at_once).max(1),
            sync_rate: SyncRate {
                batches: serve.sync_max_batches_per_minute.max(1),
                records: serve.sync_max_records_per_minute.max(1),
            },
            session_ttl: Duration::from_secs(u64::from(serve.session_days.max(1)) * 86_400),
            reset_link_ttl: Duration::from_secs(u64::from(serve.reset_link_hours.max(1)) * 3_600),
            site_root: serve.site_root.clone(),
            data_dir: storage.data_dir.clone(),
            media: storage.media(),
            jobs: {
                let defaults = RunnerConfig::default();
                RunnerConfig {
                    // A server without mail leaves messages to one with it.
                    kinds: defaults
                        .kinds
                        .iter()
                        .copied()
                        .filter(|k| !matches!(k, Kind::Message | Kind::Reminders) || mail.is_some())
                        .collect(),
                    workers: serve.job_workers.unwrap_or(defaults.workers),
                    nice: serve.job_nice.clamp(0, 19),
                    // Renewed every beat: a lease shorter than a few beats would be lost.
                    lease: Duration::from_secs(serve.job_lease_seconds).max(defaults.beat * 3),
                    ..defaults
                }
            },
            mail,
            reminders: serve.reminders.cadence()?,
        })
    }

    /// Cookies get `Secure` when Primer is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_origin.as_ref().is_some_and(|o| o.https)
    }
}

impl Default for Config {
    /// The defaults of `primer serve` with no flags and no environment.
    fn default() -> Self {
        Config {
            public_origin: None,
            link_base: "http://127.0.0.1:3000".into(),
            trusted_proxies: Vec::new(),
            throttle: ThrottleConfig {
                per_account_address: 10,
                per_address: 50,
                slow_after: 10,
                window: Duration::from_secs(15 * 60),
            },
            password_checks: Hasher::default_at_once(),
            sync_rate: SyncRate { batches: 20, records: 10_000 },
            session_ttl: Duration::from_secs(30 * 86_400),
            reset_link_ttl: Duration::from_secs(72 * 3_600),
            site_root: PathBuf::from("target/site"),
            data_dir: PathBuf::from("data"),
            media: MediaConfig::default(),
            jobs: RunnerConfig::default(),
            mail: None,
            reminders: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised() {
        assert_eq!(Origin::parse("https://Primer.Example.com/").unwrap().origin, "https://primer.example.com");
        assert_eq!(Origin::parse("https://x.io:443").unwrap().origin, "https://x.io");
        assert_eq!(Origin::parse("http://x.io:8080").unwrap().origin, "http://x.io:8080");
        assert!(Origin::parse("https://x.io").unwrap().https);
        assert!(Origin::parse("ftp://x.io").is_err());
        assert!(Origin::parse("x.io").is_err());
        assert!(Origin::parse("https://x.io/primer").is_err());
    }

    #[test]
    fn proxies_take_addresses_and_ranges() {
        assert_eq!(parse_net("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(parse_net(" 127.0.0.1 ").unwrap().to_string(), "127.0.0.1/32");
        assert!(parse_net("nope").is_err());
    }
}
