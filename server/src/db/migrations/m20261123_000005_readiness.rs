//! Readiness: certifications built on learning paths and the certificates learners earn;
//! the last completion of each module (a recertification asks for it again); and the
//! leaderboard switches (a learner hiding, a team without one).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    HideFromLeaderboards,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    LeaderboardEnabled,
}

#[derive(DeriveIden)]
enum Paths {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ModuleProgress {
    Table,
    LastCompletedAt,
}

#[derive(DeriveIden)]
enum Certifications {
    Table,
    Id,
    Title,
    Description,
    PathId,
    Version,
    RequiredModuleIds,
    AssessmentModuleIds,
    PassingScore,
    ValidityMonths,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    Code,
    UserId,
    CertificationId,
    CertificationVersion,
    CertificationTitle,
    IssuedAt,
    ExpiresAt,
    Score,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Certifications::Table)
                    .col(pk_auto(Certifications::Id).big_integer())
                    .col(text(Certifications::Title))
                    .col(text(Certifications::Description))
                    // One certification per path: the path is what gets assigned again.
                    .col(big_integer(Certifications::PathId).unique_key())
                    .col(integer(Certifications::Version))
                    .col(json(Certifications::RequiredModuleIds))
                    .col(json(Certifications::AssessmentModuleIds))
                    .col(integer(Certifications::PassingScore))
                    .col(integer_null(Certifications::ValidityMonths))
                    .col(big_integer_null(Certifications::CreatedBy))
                    .col(timestamp_with_time_zone(Certifications::CreatedAt))
                    .col(timestamp_with_time_zone(Certifications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certifications_path")
                            .from(Certifications::Table, Certifications::PathId)
                            .to(Paths::Table, Paths::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Certificates::Table)
                    .col(pk_auto(Certificates::Id).big_integer())
                    .col(text(Certificates::Code).unique_key())
                    .col(big_integer(Certificates::UserId))
                    .col(big_integer(Certificates::CertificationId))
                    .col(integer(Certificates::CertificationVersion))
                    // As it was when earned: a certificate states what it certified.
                    .col(text(Certificates::CertificationTitle))
                    .col(timestamp_with_time_zone(Certificates::IssuedAt))
                    .col(timestamp_with_time_zone_null(Certificates::ExpiresAt))
                    .col(integer_null(Certificates::Score))
                    .col(timestamp_with_time_zone(Certificates::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificates_user")
                            .from(Certificates::Table, Certificates::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificates_certification")
                            .from(Certificates::Table, Certificates::CertificationId)
                            .to(Certifications::Table, Certifications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One certificate per learner, certification and moment: a second server
        // deciding the same thing at once can't issue it twice.
        manager
            .create_index(
                Index::create()
                    .name("idx_certificates_holder")
                    .table(Certificates::Table)
                    .col(Certificates::UserId)
                    .col(Certificates::CertificationId)
                    .col(Certificates::IssuedAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_certificates_issued")
                    .table(Certificates::Table)
                    .col(Certificates::IssuedAt)
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(ModuleProgress::Table)
                    .add_column(timestamp_with_time_zone_null(ModuleProgress::LastCompletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::HideFromLeaderboards).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Teams::Table)
                    .add_column(boolean(Teams::LeaderboardEnabled).default(true))
                    .to_owned(),
            )
            .await?;
        // The progress projection (with its new column) is filled from the records stored
        // at the end of migration 6: the rebuild reads records as the code reads them
        // now, with columns that migration adds. (Databases that ran this before ran the
        // rebuild here; doing it again there changes nothing.)
        Ok(())
    }
}
