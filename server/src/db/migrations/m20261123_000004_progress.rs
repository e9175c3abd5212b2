//! The progress projection: where each learner stands on each module, folded from their
//! learning records.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ModuleProgress {
    Table,
    UserId,
    ModuleId,
    CompletedAt,
    CompletedVersion,
    BestScore,
    Attempts,
    Rating,
    RatedAt,
    LastActivityAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ModuleProgress::Table)
                    .col(big_integer(ModuleProgress::UserId))
                    // No foreign key to modules: like the records, progress outlives them.
                    .col(big_integer(ModuleProgress::ModuleId))
                    .col(timestamp_with_time_zone_null(ModuleProgress::CompletedAt))
                    .col(integer_null(ModuleProgress::CompletedVersion))
                    .col(integer_null(ModuleProgress::BestScore))
                    .col(integer(ModuleProgress::Attempts))
                    .col(integer_null(ModuleProgress::Rating))
                    .col(timestamp_with_time_zone_null(ModuleProgress::RatedAt))
                    .col(timestamp_with_time_zone(ModuleProgress::LastActivityAt))
                    .primary_key(Index::create().col(ModuleProgress::UserId).col(ModuleProgress::ModuleId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_module_progress_user")
                            .from(ModuleProgress::Table, ModuleProgress::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Reports read progress by module too ("who has completed this?").
        manager
            .create_index(
                Index::create()
                    .name("idx_module_progress_module")
                    .table(ModuleProgress::Table)
                    .col(ModuleProgress::ModuleId)
                    .to_owned(),
            )
            .await?;
        // Filled from the records already stored by the last migration that changes the
        // projection (it rebuilds with the code of the day, so it must run after every
        // column that code writes exists): m20261123_000005_readiness.
        Ok(())
    }
}
