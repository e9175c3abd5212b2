//! A certificate: a learner met a certification's requirements (decided by the server
//! from their synced records). Never changed once issued; a renewal is a new one.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The public verification code, `XXXX-XXXX-XXXX`.
    #[sea_orm(unique)]
    pub code: String,
    pub user_id: i64,
    pub certification_id: i64,
    pub certification_version: i32,
    /// The certification's title when it was earned.
    pub certification_title: String,
    /// When the last requirement was met (when the server received that record).
    pub issued_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    /// The assessment score, in percent (average over its quizzes).
    pub score: Option<i32>,
    /// When the server issued it.
    pub created_at: DateTimeUtc,
}

/// One person's newest certificate of each certification (the ones that count), read
/// without their older ones: a sync reads as many however often they renewed.
pub async fn newest_held(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Expr::cust(
            "certificates.issued_at = (SELECT MAX(c.issued_at) FROM certificates c \
             WHERE c.user_id = certificates.user_id AND c.certification_id = certificates.certification_id)",
        ))
        .all(db)
        .await
}

/// Each certification's newest certificate among `held` (one person's): the one that
/// counts; older ones were renewed.
pub fn newest_per_certification(held: &[Model]) -> std::collections::HashMap<i64, &Model> {
    let mut newest: std::collections::HashMap<i64, &Model> = std::collections::HashMap::new();
    for c in held {
        let entry = newest.entry(c.certification_id).or_insert(c);
        if c.issued_at > entry.issued_at {
            *entry = c;
        }
    }
    newest
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
