//! Learning records (what learners did, as their devices sent it) and the devices that
//! sync them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LearningRecords {
    Table,
    Id,
    UserId,
    DeviceId,
    Kind,
    ModuleId,
    ModuleVersion,
    OccurredAt,
    DeviceOccurredAt,
    ReceivedAt,
    Payload,
    Score,
    Passed,
    Fingerprint,
}

#[derive(DeriveIden)]
enum SyncDevices {
    Table,
    UserId,
    DeviceId,
    LastSyncAt,
    ClockSkewMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LearningRecords::Table)
                    // The device's UUID, as text so both databases store it alike.
                    .col(text(LearningRecords::Id).primary_key())
                    .col(big_integer(LearningRecords::UserId))
                    .col(text(LearningRecords::DeviceId))
                    .col(text(LearningRecords::Kind))
                    // No foreign key to modules: records outlive what they point at.
                    .col(big_integer(LearningRecords::ModuleId))
                    .col(integer(LearningRecords::ModuleVersion))
                    .col(timestamp_with_time_zone(LearningRecords::OccurredAt))
                    .col(timestamp_with_time_zone(LearningRecords::DeviceOccurredAt))
                    .col(timestamp_with_time_zone(LearningRecords::ReceivedAt))
                    .col(json(LearningRecords::Payload))
                    .col(integer_null(LearningRecords::Score))
                    .col(boolean_null(LearningRecords::Passed))
                    .col(text(LearningRecords::Fingerprint))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_learning_records_user")
                            .from(LearningRecords::Table, LearningRecords::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_learning_records_user")
                    .table(LearningRecords::Table)
                    .col(LearningRecords::UserId)
                    .col(LearningRecords::OccurredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_learning_records_received")
                    .table(LearningRecords::Table)
                    .col(LearningRecords::ReceivedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncDevices::Table)
                    .col(big_integer(SyncDevices::UserId))
                    .col(text(SyncDevices::DeviceId))
                    .col(timestamp_with_time_zone(SyncDevices::LastSyncAt))
                    .col(big_integer(SyncDevices::ClockSkewMs))
                    .primary_key(Index::create().col(SyncDevices::UserId).col(SyncDevices::DeviceId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sync_devices_user")
                            .from(SyncDevices::Table, SyncDevices::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
