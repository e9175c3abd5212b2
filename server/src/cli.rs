//! The `primer` subcommands other than `serve`: accounts from the command line or a CSV
//! file, and backups.

use std::{io::BufRead, path::Path};

use anyhow::{Context, bail};
use app::api::{NewUser, Role, UserPatch};
use chrono::NaiveDate;
use clap::Args;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Deserialize;

use crate::{
    accounts::{
        teams,
        users::{self, UserDraft},
    },
    auth::reset,
    db::entities::user,
    error::ApiError,
};

/// `primer user add`.
#[derive(Args, Debug)]
pub struct UserAddArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Team the person belongs to (created if it doesn't exist).
    #[arg(long)]
    pub team: Option<String>,
    /// Job role content is assigned by, e.g. "Account Executive".
    #[arg(long)]
    pub job_role: Option<String>,
    /// A team this manager is responsible for; repeat for several.
    #[arg(long = "manages")]
    pub manages: Vec<String>,
    /// First day (YYYY-MM-DD); onboarding tiers count from here.
    #[arg(long)]
    pub start_date: Option<NaiveDate>,
    /// IANA time zone, e.g. Europe/Berlin.
    #[arg(long, default_value = "UTC")]
    pub time_zone: String,
    /// Read the password from the first line of standard input (never from the command
    /// line, where other users and shell history could see it). Without it, a one-time
    /// link to set one is printed instead.
    #[arg(long)]
    pub password_stdin: bool,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

/// Resolves team names to ids, creating missing teams.
async fn team_ids(db: &impl sea_orm::ConnectionTrait, names: &[String]) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::new();
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        ids.push(teams::find_or_create(db, name).await?.id);
    }
    Ok(ids)
}

/// `primer user add`: creates one account.
pub async fn user_add(
    db: &DatabaseConnection,
    args: UserAddArgs,
    base_url: &str,
    link_ttl: std::time::Duration,
) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            bail!("--password-stdin was given but standard input was empty");
        }
        Some(line)
    } else {
        None
    };
    let txn = crate::db::begin_write(db).await?;
    let team_id = team_ids(&txn, args.team.as_slice()).await?.first().copied();
    let manages = team_ids(&txn, &args.manages).await?;
    let draft = UserDraft::parse(NewUser {
        email: args.email,
        name: args.name,
        role: args.role,
        job_role: args.job_role,
        team_id,
        manages,
        start_date: args.start_date,
        time_zone: Some(args.time_zone),
        password,
    })
    .map_err(describe)?;
    let password_hash = match &draft.password {
        // A command of its own: one hash, nobody else's to wait for.
        Some(p) => Some(crate::auth::password::Hasher::new(1).hash(p.clone()).await?),
        None => None,
    };
    let account = users::insert(&txn, &draft, password_hash).await.map_err(describe)?;
    let link = if account.password_hash.is_none() {
        Some(reset::create_link(&txn, base_url, link_ttl, account.id, None).await?)
    } else {
        None
    };
    txn.commit().await?;
    println!("Created {} <{}> as {} (id {}).", account.name, account.email, account.role, account.id);
    if let Some(link) = link {
        println!(
            "One-time link to set a password (until {}):\n{}",
            link.expires_at.format("%Y-%m-%d %H:%M UTC"),
            link.url
        );
    }
    Ok(())
}

/// One row of a user import file.
#[derive(Debug, Deserialize)]
struct ImportRow {
    email: String,
    name: String,
    role: String,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    job_role: Option<String>,
    /// Team names separated by `;`.
    #[serde(default)]
    manages: Option<String>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    /// (email, one-time link) for each new account.
    pub links: Vec<(String, String)>,
}

