//! One module per screen. The staff's screens are compiled only with the `staff` feature:
//! the learner's bundle leaves them out (`crate::Bundle`).

pub mod account;
pub mod certificates;
pub mod home;
pub mod learn;
pub mod login;
#[cfg(feature = "staff")]
pub mod messages;
pub mod not_found;
#[cfg(feature = "staff")]
pub mod people;
#[cfg(feature = "staff")]
pub mod person;
pub mod recognition;
pub mod reset;
#[cfg(feature = "staff")]
pub mod reviews;
#[cfg(feature = "staff")]
pub mod studio;
#[cfg(feature = "staff")]
pub mod team;
#[cfg(feature = "staff")]
pub mod teams;
