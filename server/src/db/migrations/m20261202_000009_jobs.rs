//! The job queue (see `crate::jobs`): background work, claimed once across servers.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Key,
    Payload,
    State,
    RunAt,
    Attempts,
    MaxAttempts,
    LeasedBy,
    LeaseUntil,
    Progress,
    LastError,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(pk_auto(Jobs::Id).big_integer())
                    .col(text(Jobs::Kind))
                    .col(text(Jobs::Key).unique_key())
                    .col(text(Jobs::Payload))
                    .col(text(Jobs::State))
                    .col(timestamp_with_time_zone(Jobs::RunAt))
                    .col(integer(Jobs::Attempts))
                    .col(integer(Jobs::MaxAttempts))
                    .col(text_null(Jobs::LeasedBy))
                    .col(timestamp_with_time_zone_null(Jobs::LeaseUntil))
                    .col(double_null(Jobs::Progress))
                    .col(text_null(Jobs::LastError))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        // What a claim looks for: due jobs of a state, soonest first.
        manager
            .create_index(
                Index::create().name("idx_jobs_due").table(Jobs::Table).col(Jobs::State).col(Jobs::RunAt).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Jobs::Table).to_owned()).await
    }
}
