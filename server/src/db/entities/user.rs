//! A person with a Primer account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Lower-cased; unique.
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    /// `learner`, `author`, `manager` or `admin` (see [`app::api::Role`]).
    pub role: String,
    pub job_role: Option<String>,
    pub team_id: Option<i64>,
    pub time_zone: String,
    pub start_date: Option<Date>,
    pub active: bool,
    /// PHC-format argon2id hash; `None` until the person sets a password.
    pub password_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The person chose not to appear on leaderboards.
    pub hide_from_leaderboards: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::team::Entity",
        from = "Column::TeamId",
        to = "super::team::Column::Id",
        on_delete = "SetNull"
    )]
    Team,
}

impl Related<super::team::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Team.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
