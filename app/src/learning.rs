//! What to learn next, worked out from the catalog and the learner's progress: the
//! meeting-prep playlist, "due soon", "continue", and the library's search. Pure
//! functions, so the server's render and the phone (offline too) agree.

use chrono::NaiveDate;

use crate::api::{Catalog, CatalogModule, Progress};

/// The time budgets "Prep for a meeting" offers, in minutes.
pub const PREP_BUDGETS: [u32; 4] = [3, 5, 10, 15];

/// Whether a module carries any of `tags` (all modules when none is picked).
fn has_any_tag(module: &CatalogModule, tags: &[String]) -> bool {
    tags.is_empty() || module.tags.iter().any(|t| tags.iter().any(|w| w.eq_ignore_ascii_case(t)))
}

fn required(module: &CatalogModule) -> bool {
    module.assigned.as_ref().is_some_and(|a| a.required)
}

fn suggested(module: &CatalogModule) -> bool {
    module.assigned.as_ref().is_some_and(|a| !a.required)
}

/// A playlist for a meeting: modules with any of `tags` that fit in `budget_seconds`
/// together. Required and not yet done come first (soonest due first), then what the
/// learner hasn't seen (suggested before the rest), then, as a refresher, what they have
/// (suggested first). A module that doesn't fit what's left is skipped, and a shorter
/// one after it may still fit.
pub fn prep_playlist<'a>(
    catalog: &'a Catalog,
    progress: &Progress,
    tags: &[String],
    budget_seconds: u32,
) -> Vec<&'a CatalogModule> {
    let mut candidates: Vec<&CatalogModule> = catalog.modules.iter().filter(|m| has_any_tag(m, tags)).collect();
    let far = NaiveDate::MAX;
    candidates.sort_by_key(|m| {
        let done = m.is_done(progress);
        let tier = match (required(m), done, suggested(m)) {
            (true, false, _) => 0,
            (_, false, true) => 1,
            (_, false, false) => 2,
            (_, true, true) => 3,
            (_, true, false) => 4,
        };
        let due = m.assigned.as_ref().and_then(|a| a.due_date).unwrap_or(far);
        (tier, due, m.estimated_seconds, m.title.to_lowercase())
    });
    let mut left = budget_seconds;
    let mut playlist = Vec::new();
    for m in candidates {
        if m.estimated_seconds <= left {
            left -= m.estimated_seconds;
            playlist.push(m);
        }
    }
    playlist
}

/// Required modules not done yet, soonest due first (those without a date last).
pub fn due_soon<'a>(catalog: &'a Catalog, progress: &Progress) -> Vec<&'a CatalogModule> {
    let mut due: Vec<&CatalogModule> = catalog.modules.iter().filter(|m| required(m) && !m.is_done(progress)).collect();
    due.sort_by_key(|m| (m.assigned.as_ref().and_then(|a| a.due_date).unwrap_or(NaiveDate::MAX), m.title.clone()));
    due
}

/// Where to pick up: the next step not done in the assigned path the learner has
/// progressed furthest in, else the first required module not done.
pub fn continue_with<'a>(catalog: &'a Catalog, progress: &Progress) -> Option<&'a CatalogModule> {
    let find = |id: i64| catalog.modules.iter().find(|m| m.id == id);
    let done = |id: i64| find(id).is_some_and(|m| m.is_done(progress));
    let started = catalog
        .paths
        .iter()
        .filter(|p| p.assigned.is_some())
        .filter_map(|p| {
            let finished = p.module_ids.iter().filter(|id| done(**id)).count();
            let next = p.module_ids.iter().find(|id| !done(**id))?;
            (finished > 0).then_some((finished, *next))
        })
        .max_by_key(|(done, _)| *done);
    match started {
        Some((_, next)) => find(next),
        None => due_soon(catalog, progress).into_iter().next(),
    }
}

