//! Inline SVG icons (no icon font, nothing to download).

use leptos::prelude::*;

fn icon(path: &'static str) -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"
            stroke-linejoin="round" aria-hidden="true">
            <path d=path/>
        </svg>
    }
}

pub fn home() -> impl IntoView {
    icon("M3 10.5 12 3l9 7.5V20a1 1 0 0 1-1 1h-5v-6h-6v6H4a1 1 0 0 1-1-1z")
}

pub fn team() -> impl IntoView {
    icon(
        "M16 19v-1a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v1M9 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6m13 9v-1a4 4 0 0 0-3-3.9M16 4.1a3 3 0 0 1 0 5.8",
    )
}

pub fn people() -> impl IntoView {
    icon("M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8m-8 8a8 8 0 0 1 16 0")
}

pub fn account() -> impl IntoView {
    icon(
        "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6m7.4-1.5 1.6 1.2-2 3.4-1.9-.7a7 7 0 0 1-2.1 1.2L14.6 21h-4l-.4-2.4a7 7 0 0 1-2.1-1.2l-1.9.7-2-3.4 1.6-1.2a7 7 0 0 1 0-2.9L4.2 9.4l2-3.4 1.9.7a7 7 0 0 1 2.1-1.2L10.6 3h4l.4 2.5a7 7 0 0 1 2.1 1.2l1.9-.7 2 3.4-1.6 1.2a7 7 0 0 1 0 2.9",
    )
}

pub fn studio() -> impl IntoView {
    icon("M4 20h4L19 9l-4-4L4 16zM14 6l4 4")
}

pub fn library() -> impl IntoView {
    icon("M4 19.5A2.5 2.5 0 0 1 6.5 17H20V3H6.5A2.5 2.5 0 0 0 4 5.5zM4 19.5A2.5 2.5 0 0 0 6.5 22H20v-5")
}

pub fn progress() -> impl IntoView {
    icon("M3 3v18h18M7 15l4-4 3 3 5-6")
}
