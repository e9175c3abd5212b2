//! Uploading a file by picking it or dropping it, with a real progress bar (bytes sent of
//! the total) and the server's error in words.

use leptos::{prelude::*, task::spawn_local, web_sys};

use crate::{api::Media, client};

/// "3.4 MB", "820 KB".
pub fn size_label(bytes: f64) -> String {
    if bytes >= 1_000_000.0 {
        format!("{:.1} MB", bytes / 1_000_000.0)
    } else {
        format!("{:.0} KB", (bytes / 1000.0).max(1.0))
    }
}

/// A drop zone and file picker that uploads one file to `/api/v1/media`.
#[component]
pub fn MediaPicker(
    /// What to pick, e.g. "Video".
    #[prop(into)]
    label: String,
    /// The `accept` list of the file input.
    accept: &'static str,
    /// A line of help: types and limits.
    #[prop(into)]
    hint: String,
    /// Called with the stored file.
    on_uploaded: Callback<Media>,
    #[prop(into, optional)] test_id: String,
) -> impl IntoView {
    let progress: RwSignal<Option<(f64, f64)>> = RwSignal::new(None);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let dragging = RwSignal::new(false);
    let start = move |file: web_sys::File| {
        error.set(None);
        progress.set(Some((0.0, file.size())));
        spawn_local(async move {
            let result = client::upload_media(file, move |sent, total| progress.set(Some((sent, total)))).await;
            progress.set(None);
            match result {
                Ok(media) => on_uploaded.run(media),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let on_change = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            start(file);
        }
        input.set_value("");
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            start(file);
        }
    };
    view! {
        <div class="dropzone" class:dragging=move || dragging.get() data-testid=test_id
            on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop>
            <label class="picker">
                <span>{label}</span>
                <input type="file" accept=accept on:change=on_change prop:disabled=move || progress.get().is_some()/>
            </label>
            <p class="muted small">{hint}</p>
            {move || progress.get().map(|(sent, total)| {
                let percent = if total > 0.0 { (sent / total * 100.0).round() } else { 0.0 };
                view! {
                    <div class="upload-progress" role="status">
                        <progress max=total value=sent data-testid="upload-progress"></progress>
                        <span class="small">{format!("Uploading: {} of {} ({percent} %)", size_label(sent), size_label(total))}</span>
                    </div>
                }
            })}
            {move || error.get().map(|e| view! { <p class="alert error" role="alert" data-testid="upload-error">{e}</p> })}
        </div>
    }
}
