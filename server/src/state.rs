//! What every request handler can reach: the database, the configuration, the media
//! store, the password hasher and the job runner's wake-up. Domains take the parts they
//! use; only handlers (and the extractors that admit a person) take the whole state.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::{
    auth::password::Hasher,
    config::Config,
    jobs,
    media::{MediaStore, store::StoreError},
    messages::Mailer,
};

/// Why the app can't start with its configuration.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Mail(String),
}

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub media: Arc<MediaStore>,
    /// Hashes and checks passwords, a bounded number at once.
    pub hasher: Hasher,
    pub leptos_options: LeptosOptions,
    /// Wakes this server's job runner when a request enqueues work.
    pub jobs: jobs::Wake,
    /// Sends email; `None` when no mail server is configured.
    pub mail: Option<Arc<Mailer>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// The state for a database and a configuration; fails if the media store can't be
    /// opened or the mail settings are wrong.
    pub fn new(db: DatabaseConnection, config: Config) -> Result<AppState, SetupError> {
        let leptos_options = LeptosOptions::builder()
            .output_name("primer")
            .site_root(config.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .env(leptos::prelude::Env::PROD)
            .build();
        let media = Arc::new(MediaStore::open(&config.media, &config.data_dir)?);
        let hasher = Hasher::new(config.password_checks);
        let mail = config.mail.as_ref().map(Mailer::new).transpose().map_err(SetupError::Mail)?.map(Arc::new);
        Ok(AppState { db, config: Arc::new(config), media, hasher, leptos_options, jobs: jobs::Wake::default(), mail })
    }
}
