//! A request for a password link made from the sign-in page ("Forgot your password?"),
//! kept for the throttle window whether or not an account has the address, so the limit
//! says nothing about which addresses have accounts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "link_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The normalised address asked for.
    pub email: String,
    /// The client's address.
    pub ip: String,
    pub requested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
