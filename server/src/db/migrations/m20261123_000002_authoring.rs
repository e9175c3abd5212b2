//! Authoring: media, modules and their published versions, learning paths, assignments.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Sha256,
    Kind,
    ContentType,
    Bytes,
    DurationS,
    Width,
    Height,
    PosterSha256,
    OriginalName,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Modules {
    Table,
    Id,
    Kind,
    Status,
    Title,
    Summary,
    Tags,
    EstimatedSeconds,
    Language,
    Content,
    Audience,
    PublishedVersion,
    HasUnpublishedChanges,
    SourceKey,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ModuleVersions {
    Table,
    ModuleId,
    Version,
    Kind,
    Title,
    Summary,
    Tags,
    EstimatedSeconds,
    Language,
    Content,
    Audience,
    Media,
    MediaBytes,
    PublishedBy,
    PublishedAt,
}

#[derive(DeriveIden)]
enum Paths {
    Table,
    Id,
    Title,
    Description,
    Archived,
    SourceKey,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PathModules {
    Table,
    PathId,
    Position,
    ModuleId,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
    ModuleId,
    PathId,
    JobRole,
    TeamId,
    Required,
    DueDays,
    DueDate,
    SourceKey,
    CreatedBy,
    CreatedAt,
}

fn by_user(table: impl IntoIden, column: impl IntoIden, name: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from_tbl(table)
        .from_col(column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .col(text(Media::Sha256).primary_key())
                    .col(text(Media::Kind))
                    .col(text(Media::ContentType))
                    .col(big_integer(Media::Bytes))
                    .col(double_null(Media::DurationS))
                    .col(integer_null(Media::Width))
                    .col(integer_null(Media::Height))
                    .col(text_null(Media::PosterSha256))
                    .col(text_null(Media::OriginalName))
                    .col(big_integer_null(Media::UploadedBy))
                    .col(timestamp_with_time_zone(Media::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_media_poster")
                            .from(Media::Table, Media::PosterSha256)
                            .to(Media::Table, Media::Sha256)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(&mut by_user(Media::Table, Media::UploadedBy, "fk_media_uploaded_by"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Modules::Table)
                    .col(big_pk_auto(Modules::Id))
                    .col(text(Modules::Kind))
                    .col(text(Modules::Status))
                    .col(text(Modules::Title))
                    .col(text(Modules::Summary))
                    .col(json(Modules::Tags))
                    .col(integer(Modules::EstimatedSeconds))
                    .col(text(Modules::Language))
                    .col(json(Modules::Content))
                    .col(json(Modules::Audience))
                    .col(integer_null(Modules::PublishedVersion))
                    .col(boolean(Modules::HasUnpublishedChanges))
                    .col(text_null(Modules::SourceKey).unique_key())
                    .col(big_integer_null(Modules::CreatedBy))
                    .col(big_integer_null(Modules::UpdatedBy))
                    .col(timestamp_with_time_zone(Modules::CreatedAt))
                    .col(timestamp_with_time_zone(Modules::UpdatedAt))
                    .foreign_key(&mut by_user(Modules::Table, Modules::CreatedBy, "fk_modules_created_by"))
                    .foreign_key(&mut by_user(Modules::Table, Modules::UpdatedBy, "fk_modules_updated_by"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_modules_status").table(Modules::Table).col(Modules::Status).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ModuleVersions::Table)
                    .col(big_integer(ModuleVersions::ModuleId))
                    .col(integer(ModuleVersions::Version))
                    .col(text(ModuleVersions::Kind))
                    .col(text(ModuleVersions::Title))
                    .col(text(ModuleVersions::Summary))
                    .col(json(ModuleVersions::Tags))
                    .col(integer(ModuleVersions::EstimatedSeconds))
                    .col(text(ModuleVersions::Language))
                    .col(json(ModuleVersions::Content))
                    .col(json(ModuleVersions::Audience))
                    .col(json(ModuleVersions::Media))
                    .col(big_integer(ModuleVersions::MediaBytes))
                    .col(big_integer_null(ModuleVersions::PublishedBy))
                    .col(timestamp_with_time_zone(ModuleVersions::PublishedAt))
                    .primary_key(Index::create().col(ModuleVersions::ModuleId).col(ModuleVersions::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_module_versions_module")
                            .from(ModuleVersions::Table, ModuleVersions::ModuleId)
                            .to(Modules::Table, Modules::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(&mut by_user(
                        ModuleVersions::Table,
                        ModuleVersions::PublishedBy,
                        "fk_module_versions_published_by",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Paths::Table)
                    .col(big_pk_auto(Paths::Id))
                    .col(text(Paths::Title))
                    .col(text(Paths::Description))
                    .col(boolean(Paths::Archived))
                    .col(text_null(Paths::SourceKey).unique_key())
                    .col(big_integer_null(Paths::CreatedBy))
                    .col(timestamp_with_time_zone(Paths::CreatedAt))
                    .col(timestamp_with_time_zone(Paths::UpdatedAt))
                    .foreign_key(&mut by_user(Paths::Table, Paths::CreatedBy, "fk_paths_created_by"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PathModules::Table)
                    .col(big_integer(PathModules::PathId))
                    .col(integer(PathModules::Position))
                    .col(big_integer(PathModules::ModuleId))
                    .primary_key(Index::create().col(PathModules::PathId).col(PathModules::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_path_modules_path")
                            .from(PathModules::Table, PathModules::PathId)
                            .to(Paths::Table, Paths::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_path_modules_module")
                            .from(PathModules::Table, PathModules::ModuleId)
                            .to(Modules::Table, Modules::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_path_modules_module")
                    .table(PathModules::Table)
                    .col(PathModules::ModuleId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Assignments::Table)
                    .col(big_pk_auto(Assignments::Id))
                    .col(big_integer_null(Assignments::ModuleId))
                    .col(big_integer_null(Assignments::PathId))
                    .col(text_null(Assignments::JobRole))
                    .col(big_integer_null(Assignments::TeamId))
                    .col(boolean(Assignments::Required))
                    .col(integer_null(Assignments::DueDays))
                    .col(date_null(Assignments::DueDate))
                    .col(text_null(Assignments::SourceKey).unique_key())
                    .col(big_integer_null(Assignments::CreatedBy))
                    .col(timestamp_with_time_zone(Assignments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assignments_module")
                            .from(Assignments::Table, Assignments::ModuleId)
                            .to(Modules::Table, Modules::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assignments_path")
                            .from(Assignments::Table, Assignments::PathId)
                            .to(Paths::Table, Paths::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assignments_team")
                            .from(Assignments::Table, Assignments::TeamId)
                            .to(Teams::Table, Teams::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut by_user(Assignments::Table, Assignments::CreatedBy, "fk_assignments_created_by"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
