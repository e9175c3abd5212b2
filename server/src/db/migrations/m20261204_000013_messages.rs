//! Messages Primer sends people (email for now): one row per message, kept as the log
//! admins read, with the idempotency key that makes each one go once; and the requests
//! for a password link made from the sign-in page, kept for their throttle window.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    Key,
    UserId,
    Channel,
    Kind,
    ToAddress,
    Subject,
    State,
    Attempts,
    LastError,
    Payload,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum LinkRequests {
    Table,
    Id,
    Email,
    Ip,
    RequestedAt,
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
                    .table(Messages::Table)
                    .col(pk_auto(Messages::Id).big_integer())
                    .col(text(Messages::Key).unique_key())
                    .col(big_integer(Messages::UserId))
                    .col(text(Messages::Channel))
                    .col(text(Messages::Kind))
                    .col(text(Messages::ToAddress))
                    .col(text_null(Messages::Subject))
                    .col(text(Messages::State))
                    .col(integer(Messages::Attempts))
                    .col(text_null(Messages::LastError))
                    .col(text(Messages::Payload))
                    .col(big_integer_null(Messages::CreatedBy))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .col(timestamp_with_time_zone(Messages::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Messages::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_messages_user")
                            .from(Messages::Table, Messages::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The admins' log, newest first; and one person's recent messages (throttling).
        manager
            .create_index(
                Index::create().name("idx_messages_created").table(Messages::Table).col(Messages::CreatedAt).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_user")
                    .table(Messages::Table)
                    .col(Messages::UserId)
                    .col(Messages::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LinkRequests::Table)
                    .col(pk_auto(LinkRequests::Id).big_integer())
                    .col(text(LinkRequests::Email))
                    .col(text(LinkRequests::Ip))
                    .col(timestamp_with_time_zone(LinkRequests::RequestedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_link_requests_ip")
                    .table(LinkRequests::Table)
                    .col(LinkRequests::Ip)
                    .col(LinkRequests::RequestedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LinkRequests::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Messages::Table).to_owned()).await
    }
}
