//! Primer's web app: the pages and components both the server (rendering) and the
//! browser (hydrating) compile, and the API types they share.

#![recursion_limit = "256"]

pub mod api;
pub mod client;
mod components;
pub mod dates;
pub mod device;
#[cfg(feature = "islands-spike")]
mod islands_spike;
pub mod learning;
mod pages;
pub mod reads;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute},
    components::{ParentRoute, Route, Router, Routes},
    path,
};

#[cfg(feature = "staff")]
use crate::pages::{
    messages::MessagesPage,
    people::PeoplePage,
    person::PersonPage,
    reviews::ReviewsPage,
    studio::{
        assignments::AssignmentsPage,
        certifications::CertificationsPage,
        editor::{EditModulePage, NewModulePage, PreviewModulePage},
        insights::InsightsPage,
        list::StudioPage,
        paths::PathsPage,
    },
    team::TeamPage,
    teams::TeamsPage,
};
use crate::{
    api::{Me, RequestError},
    components::layout::SignedInLayout,
    pages::{
        account::AccountPage,
        certificates::{CertificatePage, VerifyPage},
        home::HomePage,
        learn::{device::DevicePage, library::LibraryPage, player::PlayerPage, prep::PrepPage, progress::ProgressPage},
        login::LoginPage,
        not_found::NotFound,
        reset::ResetPasswordPage,
    },
};

/// Which browser bundle hydrates a page. A learner's phone downloads only the learner's
/// (sign-in, Home, Prep, Library, the player, progress, certificates, On this device,
/// account, verify); Studio, Team and administration pages load the staff's, which holds
/// every page. A link from a learner's page to a staff page is a full page load
/// (`rel="external"`), so the staff's bundle starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bundle {
    Learner,
    Staff,
}

impl Bundle {
    /// The sections of the site whose pages are the staff's: each path that is one of
    /// these or lies under it.
    pub const STAFF_SECTIONS: &[&str] = &["/studio", "/team", "/admin", "/reviews"];

    /// The bundle for a page's path (without its query).
    pub fn for_path(path: &str) -> Bundle {
        let staff = Self::STAFF_SECTIONS
            .iter()
            .any(|section| path.strip_prefix(section).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')));
        if staff { Bundle::Staff } else { Bundle::Learner }
    }

    /// The bundle's file names under `/pkg` (`{name}.js`, `{name}_bg.wasm`).
    pub fn output_name(self) -> &'static str {
        match self {
            Bundle::Learner => "primer",
            Bundle::Staff => "primer-staff",
        }
    }

    /// The bundle of the page being shown: on the server the one the requested page loads,
    /// in the browser the one running.
    pub fn current() -> Bundle {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>().map_or(Bundle::Learner, |parts| Bundle::for_path(parts.uri.path()))
        }
        #[cfg(all(not(feature = "ssr"), feature = "staff"))]
        {
            Bundle::Staff
        }
        #[cfg(all(not(feature = "ssr"), not(feature = "staff")))]
        {
            Bundle::Learner
        }
    }

    /// Whether a link to `href` from a page of this bundle must be a full page load: from
    /// the learner's to a staff page (the staff's bundle holds every page).
    pub fn leaves_for(self, href: &str) -> bool {
        self == Bundle::Learner && Bundle::for_path(href.split(['?', '#']).next().unwrap_or(href)) == Bundle::Staff
    }
}

/// The HTML document around the app (rendered on the server only).
pub fn shell(mut options: LeptosOptions) -> impl IntoView {
    // Everyone's stylesheet, and on the staff's pages theirs too (learners' phones never
    // download it); the scripts are the requested page's bundle.
    let css = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    let bundle = Bundle::current();
    let staff_css =
        (bundle == Bundle::Staff).then(|| format!("/{}/{}.css", options.site_pkg_dir, bundle.output_name()));
    options.output_name = std::sync::Arc::from(bundle.output_name());
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="theme-color" content="#1f5eff"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="stylesheet" href=css/>
                {staff_css.map(|href| view! { <link rel="stylesheet" href=href/> })}
                <script src="/sw-register.js" defer></script>
                <script src="/offline-store.js" defer></script>
                // The app loads when the phone is idle, at low priority, so the server's HTML
                // and CSS paint first on a weak signal (every page works as plain HTML
                // until then: links, and forms with an action).
                <HydrationScripts options defer=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Hydrates the page the server rendered: what each bundle's `hydrate` export does, once
/// its wasm has loaded (the learner's and the staff's bundles differ only in the pages
/// compiled in).
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // A visible sign that the app has taken over (tests and support staff look for it).
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "");
    }
}

/// "Module title · Primer". On the server the title is written into `<title>` as it is
/// (leptos_meta 0.8 doesn't escape it), so it is escaped here: a module called
/// `</title><script>…` must stay text. The browser sets `document.title`, which takes
/// plain text, so there it is left alone.
pub fn page_title(page: String) -> String {
    let title = if page.is_empty() { "Primer".to_string() } else { format!("{page} · Primer") };
    #[cfg(feature = "ssr")]
    let title = escape_html(&title);
    title
}