/// `primer user import FILE.csv`: creates or updates (by email) every account in the
/// file, all or nothing. Columns: `email,name,role,team,job_role,manages,start_date,
/// time_zone` (`manages` holds team names separated by `;`). Every row is checked first;
/// any error is reported with its line and nothing is written.
pub async fn user_import(
    db: &DatabaseConnection,
    file: &Path,
    base_url: &str,
    link_ttl: std::time::Duration,
) -> anyhow::Result<ImportReport> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(file)
        .with_context(|| format!("opening {}", file.display()))?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, record) in reader.deserialize::<ImportRow>().enumerate() {
        let line = index + 2; // the header is line 1
        match record {
            Ok(row) => match check_row(&row) {
                Ok(()) => rows.push((line, row)),
                Err(e) => problems.push(format!("line {line}: {e}")),
            },
            Err(e) => problems.push(format!("line {line}: {e}")),
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (line, row) in &rows {
        if !seen.insert(row.email.trim().to_lowercase()) {
            problems.push(format!("line {line}: {} appears more than once", row.email.trim()));
        }
    }
    if !problems.is_empty() {
        bail!("nothing was imported; fix these and run again:\n  {}", problems.join("\n  "));
    }

    let txn = crate::db::begin_write(db).await?;
    let mut report = ImportReport::default();
    for (line, row) in rows {
        let at = |e: ApiError| anyhow::anyhow!("nothing was imported; line {line}: {e}");
        let team_id = team_ids(&txn, row.team.as_slice()).await.map_err(at)?.first().copied();
        let manages_names: Vec<String> =
            row.manages.as_deref().unwrap_or("").split(';').map(|s| s.trim().to_string()).collect();
        let manages = team_ids(&txn, &manages_names).await.map_err(at)?;
        let role: Role = row.role.parse().map_err(|e: String| anyhow::anyhow!("line {line}: {e}"))?;
        let start_date = parse_date(row.start_date.as_deref()).map_err(|e| anyhow::anyhow!("line {line}: {e}"))?;
        let email = row.email.trim().to_lowercase();
        let existing = user::Entity::find().filter(user::Column::Email.eq(&email)).one(&txn).await?;
        match existing {
            Some(account) => {
                let patch = UserPatch {
                    name: Some(row.name),
                    role: Some(role),
                    job_role: Some(row.job_role),
                    team_id: Some(team_id),
                    manages: Some(manages),
                    start_date: Some(start_date),
                    time_zone: row.time_zone.filter(|t| !t.is_empty()),
                    ..Default::default()
                };
                users::update(&txn, account.id, patch, None).await.map_err(at)?;
                report.updated += 1;
            }
            None => {
                let draft = UserDraft::parse(NewUser {
                    email,
                    name: row.name,
                    role,
                    job_role: row.job_role,
                    team_id,
                    manages,
                    start_date,
                    time_zone: row.time_zone.filter(|t| !t.is_empty()),
                    password: None,
                })
                .map_err(at)?;
                let account = users::insert(&txn, &draft, None).await.map_err(at)?;
                let link = reset::create_link(&txn, base_url, link_ttl, account.id, None).await?;
                report.links.push((account.email, link.url));
                report.created += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(report)
}

fn parse_date(s: Option<&str>) -> Result<Option<NaiveDate>, String> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| format!("start_date {s:?} is not a date like 2026-03-01")),
    }
}

/// The checks that need no database, so every bad row is reported at once.
fn check_row(row: &ImportRow) -> Result<(), String> {
    app::api::validate::Email::parse(&row.email).map_err(|e| e.message)?;
    app::api::validate::display_name(&row.name).map_err(|e| e.message)?;
    let role: Role = row.role.parse()?;
    parse_date(row.start_date.as_deref())?;
    if let Some(tz) = row.time_zone.as_deref().filter(|t| !t.is_empty()) {
        crate::accounts::parse_time_zone(tz).map_err(|e| e.message)?;
    }
    if role != Role::Manager && row.manages.as_deref().is_some_and(|m| !m.trim().is_empty()) {
        return Err("only managers can have teams in `manages`".into());
    }
    Ok(())
}

/// Turns an API error into a message for the terminal.
fn describe(e: ApiError) -> anyhow::Error {
    match &e {
        ApiError::Invalid(f) => anyhow::anyhow!("{}: {}", f.field, f.message),
        _ => anyhow::anyhow!("{e}"),
    }
}
