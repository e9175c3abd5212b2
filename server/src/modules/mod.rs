//! Modules and what is built from them: authoring (drafts, versions, publishing),
//! learning paths, assignments, and the learner's catalog.

pub mod assignments;
pub mod authoring;
pub mod catalog;
pub mod markdown;
pub mod paths;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

/// What a save may leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saving {
    /// Something new: without content (a module's video, card or questions, a path's
    /// modules) it starts empty.
    New,
    /// Replaced whole (`PUT`): a body without the content is refused, never taken to
    /// mean "empty" (that would erase what is there).
    Whole,
}

/// The `/api/v1/modules`, `/paths`, `/assignments` and `/catalog` routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(authoring::list_modules, authoring::create_module))
        .routes(routes!(authoring::get_module, authoring::update_module))
        .routes(routes!(authoring::publish_module))
        .routes(routes!(authoring::archive_module))
        .routes(routes!(paths::list_paths, paths::create_path))
        .routes(routes!(paths::get_path, paths::update_path))
        .routes(routes!(assignments::list_assignments, assignments::create_assignment))
        .routes(routes!(assignments::preview_assignment))
        .routes(routes!(assignments::update_assignment, assignments::delete_assignment))
        .routes(routes!(catalog::get_catalog))
        .routes(routes!(catalog::get_catalog_module))
}
