//! The Studio: where authors (and admins) build, preview and publish modules, put them
//! into learning paths, and assign them.

pub mod assignments;
pub mod certifications;
pub mod editor;
pub mod insights;
pub mod list;
pub mod paths;

use leptos::prelude::*;

use crate::api::{Module, ModuleStatus, ModuleSummary, Role};

/// Who may use the Studio.
pub const STUDIO_ROLES: &[Role] = Role::AUTHORS;

/// The Studio's own navigation.
#[component]
pub fn StudioTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        view! { <a href=href class="tab" aria-current=(current == href).then_some("page")>{label}</a> }
    };
    view! {
        <nav class="tabs" aria-label="Studio">
            {tab("/studio", "Modules")}
            {tab("/studio/paths", "Paths")}
            {tab("/studio/assignments", "Assignments")}
            {tab("/studio/certifications", "Certifications")}
            {tab("/studio/insights", "Insights")}
        </nav>
    }
}

/// "Draft", "Published · v2", "Published · v1 · changes not published", "Archived".
pub fn status_text(status: ModuleStatus, published: Option<i32>, unpublished_changes: bool) -> String {
    match (status, published) {
        (ModuleStatus::Draft, _) => "Draft".into(),
        (ModuleStatus::Archived, _) => "Archived".into(),
        (ModuleStatus::Published, Some(v)) if unpublished_changes => {
            format!("Published · v{v} · changes not published")
        }
        (ModuleStatus::Published, Some(v)) => format!("Published · v{v}"),
        (ModuleStatus::Published, None) => "Published".into(),
        (ModuleStatus::Unknown, _) => ModuleStatus::Unknown.label().into(),
    }
}

pub fn status_of_summary(m: &ModuleSummary) -> String {
    status_text(m.status, m.published_version, m.has_unpublished_changes)
}

pub fn status_of_module(m: &Module) -> String {
    status_text(m.status, m.published_version, m.has_unpublished_changes)
}

/// The badge class for a status.
pub fn status_class(status: ModuleStatus) -> &'static str {
    match status {
        ModuleStatus::Draft => "badge pending",
        ModuleStatus::Published => "badge ok",
        ModuleStatus::Archived | ModuleStatus::Unknown => "badge off",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_well() {
        assert_eq!(status_text(ModuleStatus::Draft, None, true), "Draft");
        assert_eq!(status_text(ModuleStatus::Published, Some(2), false), "Published · v2");
        assert_eq!(status_text(ModuleStatus::Published, Some(1), true), "Published · v1 · changes not published");
        assert_eq!(status_text(ModuleStatus::Archived, Some(3), false), "Archived");
    }
}
