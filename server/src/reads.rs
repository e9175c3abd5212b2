//! How the server answers the pages' reads (`app::reads`): per read, once, who may make
//! it (the type of its [`Serve::Access`], so the compiler holds every caller to it) and
//! what it answers. The read's REST handler takes a [`Gate`] of it as its extractor and
//! the page renderer admits the viewer the same way ([`answer`]); both end in
//! [`Serve::serve`]. Each read's `Serve` lives beside its REST handler, in its domain's
//! module.

use std::future::Future;

use app::reads::Read;

use crate::{
    auth::{Access, Viewer},
    error::{ApiError, Json},
    state::AppState,
};

/// The server's answer to a read.
pub trait Serve: Read {
    /// Who may make it.
    type Access: Access;
    /// The answer, for someone already admitted.
    fn serve(self, state: &AppState, who: Self::Access) -> impl Future<Output = Result<Self::Output, ApiError>> + Send;
}

/// Who may make read `R`: the extractor its REST handler takes.
pub type Gate<R> = <R as Serve>::Access;

/// Admits the viewer to read `R` and answers it (what a page render does).
pub async fn answer<R: Serve>(state: &AppState, viewer: Option<Viewer>, read: R) -> Result<R::Output, ApiError> {
    let who = R::Access::admit(viewer)?;
    read.serve(state, who).await
}

/// A read's answer over REST, as JSON.
pub async fn respond<R: Serve>(state: &AppState, who: R::Access, read: R) -> Result<Json<R::Output>, ApiError> {
    Ok(Json(read.serve(state, who).await?))
}
