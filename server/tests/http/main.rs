//! HTTP-level tests: the real application against real databases (SQLite and
//! PostgreSQL), one fresh database per test.

mod fixtures;
mod support;

mod accounts;
mod auth;
mod boosters;
mod certifications;
mod cli;
mod database;
mod hostile;
mod import;
mod jobs;
mod jobs_servers;
mod mail;
mod media;
mod media_s3;
mod modules;
mod pages;
mod practice;
mod recognition;
mod reminders;
mod renditions;
mod reports;
mod role_matrix;
mod sync;
mod sync_crash;
mod sync_faults;
mod sync_history;
mod trust;
mod uploads;
mod wire;
mod xapi;
