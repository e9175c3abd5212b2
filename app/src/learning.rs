//! What to learn next, worked out from the catalog and the learner's progress: the
//! meeting-prep playlist, "due soon", "continue", and the library's search. Pure
//! functions, so the server's render and the phone (offline too) agree.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{Catalog, CatalogModule, Progress};

/// The time budgets "Prep for a meeting" offers, in minutes.
pub const PREP_BUDGETS: [u32; 4] = [3, 5, 10, 15];

/// Facets that say who the meeting is with and what is sold: a module tagged with another
/// value of one the person picked (healthcare when retail is picked) is for another
/// meeting, so prep leaves it out. A deal stage only ranks: a meeting moves through
/// stages, and what a retail store manager cares about, tagged for discovery, still
/// serves a retail negotiation.
pub const EXCLUSIVE_FACETS: [&str; 2] = ["product", "industry"];

/// Time prep leaves unplanned, for opening the next item and taking a breath.
pub const PREP_SLACK_SECONDS: u32 = 30;

/// A tag's facet (`industry:retail` → `industry`; plain tags have none).
fn facet_of(tag: &str) -> Option<&str> {
    tag.split_once(':').map(|(f, _)| f)
}

/// How many of `picked` the module carries.
fn matches(module: &CatalogModule, picked: &[String]) -> usize {
    picked.iter().filter(|p| module.tags.iter().any(|t| t.eq_ignore_ascii_case(p))).count()
}

/// Whether the module is for the meeting `picked` describes: in every exclusive facet
/// the person picked, it carries a picked value or none at all (untagged means general),
/// and it carries at least one picked tag (everything, when nothing is picked).
pub fn relevant(module: &CatalogModule, picked: &[String]) -> bool {
    if picked.is_empty() {
        return true;
    }
    let conflicts = EXCLUSIVE_FACETS.iter().any(|facet| {
        let in_facet = |t: &&String| facet_of(t).is_some_and(|f| f.eq_ignore_ascii_case(facet));
        let wanted: Vec<&String> = picked.iter().filter(in_facet).collect();
        !wanted.is_empty()
            && module.tags.iter().any(|t| in_facet(&t))
            && !module.tags.iter().filter(in_facet).any(|t| wanted.iter().any(|w| w.eq_ignore_ascii_case(t)))
    });
    !conflicts && matches(module, picked) > 0
}

fn required(module: &CatalogModule) -> bool {
    module.assigned.as_ref().is_some_and(|a| a.required)
}

fn suggested(module: &CatalogModule) -> bool {
    module.assigned.as_ref().is_some_and(|a| !a.required)
}

/// A playlist for a meeting: the modules [`relevant`] to the picked tags that fit in
/// `budget_seconds` less [`PREP_SLACK_SECONDS`]. The ones matching more picked tags come
/// first; among equals, required work not done (soonest due first), then what the learner
/// hasn't opened (suggested first), then suggested, then the rest, and what is done last,
/// as a refresher. A module that doesn't fit what's left is skipped, and a shorter one
/// after it may still fit.
pub fn prep_playlist<'a>(
    catalog: &'a Catalog,
    progress: &Progress,
    tags: &[String],
    budget_seconds: u32,
) -> Vec<&'a CatalogModule> {
    let mut candidates: Vec<&CatalogModule> = catalog.modules.iter().filter(|m| relevant(m, tags)).collect();
    let far = NaiveDate::MAX;
    candidates.sort_by_key(|m| {
        let done = m.is_done(progress);
        let unseen = progress.module(m.id).is_none();
        let tier = match () {
            _ if required(m) && !done => 0,
            _ if unseen => 1,
            _ if !done && suggested(m) => 2,
            _ if !done => 3,
            _ => 4,
        };
        let due = m.assigned.as_ref().and_then(|a| a.due_date).unwrap_or(far);
        (std::cmp::Reverse(matches(m, tags)), tier, !suggested(m), due, m.estimated_seconds, m.title.to_lowercase())
    });
    let mut left = budget_seconds.saturating_sub(PREP_SLACK_SECONDS);
    let mut playlist = Vec::new();
    for m in candidates {
        if m.estimated_seconds <= left {
            left -= m.estimated_seconds;
            playlist.push(m);
        }
    }
    playlist
}