/// Whether a module matches a search: every word appears in its title, summary or tags.
pub fn matches_search(module: &CatalogModule, query: &str) -> bool {
    let haystack = format!("{} {} {}", module.title, module.summary, module.tags.join(" ")).to_lowercase();
    query.to_lowercase().split_whitespace().all(|word| haystack.contains(word))
}

/// The library's list: modules matching the search and carrying every picked tag.
pub fn library<'a>(catalog: &'a Catalog, query: &str, tags: &[String]) -> Vec<&'a CatalogModule> {
    catalog
        .modules
        .iter()
        .filter(|m| matches_search(m, query))
        .filter(|m| tags.iter().all(|t| m.tags.iter().any(|mt| mt.eq_ignore_ascii_case(t))))
        .collect()
}

/// The catalog's tags grouped by facet (`product`, `industry`, `stage`…; plain tags under
/// ""), each group sorted, facets in a useful order for a meeting.
pub fn facets(catalog: &Catalog) -> Vec<(String, Vec<String>)> {
    let mut groups: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for tag in catalog.modules.iter().flat_map(|m| &m.tags) {
        let facet = tag.split_once(':').map(|(f, _)| f.to_string()).unwrap_or_default();
        groups.entry(facet).or_default().insert(tag.clone());
    }
    let rank = |facet: &str| match facet {
        "product" => 0,
        "industry" => 1,
        "stage" => 2,
        "" => 4,
        _ => 3,
    };
    let mut out: Vec<(String, Vec<String>)> = groups.into_iter().map(|(f, t)| (f, t.into_iter().collect())).collect();
    out.sort_by_key(|(f, _)| (rank(f), f.clone()));
    out
}

/// A tag as people read it: `stage:negotiation` → `negotiation`.
pub fn tag_label(tag: &str) -> &str {
    tag.split_once(':').map_or(tag, |(_, v)| v)
}

/// A facet's heading.
pub fn facet_label(facet: &str) -> String {
    match facet {
        "" => "Other".to_string(),
        "stage" => "Deal stage".to_string(),
        f => {
            let mut c = f.chars();
            c.next().map(|first| first.to_uppercase().chain(c).collect()).unwrap_or_default()
        }
    }
}

