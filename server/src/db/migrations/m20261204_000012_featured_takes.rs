//! Featured takes: a learner's consent to show a take to their team, and a reviewer's
//! choice to feature it (both on the take: they are about the recording, not a review).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Takes {
    Table,
    SharedAt,
    ConsentChangedAt,
    FeaturedBy,
    FeaturedAt,
    FeaturedTeamId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters a table one change at a time.
        for column in [
            timestamp_with_time_zone_null(Takes::SharedAt).to_owned(),
            timestamp_with_time_zone_null(Takes::ConsentChangedAt).to_owned(),
            big_integer_null(Takes::FeaturedBy).to_owned(),
            timestamp_with_time_zone_null(Takes::FeaturedAt).to_owned(),
            big_integer_null(Takes::FeaturedTeamId).to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Takes::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in
            [Takes::FeaturedTeamId, Takes::FeaturedAt, Takes::FeaturedBy, Takes::ConsentChangedAt, Takes::SharedAt]
        {
            manager.alter_table(Table::alter().table(Takes::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
