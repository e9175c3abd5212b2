//! A resumable upload (tus) in progress, or finished: who sends it, of which practice
//! module, how much has arrived (`offset`, the truth a `HEAD` answers), and where its
//! bytes so far are kept (`uploads::partial`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "uploads")]
pub struct Model {
    /// Random, unguessable; also the upload's URL.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The person sending it: nobody else may see or continue it.
    pub user_id: i64,
    /// The practice module the take is of.
    pub module_id: i64,
    /// The file's whole size (`Upload-Length`).
    pub length: i64,
    /// The bytes received and kept, from the start.
    pub offset: i64,
    /// The file's name on the phone, as sent.
    pub filename: Option<String>,
    /// JSON (`uploads::partial::Parts`): in S3 mode the multipart upload and the parts
    /// stored so far.
    pub parts: String,
    /// The request writing to it now, until `lease_until` (a server that stops lets go).
    pub lease_token: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    /// Once complete: the file it became.
    pub media_sha256: Option<String>,
    pub created_at: DateTimeUtc,
    /// The last time bytes arrived; stale uploads are deleted by housekeeping.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
