//! The frame around signed-in pages: a top bar, and navigation whose entries depend on
//! the role (a bottom bar on phones, a top bar on wider screens).

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use super::icons;
use crate::{
    ViewerResource,
    api::{Me, Role},
    device::{self, use_device},
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
    NavEntry { href: "/", label: "Home", icon: || icons::home().into_any(), roles: &Role::EVERYONE },
    NavEntry { href: "/library", label: "Library", icon: || icons::library().into_any(), roles: &Role::EVERYONE },
    NavEntry {
        href: "/progress",
        label: "Progress",
        icon: || icons::progress().into_any(),
        roles: Role::WITH_PROGRESS_TAB,
    },
    NavEntry { href: "/studio", label: "Studio", icon: || icons::studio().into_any(), roles: Role::AUTHORS },
    NavEntry { href: "/team", label: "Team", icon: || icons::team().into_any(), roles: Role::MANAGERS },
    // People and teams share one entry (tabs inside), so an admin's bar fits a 360 px phone.
    NavEntry { href: "/admin/people", label: "Admin", icon: || icons::people().into_any(), roles: Role::ADMINS },
    NavEntry { href: "/account", label: "Account", icon: || icons::account().into_any(), roles: &Role::EVERYONE },
];

/// The layout of every signed-in page.
#[component]
pub fn SignedInLayout() -> impl IntoView {
    let ViewerResource(viewer) = expect_context();
    let chrome = move || {
        Suspend::new(async move {
            match viewer.await {
                Ok(Some(me)) => {
                    let device = use_device();
                    let user_id = me.user.id;
                    // The device's part (outbox, saved modules) starts once hydrated.
                    Effect::new(move |_| device::start_for(device, user_id));
                    view! { <TopBar me=me.clone()/> <Nav role=me.user.role/> }.into_any()
                }
                _ => view! { <AnonymousTopBar/> }.into_any(),
            }
        })
    };
    view! {
        <Suspense fallback=|| ()>{chrome}</Suspense>
        <main id="main">
            <SlowConnection/>
            <Outlet/>
        </main>
    }
}

/// Said while screens show the phone's copies because the network doesn't answer.
#[component]
pub(crate) fn SlowConnection() -> impl IntoView {
    let device = use_device();
    move || {
        (device.slow.get() && device.online.get()).then(|| {
            view! {
                <p class="alert" role="status" data-testid="slow-connection">
                    "Slow connection — showing what's on this phone."
                </p>
            }
        })
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
            <NetworkBadge/>
            <div class="who">
                <div data-testid="viewer-name">{me.user.name.clone()}</div>
                <div class="small">{detail}</div>
            </div>
        </header>
    }
}

/// Always visible while offline, and counts records waiting to sync.
#[component]
pub(crate) fn NetworkBadge() -> impl IntoView {
    let device = use_device();
    move || {
        let waiting = device.outbox.get().len();
        let online = device.online.get();
        match (online, waiting) {
            (false, 0) => Some(view! { <span class="offline-badge" role="status" data-testid="offline-indicator">"Offline"</span> }.into_any()),
            (false, n) => Some(view! { <span class="offline-badge" role="status" data-testid="offline-indicator">{format!("Offline · {n} to sync")}</span> }.into_any()),
            (true, 0) => None,
            (true, n) => Some(view! { <a class="sync-badge" href="/progress" data-testid="waiting-badge">{format!("{n} to sync")}</a> }.into_any()),
        }
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
    let bundle = crate::Bundle::current();
    let entries = NAV
        .iter()
        .filter(|e| e.roles.contains(&role))
        .map(|e| {
            // From the learner's bundle a staff page is a full page load, which brings the
            // staff's bundle.
            if bundle.leaves_for(e.href) {
                view! {
                    <a href=e.href rel="external">
                        {(e.icon)()}
                        <span>{e.label}</span>
                    </a>
                }
                .into_any()
            } else {
                view! {
                    <A href=e.href exact=e.href == "/">
                        {(e.icon)()}
                        <span>{e.label}</span>
                    </A>
                }
                .into_any()
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
        assert_eq!(entries(Role::Learner), ["Home", "Library", "Progress", "Account"]);
        assert_eq!(entries(Role::Author), ["Home", "Library", "Progress", "Studio", "Account"]);
        assert_eq!(entries(Role::Manager), ["Home", "Library", "Progress", "Team", "Account"]);
        assert_eq!(entries(Role::Admin), ["Home", "Library", "Studio", "Team", "Admin", "Account"]);
        // Every role's bar fits a 360 px phone at the entries' narrowest (56 px).
        for role in Role::ALL {
            assert!(entries(role).len() * 56 <= 360, "{role}");
        }
    }
}