/// The last playlist built for a meeting, kept on the phone (offline too) so Home can
/// offer to continue it and the player can go on to its next item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playlist {
    /// The modules, in the order to take them.
    pub items: Vec<PlaylistItem>,
    /// What was picked, so "Prep now" starts from it.
    pub tags: Vec<String>,
    pub minutes: u32,
    /// When the meeting is, as picked (`10:30`), if it was.
    pub meeting_at: Option<String>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "crate::dates::utc"))]
    pub built_at: DateTime<Utc>,
}

/// A module in a playlist, with what the player's "Next" says of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistItem {
    pub module_id: i64,
    pub title: String,
}

impl From<&CatalogModule> for PlaylistItem {
    fn from(m: &CatalogModule) -> PlaylistItem {
        PlaylistItem { module_id: m.id, title: m.title.clone() }
    }
}

/// How long Home keeps offering a playlist: a meeting's prep is for that day.
pub const PLAYLIST_HOURS: i64 = 12;

impl Playlist {
    /// Whether Home still offers it at `now`.
    pub fn is_current(&self, now: DateTime<Utc>) -> bool {
        !self.items.is_empty() && now - self.built_at < chrono::TimeDelta::hours(PLAYLIST_HOURS)
    }

    /// Its modules still in the catalog, in order.
    pub fn modules<'a>(&self, catalog: &'a Catalog) -> Vec<&'a CatalogModule> {
        self.items.iter().filter_map(|i| catalog.modules.iter().find(|m| m.id == i.module_id)).collect()
    }

    /// (done, total) of its modules.
    pub fn done(&self, catalog: &Catalog, progress: &Progress) -> (usize, usize) {
        let modules = self.modules(catalog);
        (modules.iter().filter(|m| m.is_done(progress)).count(), modules.len())
    }

    /// Where to pick up: the first module not done (`None` when all are).
    pub fn resume<'a>(&self, catalog: &'a Catalog, progress: &Progress) -> Option<&'a CatalogModule> {
        self.modules(catalog).into_iter().find(|m| !m.is_done(progress))
    }

    /// Where `id` is in it (0-based), if it is.
    pub fn position(&self, id: i64) -> Option<usize> {
        self.items.iter().position(|i| i.module_id == id)
    }

    /// The item after `id` ("Next"), `None` after the last (or if `id` isn't in it).
    pub fn after(&self, id: i64) -> Option<&PlaylistItem> {
        self.items.get(self.position(id)? + 1)
    }

    /// "Your prep for 10:30", or "Your 5-minute prep".
    pub fn heading(&self) -> String {
        prep_heading(self.meeting_at.as_deref(), self.minutes)
    }

    /// The address of "Prep for a meeting" with these topics and minutes picked (the
    /// next meeting has its own time).
    pub fn prep_href(&self) -> String {
        prep_href(&self.tags, self.minutes, None)
    }
}

/// "Your prep for 10:30", or "Your 5-minute prep".
pub fn prep_heading(meeting_at: Option<&str>, minutes: u32) -> String {
    match meeting_at {
        Some(at) => format!("Your prep for {at}"),
        None => format!("Your {minutes}-minute prep"),
    }
}

/// `/prep?minutes=5&tag=…&at=10:30`, the prep form's own address.
pub fn prep_href(tags: &[String], minutes: u32, meeting_at: Option<&str>) -> String {
    let mut href = format!("/prep?minutes={minutes}");
    for tag in tags {
        href.push_str("&tag=");
        href.push_str(&crate::api::validate::url_encode(tag));
    }
    if let Some(at) = meeting_at {
        href.push_str("&at=");
        href.push_str(&crate::api::validate::url_encode(at));
    }
    href
}

