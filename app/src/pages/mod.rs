//! One module per screen.

pub mod account;
pub mod certificates;
pub mod home;
pub mod learn;
pub mod login;
pub mod not_found;
pub mod people;
pub mod person;
pub mod recognition;
pub mod reset;
pub mod studio;
pub mod team;
pub mod teams;
