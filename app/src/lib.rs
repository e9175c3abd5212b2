//! Primer's web app: the pages and components both the server (rendering) and the
//! browser (hydrating) compile, and the API types they share.

#![recursion_limit = "256"]

pub mod api;
pub mod client;
mod components;
pub mod device;
pub mod learning;
mod pages;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
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
        people::PeoplePage,
        person::PersonPage,
        reset::ResetPasswordPage,
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
    },
};

/// Where media reaches pages from besides Primer itself (the S3 bucket's origin, for
/// presigned links), for their Content-Security-Policy. The server provides it.
#[derive(Debug, Clone, Default)]
pub struct MediaOrigin(pub Option<String>);

/// A page's Content-Security-Policy: scripts from Primer and its own inline ones (by this
/// response's nonce; hashes can't work, the inline scripts differ per page), the wasm
/// compiled, styles only from Primer's stylesheet (no inline styles), media, images and
/// requests from Primer, `blob:` and the bucket; no plugins, no `<base>`, forms only to
/// Primer, and never inside another site's frame.
pub fn page_policy(nonce: &str, media_origin: Option<&str>) -> String {
    let media = match media_origin {
        Some(origin) => format!("'self' blob: {origin}"),
        None => "'self' blob:".to_string(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src {media}; media-src {media}; connect-src {media}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets this page's Content-Security-Policy (server render only).
fn set_page_policy() {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        let origin = use_context::<MediaOrigin>().and_then(|m| m.0);
        if let Ok(policy) = http::HeaderValue::from_str(&page_policy(&nonce, origin.as_deref())) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, policy);
        }
    }
}

/// The HTML document around the app (rendered on the server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    set_page_policy();
    let css = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
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
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/reset/:token") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/verify/:code") view=VerifyPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=SignedInLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage/>
                    <Route path=path!("library") view=LibraryPage/>
                    <Route path=path!("modules/:id") view=PlayerPage/>
                    <Route path=path!("prep") view=PrepPage/>
                    <Route path=path!("progress") view=ProgressPage/>
                    <Route path=path!("certificates/:id") view=CertificatePage/>
                    <Route path=path!("device") view=DevicePage/>
                    <Route path=path!("account") view=AccountPage/>
                    <Route path=path!("team") view=TeamPage/>
                    <Route path=path!("team/people/:id") view=PersonPage/>
                    <Route path=path!("admin/people") view=PeoplePage/>
                    <Route path=path!("admin/teams") view=TeamsPage/>
                    <Route path=path!("studio") view=StudioPage/>
                    <Route path=path!("studio/new/:kind") view=NewModulePage/>
                    <Route path=path!("studio/modules/:id") view=EditModulePage/>
                    <Route path=path!("studio/modules/:id/preview") view=PreviewModulePage/>
                    <Route path=path!("studio/paths") view=PathsPage/>
                    <Route path=path!("studio/assignments") view=AssignmentsPage/>
                    <Route path=path!("studio/certifications") view=CertificationsPage/>
                    <Route path=path!("studio/insights") view=InsightsPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