/// "1.2 MB", "640 KB", "—" for nothing to download.
pub fn size_label(bytes: u64) -> String {
    match bytes {
        0 => "No download".to_string(),
        b if b < 1_000_000 => format!("{} KB", b.div_ceil(1000)),
        b => format!("{:.1} MB", b as f64 / 1_000_000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Assigned, Effect, ModuleKind, QuizScore};

    fn module(id: i64, seconds: u32, tags: &[&str], assigned: Option<(bool, Option<&str>)>) -> CatalogModule {
        CatalogModule {
            id,
            version: 1,
            kind: ModuleKind::Tip,
            title: format!("Module {id}"),
            summary: String::new(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            estimated_seconds: seconds,
            language: "en".into(),
            media: vec![],
            download_bytes: 0,
            assigned: assigned.map(|(required, due)| Assigned {
                required,
                due_date: due.map(|d| d.parse().unwrap()),
                since: None,
            }),
            assessment: false,
        }
    }

    fn done(ids: &[i64]) -> Progress {
        let at = "2026-05-01T10:00:00Z".parse().unwrap();
        Progress::fold(ids.iter().map(|id| (*id, 1, at, Effect::Completed)), None)
    }

    fn catalog(modules: Vec<CatalogModule>) -> Catalog {
        Catalog { modules, paths: vec![] }
    }

    fn ids(list: &[&CatalogModule]) -> Vec<i64> {
        list.iter().map(|m| m.id).collect()
    }

    #[test]
    fn a_playlist_fits_its_budget_and_puts_required_first() {
        let c = catalog(vec![
            module(1, 90, &["stage:demo"], None),
            module(2, 60, &["stage:demo"], Some((true, Some("2026-06-01")))),
            module(3, 120, &["stage:demo"], Some((true, Some("2026-05-10")))),
            module(4, 45, &["stage:demo"], Some((false, None))),
            module(5, 60, &["stage:closing"], Some((true, Some("2026-05-01")))),
            module(6, 30, &["stage:demo"], None),
        ]);
        let list = prep_playlist(&c, &done(&[6]), &["stage:demo".into()], 300);
        // Required by due date (3, then 2), then unseen suggested (4); 1 (90 s) no longer
        // fits in the 75 s left, and 6 (done) does, as a refresher.
        assert_eq!(ids(&list), [3, 2, 4, 6]);
        let total: u32 = list.iter().map(|m| m.estimated_seconds).sum();
        assert!(total <= 300);
        for budget in PREP_BUDGETS {
            for tags in [vec![], vec!["stage:demo".to_string()], vec!["stage:closing".to_string()]] {
                let list = prep_playlist(&c, &Progress::default(), &tags, budget * 60);
                assert!(list.iter().map(|m| m.estimated_seconds).sum::<u32>() <= budget * 60);
                assert!(list.iter().all(|m| has_any_tag(m, &tags)));
            }
        }
        assert!(prep_playlist(&c, &Progress::default(), &[], 10).is_empty(), "nothing fits in 10 s");
    }

    #[test]
    fn due_soon_lists_required_work_not_done() {
        let c = catalog(vec![
            module(1, 60, &[], Some((true, Some("2026-06-01")))),
            module(2, 60, &[], Some((true, Some("2026-05-01")))),
            module(3, 60, &[], Some((false, Some("2026-04-01")))),
            module(4, 60, &[], Some((true, None))),
            module(5, 60, &[], Some((true, Some("2026-04-01")))),
        ]);
        assert_eq!(ids(&due_soon(&c, &done(&[5]))), [2, 1, 4]);
    }

    #[test]
    fn continue_picks_up_the_started_path() {
        let mut c = catalog(vec![
            module(1, 60, &[], Some((true, Some("2026-06-01")))),
            module(2, 60, &[], Some((true, Some("2026-06-01")))),
            module(3, 60, &[], Some((true, Some("2026-05-01")))),
        ]);
        c.paths.push(crate::api::CatalogPath {
            id: 1,
            title: "Onboarding".into(),
            description: String::new(),
            module_ids: vec![1, 2],
            assigned: Some(Assigned { required: true, due_date: None, since: None }),
        });
        assert_eq!(continue_with(&c, &Progress::default()).map(|m| m.id), Some(3), "nothing started: soonest due");
        assert_eq!(continue_with(&c, &done(&[1])).map(|m| m.id), Some(2));
        assert_eq!(continue_with(&c, &done(&[1, 2, 3])).map(|m| m.id), None);
        let failed = Progress::fold(
            [(
                3,
                1,
                "2026-05-01T10:00:00Z".parse().unwrap(),
                Effect::QuizAttempted(QuizScore { percent: 0, passed: false }),
            )],
            None,
        );
        assert_eq!(continue_with(&c, &failed).map(|m| m.id), Some(3), "a failed attempt is not done");
    }

    #[test]
    fn library_search_and_tags() {
        let mut m = module(1, 60, &["product:Aurora", "stage:negotiation"], None);
        m.title = "Handling \"it's too expensive\"".into();
        let c = catalog(vec![m, module(2, 60, &["product:Aurora"], None)]);
        assert_eq!(ids(&library(&c, "too EXPENSIVE", &[])), [1]);
        assert_eq!(ids(&library(&c, "", &["stage:negotiation".into()])), [1]);
        assert_eq!(ids(&library(&c, "", &[])), [1, 2]);
        assert_eq!(ids(&library(&c, "aurora", &["product:aurora".into()])), [1, 2]);
        let f = facets(&c);
        assert_eq!(f[0], ("product".to_string(), vec!["product:Aurora".to_string()]));
        assert_eq!(facet_label("stage"), "Deal stage");
        assert_eq!(tag_label("stage:negotiation"), "negotiation");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size_label(0), "No download");
        assert_eq!(size_label(640_001), "641 KB");
        assert_eq!(size_label(3_450_000), "3.5 MB");
    }
}
