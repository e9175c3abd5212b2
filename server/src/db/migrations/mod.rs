//! Schema migrations, applied in order at start-up (and by `primer migrate`). Never edit
//! a migration that has shipped; add a new one.

use sea_orm_migration::prelude::*;

mod m20261123_000001_accounts;
mod m20261123_000002_authoring;
mod m20261123_000003_learning;
mod m20261123_000004_progress;
mod m20261123_000005_readiness;
mod m20261201_000006_trust;
mod m20261201_000007_journeys;
mod m20261202_000008_evidence;
mod m20261202_000009_jobs;
mod m20261202_000010_renditions;
mod m20261203_000011_practice;
mod m20261204_000012_featured_takes;
mod m20261204_000013_messages;
mod m20261204_000014_reminders;

/// The list of every migration Primer has.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_accounts::Migration),
            Box::new(m20261123_000002_authoring::Migration),
            Box::new(m20261123_000003_learning::Migration),
            Box::new(m20261123_000004_progress::Migration),
            Box::new(m20261123_000005_readiness::Migration),
            Box::new(m20261201_000006_trust::Migration),
            Box::new(m20261201_000007_journeys::Migration),
            Box::new(m20261202_000008_evidence::Migration),
            Box::new(m20261202_000009_jobs::Migration),
            Box::new(m20261202_000010_renditions::Migration),
            Box::new(m20261203_000011_practice::Migration),
            Box::new(m20261204_000012_featured_takes::Migration),
            Box::new(m20261204_000013_messages::Migration),
            Box::new(m20261204_000014_reminders::Migration),
        ]
    }
}
