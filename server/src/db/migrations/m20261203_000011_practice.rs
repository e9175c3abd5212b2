//! Practice: resumable uploads (tus) in progress, the recordings (takes) people made of a
//! practice module, and what a learning record is about (a review's submission).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Uploads {
    Table,
    Id,
    UserId,
    ModuleId,
    Length,
    Offset,
    Filename,
    Parts,
    LeaseToken,
    LeaseUntil,
    MediaSha256,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Takes {
    Table,
    UserId,
    MediaSha256,
    ModuleId,
    Bytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LearningRecords {
    Table,
    About,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Sha256,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Uploads::Table)
                    .col(text(Uploads::Id).primary_key())
                    .col(big_integer(Uploads::UserId))
                    .col(big_integer(Uploads::ModuleId))
                    .col(big_integer(Uploads::Length))
                    .col(big_integer(Uploads::Offset))
                    .col(text_null(Uploads::Filename))
                    .col(text(Uploads::Parts))
                    .col(text_null(Uploads::LeaseToken))
                    .col(timestamp_with_time_zone_null(Uploads::LeaseUntil))
                    .col(text_null(Uploads::MediaSha256))
                    .col(timestamp_with_time_zone(Uploads::CreatedAt))
                    .col(timestamp_with_time_zone(Uploads::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_uploads_user")
                            .from(Uploads::Table, Uploads::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A person's uploads in progress (their quota), and housekeeping's stale ones.
        manager
            .create_index(
                Index::create().name("idx_uploads_user").table(Uploads::Table).col(Uploads::UserId).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_uploads_updated").table(Uploads::Table).col(Uploads::UpdatedAt).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Takes::Table)
                    .col(big_integer(Takes::UserId))
                    .col(text(Takes::MediaSha256))
                    .col(big_integer(Takes::ModuleId))
                    .col(big_integer(Takes::Bytes))
                    .col(timestamp_with_time_zone(Takes::CreatedAt))
                    .primary_key(Index::create().col(Takes::UserId).col(Takes::MediaSha256))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_takes_user")
                            .from(Takes::Table, Takes::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_takes_media")
                            .from(Takes::Table, Takes::MediaSha256)
                            .to(Media::Table, Media::Sha256),
                    )
                    .to_owned(),
            )
            .await?;
        // "Is this file someone's take?" (asked when media is fetched).
        manager
            .create_index(
                Index::create().name("idx_takes_media").table(Takes::Table).col(Takes::MediaSha256).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(LearningRecords::Table).add_column(text_null(LearningRecords::About)).to_owned(),
            )
            .await?;
        // A submission's reviews.
        manager
            .create_index(
                Index::create()
                    .name("idx_learning_records_about")
                    .table(LearningRecords::Table)
                    .col(LearningRecords::About)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_learning_records_about").table(LearningRecords::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(LearningRecords::Table).drop_column(LearningRecords::About).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Takes::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Uploads::Table).to_owned()).await
    }
}
