//! View pieces shared by several pages.

pub mod gate;
pub mod icons;
pub mod layout;
pub mod learner;
pub mod module_view;
#[cfg(feature = "staff")]
pub mod upload;

use leptos::prelude::*;

use crate::api::RequestError;

/// A horizontal bar, `percent` of its width filled: drawn as SVG (its width an
/// attribute), since the pages' Content-Security-Policy allows no inline styles. Its
/// colour comes from the list item's class (`ul.bars li.ok`, `li.warn`, `li.right`).
/// Reports' (staff pages only).
#[cfg(feature = "staff")]
#[component]
pub fn Bar(percent: f64) -> impl IntoView {
    let width = format!("{:.1}", percent.clamp(0.0, 100.0));
    view! {
        <svg class="bar" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">
            <rect width=width height="1"/>
        </svg>
    }
}

/// Sets the HTTP status of the page being rendered (server only; no-op in the browser).
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// Sends a form's request; on success loads `to` (a full page load, so the next page
/// starts from the server's view of the session), on failure shows the error and lets
/// the person try again.
pub fn submit_then_go<T: 'static>(
    request: impl std::future::Future<Output = Result<T, RequestError>> + 'static,
    to: String,
    error: RwSignal<Option<String>>,
    pending: RwSignal<bool>,
) {
    pending.set(true);
    error.set(None);
    leptos::task::spawn_local(async move {
        match request.await {
            Ok(_) => {
                let _ = window().location().assign(&to);
            }
            Err(e) => {
                error.set(Some(e.to_string()));
                pending.set(false);
            }
        }
    });
}

/// Copies text to the clipboard; true if it worked (browser only). Staff pages only.
#[cfg(feature = "staff")]
pub async fn copy_to_clipboard(text: String) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let promise = window().navigator().clipboard().write_text(&text);
        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// A message box for an error from the API.
#[component]
pub fn ErrorMessage(error: RequestError) -> impl IntoView {
    view! { <p class="alert error" role="alert">{error.to_string()}</p> }
}
