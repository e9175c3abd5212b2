//! The frame around signed-in pages: a top bar, and navigation whose entries depend on
//! the role (a bottom bar on phones, a top bar on wider screens).

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use super::icons;
use crate::{
    ViewerResource,
    api::{Me, Role},
};

/// One navigation entry.
struct NavEntry {
    href: &'static str,
    label: &'static str,
    icon: fn() -> AnyView,
    roles: &'static [Role],
}

/// Every navigation entry, in order; each lists the roles that see it.
const NAV: &[NavEntry] = &[
    NavEntry { href: "/", label: "Home", icon: || icons::home().into_any(), roles: &Role::ALL },
    NavEntry {
        href: "/studio",
        label: "Studio",
        icon: || icons::studio().into_any(),
        roles: &[Role::Author, Role::Admin],
    },
    NavEntry { href: "/team", label: "Team", icon: || icons::team().into_any(), roles: &[Role::Manager, Role::Admin] },
    NavEntry { href: "/admin/people", label: "People", icon: || icons::people().into_any(), roles: &[Role::Admin] },
    NavEntry { href: "/admin/teams", label: "Teams", icon: || icons::teams().into_any(), roles: &[Role::Admin] },
    NavEntry { href: "/account", label: "Account", icon: || icons::account().into_any(), roles: &Role::ALL },
];

/// The layout of every signed-in page.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let ViewerResource(viewer) = expect_context();
    let chrome = move || {
        Suspend::new(async move {
            match viewer.await {
                Ok(Some(me)) => view! { <TopBar me=me.clone()/> <Nav role=me.user.role/> }.into_any(),
                _ => view! { <AnonymousTopBar/> }.into_any(),
            }
        })
    };
    view! {
        <Suspense fallback=|| ()>{chrome}</Suspense>
        <main id="main">
            <Outlet/>
        </main>
    }
}

#[component]
fn TopBar(me: Me) -> impl IntoView {
    let detail = match (&me.user.job_role, &me.user.team) {
        (Some(job), Some(team)) => format!("{job} · {team}"),
        (Some(job), None) => job.clone(),
        (None, Some(team)) => team.clone(),
        (None, None) => me.user.role.label().to_string(),
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Prim"<span>"er"</span></a>
            <div class="who">
                <div data-testid="viewer-name">{me.user.name.clone()}</div>
                <div class="small">{detail}</div>
            </div>
        </header>
    }
}

#[component]
fn AnonymousTopBar() -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Prim"<span>"er"</span></a>
        </header>
    }
}

#[component]
fn Nav(role: Role) -> impl IntoView {
    let entries = NAV
        .iter()
        .filter(|e| e.roles.contains(&role))
        .map(|e| {
            view! {
                                <A href=e.href exact=e.href == "/">
                    {(e.icon)()}
                    <span>{e.label}</span>
                </A>
            }
        })
        .collect_view();
    view! { <nav class="nav" aria-label="Main">{entries}</nav> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(role: Role) -> Vec<&'static str> {
        NAV.iter().filter(|e| e.roles.contains(&role)).map(|e| e.label).collect()
    }

    #[test]
    fn navigation_depends_on_the_role() {
        assert_eq!(entries(Role::Learner), ["Home", "Account"]);
        assert_eq!(entries(Role::Author), ["Home", "Studio", "Account"]);
        assert_eq!(entries(Role::Manager), ["Home", "Team", "Account"]);
        assert_eq!(entries(Role::Admin), ["Home", "Studio", "Team", "People", "Teams", "Account"]);
    }
}
