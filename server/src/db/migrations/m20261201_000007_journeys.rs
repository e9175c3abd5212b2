//! A grace period for assignments: due a number of days after the later of someone's
//! start and the assignment, so assigning old work to people who started long ago doesn't
//! make it overdue the moment it is saved.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Grace,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Assignments::Table)
                    .add_column(boolean(Assignments::Grace).default(false).to_owned())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Assignments::Table).drop_column(Assignments::Grace).to_owned()).await
    }
}