/// A meeting time as the prep form sends it (`HH:MM`), normalised; anything else is none.
pub fn meeting_time(text: &str) -> Option<String> {
    crate::dates::parse_hh_mm(text.trim()).map(|t| crate::dates::hh_mm(&t))
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

/// "1.2 MB", "640 KB", "1.3 GB"; "Nothing to download" for nothing.
pub fn size_label(bytes: u64) -> String {
    match bytes {
        0 => "Nothing to download".to_string(),
        b if b < 1_000_000 => format!("{} KB", b.div_ceil(1000)),
        b if b < 1_000_000_000 => tenths(b, 1_000_000, "MB"),
        b => tenths(b, 1_000_000_000, "GB"),
    }
}

/// `n` in `unit`s to one decimal, rounded half up. Whole numbers, not `{:.1}` on a
/// float: formatting floats would ship the float printer (kilobytes) to every phone.
fn tenths(n: u64, unit: u64, name: &str) -> String {
    let tenths = (n.saturating_mul(10) + unit / 2) / unit;
    format!("{}.{} {name}", tenths / 10, tenths % 10)
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
            downloads: Default::default(),
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
                assert!(list.iter().all(|m| relevant(m, &tags)));
            }
        }
        assert!(prep_playlist(&c, &Progress::default(), &[], 10).is_empty(), "nothing fits in 10 s");
    }

    /// The demo catalog's shape, for a retail negotiation about Aurora.
    fn meeting_catalog() -> Catalog {
        let required = Some((true, Some("2026-07-01")));
        let onboarding = Some((true, Some("2026-06-01")));
        catalog(vec![
            module(1, 60, &["product:Aurora", "stage:negotiation", "skill:objection-handling"], required),
            module(2, 90, &["product:Aurora", "stage:discovery", "skill:pitch"], onboarding),
            module(3, 120, &["product:Aurora", "stage:demo"], onboarding),
            module(4, 90, &["product:Aurora", "industry:healthcare", "stage:negotiation"], None),
            module(5, 60, &["product:Aurora", "stage:discovery"], onboarding),
            module(6, 60, &["product:Aurora", "stage:negotiation"], required),
            module(7, 60, &["product:Aurora", "stage:discovery"], onboarding),
            module(8, 45, &["product:Aurora", "stage:closing"], None),
            module(9, 90, &["product:Aurora", "industry:retail", "stage:discovery"], Some((false, Some("2026-08-01")))),
            module(10, 75, &["product:Aurora", "stage:negotiation", "skill:objection-handling"], required),
            module(11, 60, &["product:Nimbus", "stage:negotiation"], required),
            module(12, 60, &["stage:negotiation"], None),
        ])
    }

    #[test]
    fn prep_keeps_to_the_meeting_picked() {
        let c = meeting_catalog();
        let picked: Vec<String> = ["product:Aurora", "industry:retail", "stage:negotiation"].map(String::from).into();
        let list = prep_playlist(&c, &Progress::default(), &picked, 10 * 60);
        // The three negotiation ones (required) and the retail module come before anything
        // matching only the product; healthcare's story and Nimbus are left out.
        assert_eq!(ids(&list), [1, 6, 10, 9, 5, 7, 2, 8]);
        // A module without a product tag is general: it stays a candidate.
        assert!(relevant(&c.modules[11], &picked));
        assert!(!ids(&list).contains(&4) && !ids(&list).contains(&11), "{:?}", ids(&list));
        let total: u32 = list.iter().map(|m| m.estimated_seconds).sum();
        assert!(total <= 10 * 60 - PREP_SLACK_SECONDS, "{total}");
        // Filled: nothing left out would still have fitted.
        let left = 10 * 60 - PREP_SLACK_SECONDS - total;
        assert!(
            c.modules.iter().filter(|m| relevant(m, &picked) && !list.contains(m)).all(|m| m.estimated_seconds > left)
        );

        // Healthcare and retail both picked: either industry is the meeting's.
        let both: Vec<String> = ["industry:retail", "industry:healthcare"].map(String::from).into();
        assert_eq!(ids(&prep_playlist(&c, &Progress::default(), &both, 15 * 60)), [9, 4]);
        // Tags compare without case, as the library's filters do.
        assert!(relevant(&c.modules[8], &["INDUSTRY:Retail".to_string()]));
        // A done module comes back last, as a refresher.
        let list = prep_playlist(&c, &done(&[1]), &["stage:negotiation".to_string()], 15 * 60);
        assert_eq!(ids(&list).last(), Some(&1));
    }

    proptest::proptest! {
        /// Whatever is picked and whatever the budget: the playlist fits with the slack to
        /// spare, holds only relevant modules, each once, none of another picked facet's
        /// value, and puts a module matching more picked tags before one matching fewer.
        #[test]
        fn any_prep_fits_and_keeps_to_the_picked_meeting(
            picks in proptest::sample::subsequence(
                vec!["product:Aurora", "product:Nimbus", "industry:retail", "industry:healthcare", "stage:negotiation", "stage:discovery", "skill:pitch"],
                0..4,
            ),
            minutes in proptest::sample::select(PREP_BUDGETS.to_vec()),
            done_ids in proptest::collection::vec(1i64..=12, 0..6),
        ) {
            let c = meeting_catalog();
            let picked: Vec<String> = picks.iter().map(|t| t.to_string()).collect();
            let list = prep_playlist(&c, &done(&done_ids), &picked, minutes * 60);
            let total: u32 = list.iter().map(|m| m.estimated_seconds).sum();
            proptest::prop_assert!(total <= minutes * 60 - PREP_SLACK_SECONDS);
            let mut seen = ids(&list);
            seen.sort();
            seen.dedup();
            proptest::prop_assert_eq!(seen.len(), list.len());
            for m in &list {
                proptest::prop_assert!(relevant(m, &picked));
                for facet in EXCLUSIVE_FACETS {
                    let wanted: Vec<_> = picked.iter().filter(|p| facet_of(p) == Some(facet)).collect();
                    let own: Vec<_> = m.tags.iter().filter(|t| facet_of(t) == Some(facet)).collect();
                    proptest::prop_assert!(wanted.is_empty() || own.is_empty() || own.iter().any(|t| wanted.contains(t)));
                }
            }
            for pair in list.windows(2) {
                proptest::prop_assert!(matches(pair[0], &picked) >= matches(pair[1], &picked));
            }
        }
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
    fn a_playlist_resumes_goes_on_and_counts() {
        let c = meeting_catalog();
        let built_at: DateTime<Utc> = "2026-05-01T08:00:00Z".parse().unwrap();
        let item = |id: i64| PlaylistItem { module_id: id, title: format!("Module {id}") };
        let playlist = Playlist {
            items: vec![item(1), item(99), item(6), item(10)],
            tags: vec!["stage:negotiation".into(), "industry:retail".into()],
            minutes: 5,
            meeting_at: meeting_time("9:05"),
            built_at,
        };
        // A module gone from the catalog (99) is skipped.
        assert_eq!(ids(&playlist.modules(&c)), [1, 6, 10]);
        assert_eq!(playlist.done(&c, &done(&[6])), (1, 3));
        assert_eq!(playlist.resume(&c, &done(&[1])).map(|m| m.id), Some(6));
        assert_eq!(playlist.resume(&c, &done(&[1, 6, 10])).map(|m| m.id), None);
        assert_eq!(playlist.after(1), Some(&item(99)));
        assert_eq!(playlist.after(10), None, "the last one has no next");
        assert_eq!(playlist.after(5), None, "not in it");
        assert_eq!(playlist.position(6), Some(2));
        assert_eq!(playlist.heading(), "Your prep for 09:05");
        assert_eq!(Playlist { meeting_at: None, ..playlist.clone() }.heading(), "Your 5-minute prep");
        assert_eq!(playlist.prep_href(), "/prep?minutes=5&tag=stage%3Anegotiation&tag=industry%3Aretail");
        assert!(playlist.is_current(built_at + chrono::TimeDelta::hours(11)));
        assert!(!playlist.is_current(built_at + chrono::TimeDelta::hours(PLAYLIST_HOURS)));
        assert_eq!(prep_href(&[], 3, Some("10:30")), "/prep?minutes=3&at=10%3A30");
        assert_eq!(meeting_time("25:00"), None);
        assert_eq!(meeting_time("<b>"), None);
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size_label(0), "Nothing to download");
        assert_eq!(size_label(1_340_000_000), "1.3 GB");
        assert_eq!(size_label(999_000_000), "999.0 MB");
        assert_eq!(size_label(640_001), "641 KB");
        assert_eq!(size_label(3_450_000), "3.5 MB");
    }
}
