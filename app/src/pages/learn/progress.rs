//! My progress: required and suggested work with due dates and what is done, paths with
//! how far along they are, quiz scores, and where the records stand.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{Me, Role},
    components::{
        gate::signed_in,
        learner::{
            LearnerData, ModuleList, SaveButton, SyncStatus, learner_data, live_progress, remember_trail,
            with_learner_data,
        },
    },
    device::use_device,
    pages::{
        certificates::{CertificateBadges, with_my_certificates},
        recognition::TeamLeaderboard,
    },
};

#[component]
pub fn ProgressPage() -> impl IntoView {
    let data = learner_data();
    view! {
        <Title text="My progress"/>
        {signed_in(&Role::EVERYONE, move |me: Me| {
            // Outside the learner data's suspense, so its own data hydrates from the page.
            let hidden = me.user.hide_from_leaderboards;
            view! {
                {with_learner_data(data, |data| view! { <MyProgress data/> })}
                <TeamLeaderboard hidden/>
            }
        })}
    }
}

#[component]
fn MyProgress(data: LearnerData) -> impl IntoView {
    let device = use_device();
    remember_trail("My progress", false);
    let progress = live_progress(device, data.progress.clone());
    let catalog = StoredValue::new(data.catalog);
    let required: Vec<_> = catalog.with_value(|c| {
        c.modules.iter().filter(|m| m.assigned.as_ref().is_some_and(|a| a.required)).cloned().collect()
    });
    let suggested: Vec<_> = catalog.with_value(|c| {
        c.modules.iter().filter(|m| m.assigned.as_ref().is_some_and(|a| !a.required)).cloned().collect()
    });
    let required_list = StoredValue::new(required.clone());
    let counts = move || {
        let p = progress.get();
        required_list.with_value(|list| (list.iter().filter(|m| m.is_done(&p)).count(), list.len()))
    };
    let paths = catalog.with_value(|c| c.paths.clone());
    view! {
        <h1>"My progress"</h1>
        <SyncStatus/>
        {with_my_certificates(|held| view! { <CertificateBadges certificates=held/> })}
        <section class="card" data-testid="required-summary">
            <h2>"Required"</h2>
            {move || {
                let (done, total) = counts();
                view! {
                    <p>{format!("{done} of {total} done")}</p>
                    <progress max=total.max(1).to_string() value=done.to_string()></progress>
                }
            }}
            {(!required.is_empty()).then(|| view! { <ModuleList modules=required progress/> })}
        </section>
        {(!paths.is_empty()).then(|| view! {
            <section class="card">
                <h2>"Learning paths"</h2>
                <ul class="paths">
                    {paths.into_iter().map(|p| {
                        // The path's modules in its order, to save them all from here.
                        let modules: Vec<_> = catalog.with_value(|c| {
                            p.module_ids.iter().filter_map(|id| c.modules.iter().find(|m| m.id == *id)).cloned().collect()
                        });
                        let job = format!("path:{}", p.id);
                        let total = p.module_ids.len();
                        let steps = StoredValue::new(modules.clone());
                        let done = move || { let pr = progress.get(); steps.with_value(|steps| steps.iter().filter(|m| m.is_done(&pr)).count()) };
                        let tag = match &p.assigned { Some(a) if a.required => "Required", Some(_) => "Suggested", None => "Open to you" };
                        view! {
                            <li data-testid="path-progress">
                                <div class="line"><span class="title">{p.title.clone()}</span><span class="badge">{tag}</span></div>
                                <div class="line small">
                                    <progress max=total.max(1).to_string() value=move || done().to_string()></progress>
                                    <span>{move || format!("{} of {total}", done())}</span>
                                </div>
                                {(!modules.is_empty()).then(|| view! { <SaveButton job modules label="Save path for offline"/> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
        {(!suggested.is_empty()).then(|| view! {
            <section class="card">
                <h2>"Suggested"</h2>
                <ModuleList modules=suggested progress/>
            </section>
        })}
    }
}
