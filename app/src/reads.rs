//! The reads pages make, each defined once: the type is the read's arguments, [`Read`]
//! says where the REST API serves it and what it answers. [`read`] makes one: in the
//! browser it is a `GET` of [`Read::url`]; on the server, while a page renders, it runs
//! in-process through the [`Backend`] the server provides as context. The server states
//! once per read who may make it and how it is answered (`server::reads::Serve`), and its
//! REST handler and page rendering both call that; the compiler checks that the server
//! answers every read listed in [`Backend`].

use serde::{Serialize, de::DeserializeOwned};

use crate::api::{self, RequestError};

/// A read a page makes.
pub trait Read: Send + 'static {
    /// What it answers (the REST route's JSON).
    type Output: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// Where the browser asks: the REST route's path with this read's arguments. `None`
    /// for a read only a server render answers (the browser never asks it again).
    fn url(&self) -> Option<String>;
}

/// Declares reads: the type (a unit struct, or one with named fields), what it answers,
/// and its URL (an expression of `self`).
macro_rules! reads {
    (@struct $(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name;
    };
    (@struct $(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty),* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name { $($(#[$fdoc])* pub $field: $ty),* }
    };
    ($(
        $(#[$doc:meta])*
        $name:ident $({ $($(#[$fdoc:meta])* $field:ident: $ty:ty),* $(,)? })? -> $out:ty = |$this:ident| $url:expr;
    )*) => {
        $(
            reads!(@struct $(#[$doc])* $name $({ $($(#[$fdoc])* $field: $ty),* })?);

            impl Read for $name {
                type Output = $out;
                fn url(&self) -> Option<String> {
                    let $this = self;
                    $url
                }
            }
        )*

        /// Server-side access to every read, for rendering pages: the server implements
        /// it (and so must answer each read), with the same checks as its REST routes.
        #[cfg(feature = "ssr")]
        pub trait Backend: $(Serves<$name> +)* Send + Sync + 'static {}
    };
}

reads! {
    /// The signed-in person (`GET /api/v1/me`; anyone signed in).
    Me -> api::Me = |_r| Some("/api/v1/me".into());
    /// Every account (admins).
    Users -> Vec<api::User> = |_r| Some("/api/v1/users".into());
    /// What Primer sent, queued or failed to send, newest first (admins).
    Messages -> Vec<api::messages::SentMessage> = |_r| Some("/api/v1/admin/messages".into());
    /// Every team (authors, managers, admins).
    Teams -> Vec<api::Team> = |_r| Some("/api/v1/teams".into());
    /// Every module, with where it stands (authors).
    Modules -> Vec<api::ModuleSummary> = |_r| Some("/api/v1/modules".into());
    /// One module's working copy (authors).
    Module { id: i64 } -> api::Module = |r| Some(format!("/api/v1/modules/{}", r.id));
    /// Every learning path (authors).
    Paths -> Vec<api::LearningPath> = |_r| Some("/api/v1/paths".into());
    /// Every assignment (authors).
    Assignments -> Vec<api::Assignment> = |_r| Some("/api/v1/assignments".into());
    /// The signed-in person's catalog.
    Catalog -> api::Catalog = |_r| Some("/api/v1/catalog".into());
    /// One module as the signed-in person gets it.
    CatalogModule { id: i64 } -> api::LearnerModule = |r| Some(format!("/api/v1/catalog/{}", r.id));
    /// The signed-in person's progress, as the server has it.
    Progress -> api::Progress = |_r| Some("/api/v1/progress".into());
    /// Every certification.
    Certifications -> Vec<api::Certification> = |_r| Some("/api/v1/certifications".into());
    /// The signed-in person's certificates, newest first.
    MyCertificates -> Vec<api::Certificate> = |_r| Some("/api/v1/me/certificates".into());
    /// One certificate (its holder, their managers, admins).
    Certificate { id: i64 } -> api::Certificate = |r| Some(format!("/api/v1/certificates/{}", r.id));
    /// What a verification code says (public).
    Verification { code: String } -> api::Verification =
        |r| Some(format!("/api/v1/verify/{}", api::validate::path_segment(&r.code)));
    /// Readiness of the people the signed-in manager is responsible for.
    PeopleReport {
        /// The filters, as a query string (`team_id=3&overdue_only=true`).
        query: String,
    } -> api::PeopleReport = |r| Some(format!("/api/v1/reports/people?{}", r.query));
    /// One person's readiness, every item assigned to them and every quiz they answered
    /// (their managers, admins).
    PersonReport { id: i64 } -> api::PersonReport = |r| Some(format!("/api/v1/reports/people/{}", r.id));
    /// Per module and path, for everyone the viewer may see (authors, managers, admins).
    ModulesReport -> api::ModulesReport = |_r| Some("/api/v1/reports/modules".into());
    /// What learners think of one published module and how they answer it (authors).
    ModuleInsights { id: i64 } -> api::ModuleInsights =
        |r| Some(format!("/api/v1/reports/modules/{}/insights", r.id));
    /// A team's leaderboard of the last 30 days (`None`: the signed-in person's team).
    Leaderboard { team_id: Option<i64> } -> api::Leaderboard = |r| Some(match r.team_id {
        Some(id) => format!("/api/v1/leaderboard?team_id={id}"),
        None => "/api/v1/leaderboard".into(),
    });
    /// The signed-in person's streak and who on their team recently got certified.
    Recognition -> api::Recognition = |_r| Some("/api/v1/me/recognition".into());
    /// The signed-in person's booster questions, each with their answers to it.
    Boosters -> Vec<api::boosters::BoosterQuestion> = |_r| Some("/api/v1/me/boosters".into());
    /// Retention (first tries against boosters) of the people the signed-in manager is
    /// responsible for.
    Retention {
        /// The filters, as a query string (`team_id=3`).
        query: String,
    } -> api::boosters::TeamRetention = |r| Some(format!("/api/v1/reports/retention?{}", r.query));
    /// Takes waiting for the signed-in person's review (managers; teammates when a module
    /// asks peers).
    Reviews -> Vec<api::WaitingReview> = |_r| Some("/api/v1/reviews".into());
    /// Whom a one-time password link is for, or `None` if it is not usable. Only a server
    /// render answers it: the token is a secret, kept out of API paths (and their logs).
    ResetLink { token: String } -> Option<api::ResetLinkOwner> = |_r| None;
}

/// How the server answers read `R` while rendering a page; `request` is the page
/// request, which carries the session cookie.
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait Serves<R: Read> {
    async fn serve(&self, request: &http::request::Parts, read: R) -> Result<R::Output, RequestError>;
}

/// The [`Backend`] as the server provides it in context.
#[cfg(feature = "ssr")]
pub type SharedBackend = std::sync::Arc<dyn Backend>;

/// Makes a read: in-process while the server renders a page.
#[cfg(feature = "ssr")]
pub async fn read<R: Read>(read: R) -> Result<R::Output, RequestError>
where
    dyn Backend: Serves<R>,
{
    use leptos::prelude::use_context;
    let missing = |what: &str| RequestError::new(api::ErrorCode::Internal, format!("no {what} in context"));
    let backend = use_context::<SharedBackend>().ok_or_else(|| missing("backend"))?;
    let request = use_context::<http::request::Parts>().ok_or_else(|| missing("request"))?;
    Serves::<R>::serve(&*backend, &request, read).await
}

/// Makes a read: over HTTP in the browser.
#[cfg(not(feature = "ssr"))]
pub async fn read<R: Read>(read: R) -> Result<R::Output, RequestError> {
    match read.url() {
        Some(url) => crate::client::get(&url).await,
        // Answered by the server render the page hydrates; nothing to ask here.
        None => Err(RequestError::Network),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_escaped_into_urls() {
        assert_eq!(Verification { code: "K7Q2 M9XD/..".into() }.url().unwrap(), "/api/v1/verify/K7Q2%20M9XD%2F..");
        assert_eq!(Verification { code: "..".into() }.url().unwrap(), "/api/v1/verify/%2E%2E");
        assert_eq!(Leaderboard { team_id: None }.url().unwrap(), "/api/v1/leaderboard");
        assert_eq!(Leaderboard { team_id: Some(3) }.url().unwrap(), "/api/v1/leaderboard?team_id=3");
        assert_eq!(ResetLink { token: "secret".into() }.url(), None, "a reset token never goes into an API path");
    }
}
