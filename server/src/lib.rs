//! Primer's server: the HTTP API, the server-rendered pages, accounts and sessions, and
//! the database. `primer` (src/main.rs) is the command line around it.

#![recursion_limit = "256"]

pub mod accounts;
pub mod app;
pub mod auth;
pub mod boosters;
pub mod certifications;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod import;
pub mod jobs;
pub mod media;
pub mod messages;
pub mod modules;
pub mod offline;
pub mod openapi;
pub mod practice;
pub mod projection;
pub mod reads;
pub mod recognition;
pub mod reminders;
pub mod reports;
pub mod state;
pub mod sync;
pub mod telemetry;
pub mod uploads;
pub mod web;

pub use app::app;
pub use state::AppState;
