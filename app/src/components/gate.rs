//! Role gates for pages: a page says which roles may see it; nobody signed in is sent to
//! the sign-in page (and back afterwards), other roles get a 403 page.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

use super::{ErrorMessage, set_status};
use crate::{
    ViewerResource,
    api::{Me, Role, validate::url_encode},
};

/// The sign-in URL that returns to `path` afterwards.
pub fn login_url(path: &str, query: &str) -> String {
    let here = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
    if here == "/" { "/login".to_string() } else { format!("/login?next={}", url_encode(&here)) }
}

/// Renders `page` for a signed-in person whose role is in `allow`.
pub fn signed_in<IV, F>(allow: &'static [Role], page: F) -> impl IntoView
where
    IV: IntoView + 'static,
    F: Fn(Me) -> IV + Clone + Send + Sync + 'static,
{
    let ViewerResource(viewer) = expect_context();
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {
                let page = page.clone();
                move || {
                    let page = page.clone();
                    Suspend::new(async move {
                        match viewer.await {
                            Ok(Some(me)) if allow.contains(&me.user.role) => page(me).into_any(),
                            Ok(Some(_)) => {
                                set_status(403);
                                view! {
                                    <div class="state">
                                        <div class="code">"403"</div>
                                        <h1>"Not for your role"</h1>
                                        <p class="muted">"This page is for other roles. If you need it, ask your administrator."</p>
                                        <a class="button secondary" href="/">"Go home"</a>
                                    </div>
                                }
                                    .into_any()
                            }
                            Ok(None) => {
                                let to = login_url(&location.pathname.get_untracked(), &location.search.get_untracked());
                                view! { <Redirect path=to/> }.into_any()
                            }
                            Err(error) => view! { <ErrorMessage error/> }.into_any(),
                        }
                    })
                }
            }
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_url_returns_to_where_you_were() {
        assert_eq!(login_url("/", ""), "/login");
        assert_eq!(login_url("/admin/people", ""), "/login?next=/admin/people");
        assert_eq!(login_url("/team", "q=a b&x=1"), "/login?next=/team%3Fq%3Da%20b%26x%3D1");
    }
}
