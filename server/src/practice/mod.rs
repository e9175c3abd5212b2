//! Practice: people record themselves doing what a practice module asks (a pitch, say),
//! and reviewers score the recording against the module's rubric.
//!
//! - [`takes`]: the recordings, who may see them, a quota per person (they arrive through
//!   `crate::uploads`, and are submitted by a `practice_submission` record through sync).
//! - [`reviews`]: what waits for a reviewer, their scores, and the learner's feedback.

pub mod reviews;
pub mod takes;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

/// Reviews, the learner's feedback, and a take's deletion and consent.
pub fn router() -> OpenApiRouter<AppState> {
    reviews::router().routes(routes!(takes::delete_take, takes::put_take))
}
