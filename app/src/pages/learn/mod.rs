//! The learner's screens: library, module player, meeting prep, progress, and what is
//! saved on this device.

pub mod device;
pub mod library;
pub mod player;
pub mod prep;
pub mod progress;