/// Text made safe for HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The signed-in person (or nobody), loaded once per page load and shared by every page.
#[derive(Clone, Copy)]
pub struct ViewerResource(pub Resource<Result<Option<Me>, RequestError>>);

/// The app: routes and the shared viewer.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let viewer = Resource::new(|| (), |_| client::sendable(client::me()));
    provide_context(ViewerResource(viewer));
    device::provide_device();

    // Every page renders completely on the server (`SsrMode::Async`), so the sign-in
    // form, and later the library and tip cards, work with JavaScript off, and status
    // codes and redirects are set before the first byte.
    view! {
        <Title formatter=page_title/>
        <Router>
            <Routes fallback=|| view! { <Elsewhere/> }>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/reset/:token") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/verify/:code") view=VerifyPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=SignedInLayout ssr=SsrMode::Async>
                    <LearnerRoutes/>
                    <StaffRoutes/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The signed-in learner's pages (both bundles have them).
#[component(transparent)]
fn LearnerRoutes() -> AnyNestedRoute {
    view! {
        <Route path=path!("") view=HomePage/>
        <Route path=path!("library") view=LibraryPage/>
        <Route path=path!("modules/:id") view=PlayerPage/>
        <Route path=path!("prep") view=PrepPage/>
        <Route path=path!("progress") view=ProgressPage/>
        <Route path=path!("certificates/:id") view=CertificatePage/>
        <Route path=path!("device") view=DevicePage/>
        <Route path=path!("account") view=AccountPage/>
    }
    .into_inner()
    .into_any_nested_route()
}

/// The staff's pages, all under [`Bundle::STAFF_SECTIONS`]; none in the learner's bundle.
#[component(transparent)]
fn StaffRoutes() -> AnyNestedRoute {
    #[cfg(feature = "staff")]
    let routes = view! {
        <Route path=path!("team") view=TeamPage/>
        <Route path=path!("reviews") view=ReviewsPage/>
        <Route path=path!("team/people/:id") view=PersonPage/>
        <Route path=path!("admin/people") view=PeoplePage/>
        <Route path=path!("admin/teams") view=TeamsPage/>
        <Route path=path!("admin/messages") view=MessagesPage/>
        <Route path=path!("studio") view=StudioPage/>
        <Route path=path!("studio/new/:kind") view=NewModulePage/>
        <Route path=path!("studio/modules/:id") view=EditModulePage/>
        <Route path=path!("studio/modules/:id/preview") view=PreviewModulePage/>
        <Route path=path!("studio/paths") view=PathsPage/>
        <Route path=path!("studio/assignments") view=AssignmentsPage/>
        <Route path=path!("studio/certifications") view=CertificationsPage/>
        <Route path=path!("studio/insights") view=InsightsPage/>
    }
    .into_inner();
    // No routes at all (an empty list matches nothing; `()` would match everything).
    #[cfg(not(feature = "staff"))]
    let routes = leptos::tachys::view::iterators::StaticVec::<AnyNestedRoute>::from(Vec::new());
    routes.into_any_nested_route()
}

/// What the router shows for an address it has no page for: the 404 page, or, when the
/// learner's bundle was asked to go to a staff page (a link that missed `rel="external"`,
/// a redirect), a full page load of it, which brings the staff's bundle.
#[component]
fn Elsewhere() -> impl IntoView {
    #[cfg(all(feature = "hydrate", not(feature = "staff")))]
    {
        let location = leptos_router::hooks::use_location();
        let path = location.pathname.get_untracked();
        if Bundle::Learner.leaves_for(&path) {
            // The router's query comes without its `?`.
            let query = location.search.get_untracked();
            let to = if query.is_empty() { path } else { format!("{path}?{query}") };
            let _ = window().location().assign(&to);
        }
    }
    view! { <NotFound/> }
}

#[cfg(test)]
mod tests {
    use super::Bundle;

    #[test]
    fn staff_sections_and_only_they_load_the_staffs_bundle() {
        for path in ["/studio", "/studio/modules/3", "/team", "/team/people/7", "/admin/people", "/admin", "/reviews"] {
            assert_eq!(Bundle::for_path(path), Bundle::Staff, "{path}");
        }
        for path in ["/", "/library", "/modules/3", "/teams-of-the-year", "/studios", "/administer", "/login"] {
            assert_eq!(Bundle::for_path(path), Bundle::Learner, "{path}");
        }
    }

    #[test]
    fn only_links_from_the_learners_bundle_to_staff_pages_leave_it() {
        assert!(Bundle::Learner.leaves_for("/studio"));
        assert!(Bundle::Learner.leaves_for("/team?team_id=2"));
        assert!(!Bundle::Learner.leaves_for("/library?q=aurora"));
        assert!(!Bundle::Staff.leaves_for("/library"));
        assert!(!Bundle::Staff.leaves_for("/studio/paths"));
    }
}
