//! One step of a learning path.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "path_modules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub path_id: i64,
    /// 0-based order within the path.
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub module_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
