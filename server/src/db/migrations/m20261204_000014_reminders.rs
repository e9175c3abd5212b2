//! Reminders: each person's notification preferences (kinds turned off, quiet hours, when
//! a manager's weekly digest goes), the steps of the reminder cadence already taken per
//! item (so each goes once, across servers), and the one-click unsubscribe links email
//! carries.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationPrefs {
    Table,
    UserId,
    Off,
    QuietFrom,
    QuietTo,
    DigestWeekday,
    DigestHour,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReminderSteps {
    Table,
    UserId,
    Item,
    Step,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UnsubscribeLinks {
    Table,
    Token,
    UserId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationPrefs::Table)
                    .col(big_integer(NotificationPrefs::UserId).primary_key())
                    .col(text(NotificationPrefs::Off))
                    .col(small_integer_null(NotificationPrefs::QuietFrom))
                    .col(small_integer_null(NotificationPrefs::QuietTo))
                    .col(small_integer_null(NotificationPrefs::DigestWeekday))
                    .col(small_integer_null(NotificationPrefs::DigestHour))
                    .col(timestamp_with_time_zone(NotificationPrefs::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notification_prefs_user")
                            .from(NotificationPrefs::Table, NotificationPrefs::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderSteps::Table)
                    .col(big_integer(ReminderSteps::UserId))
                    .col(text(ReminderSteps::Item))
                    .col(text(ReminderSteps::Step))
                    .col(timestamp_with_time_zone(ReminderSteps::CreatedAt))
                    .primary_key(
                        Index::create().col(ReminderSteps::UserId).col(ReminderSteps::Item).col(ReminderSteps::Step),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reminder_steps_user")
                            .from(ReminderSteps::Table, ReminderSteps::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnsubscribeLinks::Table)
                    .col(text(UnsubscribeLinks::Token).primary_key())
                    .col(big_integer(UnsubscribeLinks::UserId))
                    .col(text(UnsubscribeLinks::Kind))
                    .col(timestamp_with_time_zone(UnsubscribeLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unsubscribe_links_user")
                            .from(UnsubscribeLinks::Table, UnsubscribeLinks::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_unsubscribe_links_user_kind")
                    .table(UnsubscribeLinks::Table)
                    .col(UnsubscribeLinks::UserId)
                    .col(UnsubscribeLinks::Kind)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UnsubscribeLinks::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ReminderSteps::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(NotificationPrefs::Table).to_owned()).await
    }
}
