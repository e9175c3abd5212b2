//! Videos made for phones from uploaded ones (see `media::renditions`), and when an
//! uploaded video's own file was deleted after them (`--drop-originals`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Renditions {
    Table,
    SourceSha256,
    Quality,
    MediaSha256,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Sha256,
    DroppedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Renditions::Table)
                    .col(text(Renditions::SourceSha256))
                    .col(text(Renditions::Quality))
                    .col(text(Renditions::MediaSha256))
                    .col(timestamp_with_time_zone(Renditions::CreatedAt))
                    .primary_key(Index::create().col(Renditions::SourceSha256).col(Renditions::Quality))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_renditions_source")
                            .from(Renditions::Table, Renditions::SourceSha256)
                            .to(Media::Table, Media::Sha256),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_renditions_media")
                            .from(Renditions::Table, Renditions::MediaSha256)
                            .to(Media::Table, Media::Sha256),
                    )
                    .to_owned(),
            )
            .await?;
        // "Is this file a rendition?" (asked of every video uploaded or described).
        manager
            .create_index(
                Index::create()
                    .name("idx_renditions_media")
                    .table(Renditions::Table)
                    .col(Renditions::MediaSha256)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Media::Table)
                    .add_column(timestamp_with_time_zone_null(Media::DroppedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Media::Table).drop_column(Media::DroppedAt).to_owned()).await?;
        manager.drop_table(Table::drop().table(Renditions::Table).to_owned()).await
    }
}
