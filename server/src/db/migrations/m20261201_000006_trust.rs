//! Assessment integrity: attempts the server issues (each answered once), records kept
//! but not counted (a second answer to one attempt), the attempts and cooldown an author
//! allows, and when a certification's current version began (no certificate is issued
//! before it). And how much each person synced this minute (a rate limit every server
//! shares).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Certifications {
    Table,
    MaxAttempts,
    CooldownMinutes,
    VersionAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LearningRecords {
    Table,
    Counted,
    AttemptId,
}

#[derive(DeriveIden)]
enum SyncRates {
    Table,
    UserId,
    WindowStart,
    Batches,
    Records,
}

#[derive(DeriveIden)]
enum AssessmentAttempts {
    Table,
    Id,
    UserId,
    ModuleId,
    ModuleVersion,
    Questions,
    IssuedAt,
    UsedAt,
    RecordId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AssessmentAttempts::Table)
                    .col(text(AssessmentAttempts::Id).primary_key())
                    .col(big_integer(AssessmentAttempts::UserId))
                    .col(big_integer(AssessmentAttempts::ModuleId))
                    .col(integer(AssessmentAttempts::ModuleVersion))
                    // The version's question indexes drawn for it, in the order shown.
                    .col(json(AssessmentAttempts::Questions))
                    .col(timestamp_with_time_zone(AssessmentAttempts::IssuedAt))
                    .col(timestamp_with_time_zone_null(AssessmentAttempts::UsedAt))
                    .col(text_null(AssessmentAttempts::RecordId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assessment_attempts_user")
                            .from(AssessmentAttempts::Table, AssessmentAttempts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assessment_attempts_learner")
                    .table(AssessmentAttempts::Table)
                    .col(AssessmentAttempts::UserId)
                    .col(AssessmentAttempts::ModuleId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncRates::Table)
                    .col(big_integer(SyncRates::UserId).primary_key())
                    .col(timestamp_with_time_zone(SyncRates::WindowStart))
                    .col(integer(SyncRates::Batches))
                    .col(big_integer(SyncRates::Records))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sync_rates_user")
                            .from(SyncRates::Table, SyncRates::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per statement.
        for column in [
            integer(Certifications::MaxAttempts).default(3).to_owned(),
            integer(Certifications::CooldownMinutes).default(0).to_owned(),
            timestamp_with_time_zone_null(Certifications::VersionAt).to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Certifications::Table).add_column(column).to_owned()).await?;
        }
        // The versions so far began when they were last saved (as close as is known).
        manager
            .get_connection()
            .execute(
                &Query::update()
                    .table(Certifications::Table)
                    .value(Certifications::VersionAt, Expr::col(Certifications::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for column in [
            boolean(LearningRecords::Counted).default(true).to_owned(),
            text_null(LearningRecords::AttemptId).to_owned(),
        ] {
            manager.alter_table(Table::alter().table(LearningRecords::Table).add_column(column).to_owned()).await?;
        }
        // Fill the progress projection from the records stored (see migration 5).
        crate::projection::rebuild_all(manager.get_connection()).await.map(|_| ())
    }
}
