//! A video made for phones from an uploaded one: both are media rows, content-addressed
//! in the same store. Written once when ready and never replaced, so a module version
//! that plays it keeps playing the same bytes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "renditions")]
pub struct Model {
    /// The uploaded video it was made from.
    #[sea_orm(primary_key, auto_increment = false)]
    pub source_sha256: String,
    /// `data_saver` or `standard` (`app::api::Quality`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub quality: String,
    /// The rendition's own media row (its poster is that row's poster).
    pub media_sha256: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
