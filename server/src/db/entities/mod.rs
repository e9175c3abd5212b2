//! sea-orm entities: one file per table.

pub mod assessment_attempt;
pub mod assignment;
pub mod certificate;
pub mod certification;
pub mod evidence;
pub mod job;
pub mod learning_record;
pub mod link_request;
pub mod login_failure;
pub mod media;
pub mod message;
pub mod module;
pub mod module_progress;
pub mod module_version;
pub mod password_reset;
pub mod path;
pub mod path_module;
pub mod rendition;
pub mod session;
pub mod sync_device;
pub mod sync_rate;
pub mod take;
pub mod team;
pub mod team_manager;
pub mod upload;
pub mod user;
