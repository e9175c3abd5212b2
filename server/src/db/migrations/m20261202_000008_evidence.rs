//! What certificates are decided from, kept per learner and module (see
//! `entities::evidence`), filled from the records stored so far.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Evidence {
    Table,
    UserId,
    ModuleId,
    Kind,
    Score,
    FirstAt,
    LastAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// The records so far, folded as the sync folds new ones (`projection::reached_by`):
/// counted completions and passed quiz attempts complete a module; every counted quiz
/// attempt reaches its score.
const FILL: [&str; 2] = [
    "INSERT INTO evidence (user_id, module_id, kind, score, first_at, last_at) \
     SELECT user_id, module_id, 'done', 0, MIN(received_at), MAX(received_at) FROM learning_records \
     WHERE counted AND (kind = 'completion' OR (kind = 'quiz_attempt' AND passed)) \
     GROUP BY user_id, module_id",
    "INSERT INTO evidence (user_id, module_id, kind, score, first_at, last_at) \
     SELECT user_id, module_id, 'score', score, MIN(received_at), MAX(received_at) FROM learning_records \
     WHERE counted AND kind = 'quiz_attempt' AND score BETWEEN 0 AND 100 \
     GROUP BY user_id, module_id, score",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Evidence::Table)
                    .col(big_integer(Evidence::UserId))
                    // No foreign key to modules: like the records, evidence outlives them.
                    .col(big_integer(Evidence::ModuleId))
                    .col(text(Evidence::Kind))
                    .col(integer(Evidence::Score))
                    .col(timestamp_with_time_zone(Evidence::FirstAt))
                    .col(timestamp_with_time_zone(Evidence::LastAt))
                    .primary_key(
                        Index::create()
                            .col(Evidence::UserId)
                            .col(Evidence::ModuleId)
                            .col(Evidence::Kind)
                            .col(Evidence::Score),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_evidence_user")
                            .from(Evidence::Table, Evidence::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for sql in FILL {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Evidence::Table).to_owned()).await
    }
}
