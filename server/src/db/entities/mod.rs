//! sea-orm entities: one file per table.

pub mod login_failure;
pub mod password_reset;
pub mod session;
pub mod team;
pub mod team_manager;
pub mod user;
