//! `primer`: serve Primer, migrate its database, manage accounts, back up, load demo data.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::Context;
use axum::serve::ListenerExt;
use clap::{Parser, Subcommand};
use server::{
    AppState, app,
    cli::{self, UserAddArgs},
    config::{Config, ServeArgs, StorageArgs},
    db, demo, import, telemetry,
};

#[derive(Parser, Debug)]
#[command(name = "primer", version, about = "Primer: microlearning for people in the field")]
struct Cli {
    #[command(flatten)]
    storage: StorageArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve Primer (applies pending migrations first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Write a consistent copy of the (live) SQLite database to PATH.
    Backup {
        /// Where to write the copy; must not exist yet.
        path: PathBuf,
    },
    /// Load a folder of modules (Markdown with front matter, plus media and an optional
    /// primer.toml of paths and assignments). Safe to run again: only changes publish.
    Import {
        /// The folder.
        dir: PathBuf,
    },
    /// Recompute everyone's progress from their learning records alone (safe while
    /// servers run: one learner at a time).
    Rebuild,
    /// Load demo people, teams and a small catalog (safe to run again; existing ones are
    /// kept).
    Demo,
    /// Manage stored media.
    #[command(subcommand)]
    Media(MediaCommand),
    /// Reminders and escalation.
    #[command(subcommand)]
    Reminders(RemindersCommand),
}

#[derive(Subcommand, Debug)]
enum RemindersCommand {
    /// Print what would be sent at a time, to whom and why, without sending or writing
    /// anything (check a cadence before turning mail on).
    Preview {
        /// The moment, RFC 3339: `2027-01-10T09:00:00Z`.
        #[arg(long)]
        at: chrono::DateTime<chrono::Utc>,
        #[command(flatten)]
        cadence: server::config::ReminderArgs,
    },
}

#[derive(Subcommand, Debug)]
enum MediaCommand {
    /// Make the renditions for phones that videos lack (older uploads, failed attempts).
    /// Only fills gaps; safe to run again. Running servers do the work, unless --wait.
    Reprocess {
        /// Do the work here and return when it is done.
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add an account.
    Add(UserAddArgs),
    /// Create or update accounts from a CSV file (all or nothing). Columns:
    /// email,name,role,team,job_role,manages,start_date,time_zone
    Import {
        /// The CSV file.
        file: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(match cli.command {
        Command::Serve(_) => telemetry::SERVER_LOG,
        _ => telemetry::COMMAND_LOG,
    });
    let url = cli.storage.database_url().context("creating the data directory")?;
    let connection =
        db::connect(&url).await.with_context(|| format!("connecting to the database ({})", redact(&url)))?;
    db::migrate(&connection).await.context("migrating the database")?;
    let base_url = cli
        .storage
        .public_origin()
        .map_err(anyhow::Error::msg)?
        .map(|o| o.origin)
        .unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let link_ttl = Config::default().reset_link_ttl;

    match cli.command {
        Command::Serve(args) => serve(connection, &cli.storage, *args).await,
        Command::Migrate => {
            println!("Database is up to date.");
            Ok(())
        }
        Command::User(UserCommand::Add(args)) => cli::user_add(&connection, args, &base_url, link_ttl).await,
        Command::User(UserCommand::Import { file }) => {
            let report = cli::user_import(&connection, &file, &base_url, link_ttl).await?;
            eprintln!("Imported: {} created, {} updated.", report.created, report.updated);
            if !report.links.is_empty() {
                eprintln!("One-time links for the new accounts to set a password:");
                println!("email,link");
                for (email, link) in report.links {
                    println!("{email},{link}");
                }
            }
            Ok(())
        }
        Command::Rebuild => {
            let (learners, rows) = server::sync::rebuild(&connection).await.context("rebuilding progress")?;
            println!(
                "Rebuilt progress from the learning records: {learners} learner(s), {rows} module progress row(s)."
            );
            Ok(())
        }
        Command::Backup { path } => {
            db::backup(&connection, &path).await?;
            println!("Backed up to {}", path.display());
            Ok(())
        }
        Command::Import { dir } => {
            let state = cli_state(connection, &cli.storage)?;
            let report = import::import_dir(&state, &dir, None).await?;
            println!(
                "Imported {}: {} module(s) created, {} updated (new version), {} unchanged; {} media file(s) stored; {} path(s), {} assignment(s), {} certification(s).",
                dir.display(),
                report.modules_created,
                report.modules_updated,
                report.modules_unchanged,
                report.media_stored,
                report.paths,
                report.assignments,
                report.certifications
            );
            Ok(())
        }
        Command::Media(MediaCommand::Reprocess { wait }) => {
            let done = server::media::renditions::reprocess(&connection).await?;
            println!(
                "Renditions: {} video(s) asked for, {} failed one(s) queued again, {} ready already.",
                done.asked, done.retried, done.ready
            );
            if wait {
                let state = cli_state(connection, &cli.storage)?;
                let work = server::jobs::runner::Work::of(&state);
                let config = server::jobs::RunnerConfig {
                    kinds: vec![server::jobs::Kind::Renditions],
                    ..server::jobs::RunnerConfig::default()
                };
                let ran = server::jobs::Runner::new(work, config, state.jobs.clone()).drain().await?;
                println!("Ran {ran} attempt(s); `primer media reprocess` again shows what is left.");
            }
            Ok(())
        }
        Command::Reminders(RemindersCommand::Preview { at, cadence }) => {
            let cadence = cadence.cadence().map_err(anyhow::Error::msg)?;
            let planned = server::reminders::plan::plan(&connection, &cadence, at).await?;
            if planned.is_empty() {
                println!("Nothing is due at {at}.");
            }
            for p in &planned {
                print!("{}", server::reminders::describe(p));
            }
            Ok(())
        }
        Command::Demo => {
            let report = demo::load(&connection).await?;
            println!(
                "Demo data: {} account(s) created, {} already there.",
                report.created.len(),
                report.existing.len()
            );
            let state = cli_state(connection, &cli.storage)?;
            match demo::load_content(&state).await? {
                Some(content) => println!(
                    "Demo catalog: {} modules, {} learning paths, {} assignments, {} certification(s).",
                    content.modules_created + content.modules_updated + content.modules_unchanged,
                    content.paths,
                    content.assignments,
                    content.certifications
                ),
                None => println!("Demo catalog: already there."),
            }
            println!("Sign in with any of these (password: {}):", demo::DEMO_PASSWORD);
            for (email, _, role, ..) in demo::PEOPLE.iter().take(4) {
                println!("  {:<8} {email}", role.as_str());
            }
            Ok(())
        }
    }
}

/// The app state for one-off commands (no server: default limits, the configured store).
fn cli_state(db: sea_orm::DatabaseConnection, storage: &StorageArgs) -> anyhow::Result<AppState> {
    let config = Config {
        data_dir: storage.data_dir.clone(),
        media: storage.media(),
        public_origin: storage.public_origin().map_err(anyhow::Error::msg)?,
        ..Config::default()
    };
    Ok(AppState::new(db, config)?)
}

async fn serve(db: sea_orm::DatabaseConnection, storage: &StorageArgs, args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::new(storage, &args).map_err(anyhow::Error::msg)?;
    if !config.site_root.join("pkg/primer.js").exists() {
        tracing::warn!(site_root = %config.site_root.display(), "the site is not built: pages will have no styles or scripts (run `make build`)");
    }
    server::auth::password::warm_up();
    let state = AppState::new(db, config)?;
    let work = server::jobs::runner::Work::of(&state);
    tokio::spawn(server::jobs::Runner::new(work, state.config.jobs.clone(), state.jobs.clone()).run());

    let listener =
        tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("listening on {}", args.bind))?;
    // Without TCP_NODELAY, a response written as headers then a small body waits for the
    // client's delayed ACK (~40 ms) on a kept-alive connection: measured by `make bench`
    // as 30 ms per small media range before this.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "could not set TCP_NODELAY");
        }
    });
    let shown = match args.bind.ip().is_unspecified() {
        true => format!("http://127.0.0.1:{}", args.bind.port()),
        false => format!("http://{}", args.bind),
    };
    println!("Primer is running at {shown}  (Ctrl+C stops it)");
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
