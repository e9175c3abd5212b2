//! Reports: a dozen learners in two teams, with figures worked out by hand, read back
//! from the people report (JSON and CSV), and who may read what.

use app::api::{
    ItemState, ModuleInsights, ModulesReport, PeopleReport, PersonReadiness, PersonReport, Role, Team, Tier, User,
};
use chrono::{Days, Utc};
use serde_json::{Value, json};

use crate::{
    db_tests,
    support::{
        Session, TestApp,
        build::{create, good_questions, id, manager_of, publish, quiz, record, sync_from, tip},
        clear_of_midnight,
    },
};

/// The fixture: teams North and South, their managers, and twelve learners.
pub struct Fixture {
    pub admin: Session,
    pub north: Team,
    pub south: Team,
    pub manager_north: Session,
    pub manager_south: Session,
    /// Learners by first name.
    pub people: Vec<(String, Session)>,
    /// Tip cards 1-3 and the quiz.
    pub t: [i64; 3],
    pub q: i64,
    pub path_id: i64,
}

impl Fixture {
    pub fn person(&self, name: &str) -> &Session {
        &self.people.iter().find(|(n, _)| n == name).expect("a fixture learner").1
    }
}

fn days_ago(days: u64) -> String {
    Utc::now().date_naive().checked_sub_days(Days::new(days)).unwrap().to_string()
}

async fn person(app: &TestApp, admin: &Session, name: &str, job: &str, team: i64, start: Option<String>) -> Session {
    let user: User = app
        .post("/api/v1/users")
        .session(admin)
        .json(&json!({"email": format!("{}@primer.test", name.to_lowercase()), "name": name, "role": "learner",
                      "job_role": job, "team_id": team, "start_date": start, "time_zone": "UTC"}))
        .send()
        .await
        .assert_status(201)
        .json();
    app.session_for(user).await
}

/// Builds the fixture. Path P (T1, T2, Q) is required for account executives 30 days
/// after their start; T3 for team North 60 days after. The quiz passes at 100 %.
pub async fn fixture(app: &TestApp) -> Fixture {
    // Start dates and due dates are days from today (UTC, everyone's time zone here).
    clear_of_midnight(chrono_tz::UTC).await;
    let admin = app.signed_in(Role::Admin).await;
    let author = app.signed_in(Role::Author).await;
    let mut t = [0; 3];
    for (i, slot) in t.iter_mut().enumerate() {
        let m = create(app, &author, &tip(&format!("T{}", i + 1), "Body")).await;
        publish(app, &author, m.id).await;
        *slot = m.id;
    }
    let mut body = quiz(good_questions());
    body["pass_percent"] = json!(100);
    let q = create(app, &author, &body).await.id;
    publish(app, &author, q).await;
    app.published_long_ago().await;
    let path: Value = app
        .post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": "P", "module_ids": [t[0], t[1], q]}))
        .send()
        .await
        .assert_status(201)
        .value();
    let path_id = path["id"].as_i64().unwrap();
    let team = |name: &str| {
        let app = app.clone();
        let admin = admin.clone();
        let name = name.to_string();
        async move {
            app.post("/api/v1/teams")
                .session(&admin)
                .json(&json!({"name": name}))
                .send()
                .await
                .assert_status(201)
                .json::<Team>()
        }
    };
    let (north, south) = (team("North").await, team("South").await);
    for a in [
        json!({"path_id": path_id, "job_role": "Account Executive", "required": true, "due_days": 30}),
        json!({"module_id": t[2], "team_id": north.id, "required": true, "due_days": 60}),
    ] {
        app.post("/api/v1/assignments").session(&author).json(&a).send().await.assert_status(201);
    }

    let ae = "Account Executive";
    let specs: [(&str, &str, i64, Option<u64>); 12] = [
        ("Ana", ae, north.id, Some(40)),
        ("Ben", ae, north.id, Some(40)),
        ("Cai", ae, north.id, Some(50)),
        ("Dee", ae, north.id, Some(5)),
        ("Eli", ae, north.id, Some(20)),
        ("Fay", "Sales Engineer", north.id, Some(40)),
        ("Gus", ae, south.id, Some(40)),
        ("Hal", ae, south.id, Some(100)),
        ("Ivy", ae, south.id, Some(33)),
        ("Jo", ae, south.id, None),
        ("Kim", ae, south.id, Some(40)),
        ("Lou", ae, south.id, Some(10)),
    ];
    let mut people = Vec::new();
    for (name, job, team, start) in specs {
        people.push((name.to_string(), person(app, &admin, name, job, team, start.map(days_ago)).await));
    }
    let right = json!({"answers": [[1], [0, 2]]});
    let first_wrong = json!({"answers": [[0], [0, 2]]});
    let done = |m: i64| record(&id(), "completion", m, 1, json!({}));
    let done_in = |m: i64, seconds: u32| record(&id(), "completion", m, 1, json!({"seconds_spent": seconds}));
    let attempt = |answers: &Value| record(&id(), "quiz_attempt", q, 1, answers.clone());
    let did: [(&str, Vec<Value>); 10] = [
        ("Ana", vec![done_in(t[0], 90), done(t[1]), attempt(&right), done(t[2])]),
        ("Ben", vec![done_in(t[0], 60)]),
        ("Cai", vec![]),
        ("Dee", vec![done(t[0])]),
        ("Eli", vec![done_in(t[0], 121), done(t[1]), attempt(&first_wrong)]),
        ("Fay", vec![done(t[2])]),
        ("Gus", vec![done(t[0]), done(t[1]), attempt(&right)]),
        ("Kim", vec![done(t[0]), done(t[1]), attempt(&first_wrong), attempt(&right)]),
        ("Lou", vec![done(t[1])]),
        ("Hal", vec![]),
    ];
    let fixture = Fixture {
        manager_north: manager_of(app, &admin, north.id).await,
        manager_south: manager_of(app, &admin, south.id).await,
        admin,
        north,
        south,
        people,
        t,
        q,
        path_id,
    };
    for (name, records) in did {
        // Cai and Hal synced, but had nothing to send: their data is fresh all the same.
        sync_from(app, fixture.person(name), "phone", records).await;
    }
    fixture
}

fn row<'a>(report: &'a PeopleReport, name: &str) -> &'a PersonReadiness {
    report.people.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{name} is in the report"))
}

fn tier(p: &PersonReadiness, t: Tier) -> Option<(u32, u32)> {
    p.tiers.iter().find(|x| x.tier == t).map(|x| (x.done, x.total))
}

fn titles(items: &[app::api::DueItem]) -> Vec<&str> {
    items.iter().map(|i| i.title.as_str()).collect()
}

async fn people_report_matches_the_hand_computed_figures(app: TestApp) {
    let f = fixture(&app).await;
    let north: PeopleReport =
        app.get("/api/v1/reports/people").session(&f.manager_north).send().await.assert_status(200).json();
    let names: Vec<&str> = north.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Ana", "Ben", "Cai", "Dee", "Eli", "Fay"], "the manager's own team, by name");
    assert_eq!(north.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["North"]);

    // (done, total, overdue, due soon) worked out by hand: P is due 30 days after the
    // start, T3 (North only) 60 days after; "due soon" is within 14 days.
    let expect = [
        ("Ana", 4, 4, vec![], vec![]),
        ("Ben", 1, 4, vec!["T2", "Check: Aurora pricing"], vec![]),
        ("Cai", 0, 4, vec!["T1", "T2", "Check: Aurora pricing"], vec!["T3"]),
        ("Dee", 1, 4, vec![], vec![]),
        ("Eli", 2, 4, vec![], vec!["Check: Aurora pricing"]),
        ("Fay", 1, 1, vec![], vec![]),
    ];
    for (name, done, total, overdue, soon) in expect {
        let p = row(&north, name);
        assert_eq!((p.required_done, p.required_total), (done, total), "{name}");
        let mut got = titles(&p.overdue);
        got.sort();
        let mut want = overdue.clone();
        want.sort();
        assert_eq!(got, want, "{name}'s overdue items");
        assert_eq!(titles(&p.due_soon), soon, "{name}'s items due soon");
    }
    assert_eq!(tier(row(&north, "Ana"), Tier::Days30), Some((3, 3)));
    assert_eq!(tier(row(&north, "Ana"), Tier::Days60), Some((1, 1)));
    assert_eq!(tier(row(&north, "Ben"), Tier::Days30), Some((1, 3)));
    assert_eq!(tier(row(&north, "Fay"), Tier::Days30), None, "nothing due in 30 days for Fay");
    let eli = row(&north, "Eli").latest_quiz.clone().expect("Eli took the quiz");
    assert_eq!((eli.best_score, eli.attempts, eli.passed), (50, 1, false));
    assert!(row(&north, "Ana").latest_quiz.as_ref().unwrap().passed);
    assert!(north.people.iter().all(|p| p.last_sync_at.is_some()), "everyone in North synced");

    // South, read by an admin with the team filter.
    let south: PeopleReport = app
        .get(&format!("/api/v1/reports/people?team_id={}", f.south.id))
        .session(&f.admin)
        .send()
        .await
        .assert_status(200)
        .json();
    let expect =
        [("Gus", 3, 3, 0), ("Hal", 0, 3, 3), ("Ivy", 0, 3, 3), ("Jo", 0, 3, 0), ("Kim", 3, 3, 0), ("Lou", 1, 3, 0)];
    assert_eq!(south.people.len(), 6);
    for (name, done, total, overdue) in expect {
        let p = row(&south, name);
        assert_eq!((p.required_done, p.required_total, p.overdue.len()), (done, total, overdue), "{name}");
    }
    assert_eq!(row(&south, "Jo").last_sync_at, None, "Jo's phone never synced");
    let kim = row(&south, "Kim").latest_quiz.clone().unwrap();
    assert_eq!((kim.best_score, kim.attempts, kim.passed), (100, 2, true));

    // Filters: only people with something overdue; by job role.
    let overdue: PeopleReport = app
        .get("/api/v1/reports/people?overdue_only=true")
        .session(&f.manager_north)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(overdue.people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Ben", "Cai"]);
    let engineers: PeopleReport = app
        .get("/api/v1/reports/people?job_role=sales%20engineer")
        .session(&f.manager_north)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(engineers.people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Fay"]);
}

async fn one_persons_report_lists_their_items_quizzes_and_certificates(app: TestApp) {
    let f = fixture(&app).await;
    let north: PeopleReport =
        app.get("/api/v1/reports/people").session(&f.manager_north).send().await.assert_status(200).json();
    let id_of = |report: &PeopleReport, name: &str| row(report, name).user_id;
    let (ben, eli) = (id_of(&north, "Ben"), id_of(&north, "Eli"));
    let report: PersonReport = app
        .get(&format!("/api/v1/reports/people/{ben}"))
        .session(&f.manager_north)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(report.person, *row(&north, "Ben"), "the same row as the team's report");
    // Every item assigned, where it stands, overdue first: P is due 30 days after his
    // start (40 days ago), T3 60 days after (in 20 days: not soon).
    let items: Vec<(&str, ItemState, bool)> =
        report.items.iter().map(|i| (i.title.as_str(), i.state, i.required)).collect();
    assert_eq!(
        items,
        [
            ("Check: Aurora pricing", ItemState::Overdue, true),
            ("T2", ItemState::Overdue, true),
            ("T3", ItemState::ToDo, true),
            ("T1", ItemState::Done, true),
        ]
    );
    assert!(report.items[3].completed_at.is_some() && report.items[0].completed_at.is_none());
    assert!(report.quizzes.is_empty(), "Ben answered no quiz");
    let eli: PersonReport = app
        .get(&format!("/api/v1/reports/people/{eli}"))
        .session(&f.manager_north)
        .send()
        .await
        .assert_status(200)
        .json();
    let quizzes: Vec<(u8, u32, bool)> = eli.quizzes.iter().map(|q| (q.best_score, q.attempts, q.passed)).collect();
    assert_eq!(quizzes, [(50, 1, false)]);

    // South's people are nobody North's manager may see; a learner sees no one.
    let south: PeopleReport = app
        .get(&format!("/api/v1/reports/people?team_id={}", f.south.id))
        .session(&f.admin)
        .send()
        .await
        .assert_status(200)
        .json();
    let kim = id_of(&south, "Kim");
    app.get(&format!("/api/v1/reports/people/{kim}"))
        .session(&f.manager_north)
        .send()
        .await
        .assert_error(404, "not_found");
    app.get(&format!("/api/v1/reports/people/{kim}"))
        .session(f.person("Ana"))
        .send()
        .await
        .assert_error(403, "forbidden");
    app.get("/api/v1/reports/people/999999").session(&f.admin).send().await.assert_error(404, "not_found");
    let kim: PersonReport =
        app.get(&format!("/api/v1/reports/people/{kim}")).session(&f.admin).send().await.assert_status(200).json();
    assert_eq!(kim.quizzes.iter().map(|q| (q.best_score, q.attempts, q.passed)).collect::<Vec<_>>(), [(100, 2, true)]);

    // Stale data: Ivy's and Jo's phones never synced (everyone else's just now).
    let stale: PeopleReport = app
        .get(&format!("/api/v1/reports/people?team_id={}&stale_only=true", f.south.id))
        .session(&f.admin)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(stale.people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Ivy", "Jo"]);
    // Completions per week for the chart: North's nine, all this week.
    assert_eq!(north.completions_per_week.len(), 12);
    assert_eq!(north.completions_per_week.iter().map(|w| w.completed).collect::<Vec<_>>()[11], 9);
    assert_eq!(north.completions_per_week.iter().map(|w| w.completed).sum::<u32>(), 9);

    // The person's page, without JavaScript: the overdue items as a list.
    let page = app.get(&format!("/team/people/{ben}")).html().session(&f.manager_north).send().await;
    page.assert_status(200);
    let html = page.text();
    assert!(html.contains("Overdue (2)") && html.contains("<li") && html.contains("T2"), "{html}");
    assert!(html.contains("Synced just now"));
    app.get(&format!("/team/people/{}", id_of(&south, "Gus")))
        .html()
        .session(&f.manager_north)
        .send()
        .await
        .assert_status(404);
}

async fn an_assignment_says_who_it_makes_overdue_and_a_grace_period_spares_them(app: TestApp) {
    let f = fixture(&app).await;
    let author = app.signed_in(Role::Author).await;
    // T2 to South, required, 30 days after the start: Hal (started 100 days ago) and Ivy
    // (33) haven't done it; Gus and Kim have; Jo and Lou started too recently.
    let body = json!({"module_id": f.t[1], "team_id": f.south.id, "required": true, "due_days": 30});
    let preview: Value =
        app.post("/api/v1/assignments/preview").session(&author).json(&body).send().await.assert_status(200).value();
    // An author gets the counts; who has done what is for admins (and managers' reports).
    assert_eq!(preview, json!({"people": 6, "overdue_at_once": 2, "overdue_names": [], "overdue_with_grace": 0}));
    let named: Value =
        app.post("/api/v1/assignments/preview").session(&f.admin).json(&body).send().await.assert_status(200).value();
    assert_eq!(named["overdue_names"], json!(["Hal", "Ivy"]));
    // Suggested work is never overdue; a bad body is refused as saving it would be.
    let suggested = json!({"module_id": f.t[1], "team_id": f.south.id, "required": false, "due_days": 30});
    let none: Value = app
        .post("/api/v1/assignments/preview")
        .session(&author)
        .json(&suggested)
        .send()
        .await
        .assert_status(200)
        .value();
    assert_eq!(none["overdue_at_once"], json!(0));
    app.post("/api/v1/assignments/preview")
        .session(&author)
        .json(&json!({"team_id": f.south.id, "required": true}))
        .send()
        .await
        .assert_error(422, "invalid_input");
    app.post("/api/v1/assignments/preview")
        .session(f.person("Ana"))
        .json(&body)
        .send()
        .await
        .assert_error(403, "forbidden");

    // Someone who started long ago, assigned T3 alone with a grace period: due 30 days
    // from today, not 70 days ago.
    let west = app
        .post("/api/v1/teams")
        .session(&f.admin)
        .json(&json!({"name": "West"}))
        .send()
        .await
        .assert_status(201)
        .json::<Team>();
    let wes = person(&app, &f.admin, "Wes", "Field Engineer", west.id, Some(days_ago(100))).await;
    let mut graced = json!({"module_id": f.t[2], "team_id": west.id, "required": true, "due_days": 30});
    let before: Value =
        app.post("/api/v1/assignments/preview").session(&author).json(&graced).send().await.assert_status(200).value();
    assert_eq!((before["overdue_at_once"].clone(), before["overdue_with_grace"].clone()), (json!(1), json!(0)));
    graced["grace"] = json!(true);
    let saved: Value =
        app.post("/api/v1/assignments").session(&author).json(&graced).send().await.assert_status(201).value();
    assert_eq!(saved["grace"], json!(true));
    let catalog: Value = app.get("/api/v1/catalog").session(&wes).send().await.assert_status(200).value();
    let t3 = catalog["modules"].as_array().unwrap().iter().find(|m| m["id"] == json!(f.t[2])).expect("T3 assigned");
    let in_30_days = Utc::now().date_naive().checked_add_days(Days::new(30)).unwrap().to_string();
    assert_eq!(t3["assigned"]["due_date"], json!(in_30_days));
    let report: PeopleReport = app
        .get(&format!("/api/v1/reports/people?team_id={}", west.id))
        .session(&f.admin)
        .send()
        .await
        .assert_status(200)
        .json();
    assert!(row(&report, "Wes").overdue.is_empty(), "not overdue at once");
}

async fn csv_export_equals_the_table(app: TestApp) {
    let f = fixture(&app).await;
    let report: PeopleReport =
        app.get("/api/v1/reports/people").session(&f.admin).send().await.assert_status(200).json();
    let csv = app.get("/api/v1/reports/people?format=csv").session(&f.admin).send().await;
    csv.assert_status(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.header("content-disposition").unwrap().contains("attachment; filename=\"primer-people-"));
    let text = csv.text();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, server::reports::PEOPLE_CSV_HEADER);
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    assert_eq!(rows.len(), report.people.len());
    for p in &report.people {
        let line = rows.iter().find(|r| r[1] == p.email).unwrap_or_else(|| panic!("{} in the CSV", p.email));
        assert_eq!(line, &server::reports::person_csv(p), "{}", p.name);
        assert_eq!(line[5].parse::<u32>().unwrap(), p.required_done);
        assert_eq!(line[7].parse::<usize>().unwrap(), p.overdue.len());
    }
    // The same filters apply.
    let filtered = app
        .get(&format!("/api/v1/reports/people?format=csv&team_id={}&overdue_only=true", f.south.id))
        .session(&f.admin)
        .send()
        .await
        .text();
    let names: Vec<String> =
        csv::Reader::from_reader(filtered.as_bytes()).records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(names.len(), 2, "Hal and Ivy: {names:?}");
}

async fn managers_see_only_their_teams(app: TestApp) {
    let f = fixture(&app).await;
    for format in ["json", "csv"] {
        app.get(&format!("/api/v1/reports/people?team_id={}&format={format}", f.south.id))
            .session(&f.manager_north)
            .send()
            .await
            .assert_error(403, "forbidden");
    }
    let own: PeopleReport = app
        .get(&format!("/api/v1/reports/people?team_id={}", f.north.id))
        .session(&f.manager_north)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(own.people.len(), 6);
    let south: PeopleReport =
        app.get("/api/v1/reports/people").session(&f.manager_south).send().await.assert_status(200).json();
    assert!(south.people.iter().all(|p| p.team.as_deref() == Some("South")));
    app.get("/api/v1/reports/people?team_id=999999").session(&f.admin).send().await.assert_error(404, "not_found");
    app.get("/api/v1/reports/people").session(f.person("Ana")).send().await.assert_error(403, "forbidden");
    let _ = (f.t, f.q, f.path_id);
}

async fn the_team_page_shows_readiness_without_javascript(app: TestApp) {
    let f = fixture(&app).await;
    let page = app.get("/team").html().session(&f.manager_north).send().await;
    page.assert_status(200);
    let html = page.text();
    for name in ["Ana", "Ben", "Cai", "Dee", "Eli", "Fay"] {
        assert!(html.contains(name), "{name} is on the page");
    }
    assert!(!html.contains("Gus"), "South is not North's manager's");
    assert!(html.contains("Overdue (2)"), "Ben's overdue items");
    assert!(html.contains("Synced just now"), "how fresh the data is");
    // At risk first: Cai (3 overdue) before Ben (2) before the rest.
    let (cai, ben, ana) = (html.find("Cai").unwrap(), html.find("Ben").unwrap(), html.find("Ana").unwrap());
    assert!(cai < ben && ben < ana);
    assert!(html.contains("/api/v1/reports/people?format=csv"));
    let filtered = app.get("/team?overdue_only=true").html().session(&f.manager_north).send().await.text();
    assert!(filtered.contains("Cai") && !filtered.contains("Fay"));
    let other = app.get(&format!("/team?team_id={}", f.south.id)).html().session(&f.manager_north).send().await;
    other.assert_status(403);
    assert!(other.text().contains("role doesn"), "another team's page is refused");
    // The charts are HTML in the page (readable on a phone, saved with it for offline).
    assert!(html.contains(r#"data-testid="readiness-chart""#) && html.contains(r#"data-testid="chart-week""#));
    assert!(html.contains("Someone overdue"), "every series says what it is");
    // Sorted by stale data, and filtered by it.
    let by_name = app.get("/team?sort=name").html().session(&f.manager_north).send().await.text();
    let (ana, cai) = (by_name.find(">Ana<").unwrap(), by_name.find(">Cai<").unwrap());
    assert!(ana < cai);
}

async fn charts_are_svg_drawn_on_the_server(app: TestApp) {
    let f = fixture(&app).await;
    let chart = app.get("/api/v1/reports/charts/readiness.svg").session(&f.admin).send().await;
    chart.assert_status(200);
    assert!(chart.header("content-type").unwrap().starts_with("image/svg+xml"));
    let svg = chart.text();
    // From the people test's figures: North has 9 of 21 required items done (Ana 4, Ben 1,
    // Dee 1, Eli 2, Fay 1), and Ben and Cai have something overdue.
    assert!(svg.contains(">North<") && svg.contains(">South<"), "{svg}");
    assert!(svg.contains("2 of 6 with overdue items") && svg.contains("42 %"), "North: 9 of 21 done: {svg}");
    let north_only = app.get("/api/v1/reports/charts/readiness.svg").session(&f.manager_north).send().await.text();
    assert!(north_only.contains(">North<") && !north_only.contains(">South<"));
    let weekly = app.get("/api/v1/reports/charts/completions.svg").session(&f.manager_north).send().await.text();
    // North completed 4 (Ana) + 1 + 1 + 2 + 1 modules this week.
    assert!(weekly.contains("9 completions in 12 weeks"), "{weekly}");
    app.get(&format!("/api/v1/reports/charts/completions.svg?team_id={}", f.south.id))
        .session(&f.manager_north)
        .send()
        .await
        .assert_error(403, "forbidden");
}

async fn module_report_matches_the_hand_computed_figures(app: TestApp) {
    let f = fixture(&app).await;
    // Two ratings of T1 in North.
    sync_from(&app, f.person("Ana"), "phone", vec![record(&id(), "feedback", f.t[0], 1, json!({"rating": 4}))]).await;
    sync_from(&app, f.person("Ben"), "phone", vec![record(&id(), "feedback", f.t[0], 1, json!({"rating": 2}))]).await;
    let report: ModulesReport =
        app.get("/api/v1/reports/modules").session(&f.manager_north).send().await.assert_status(200).json();
    assert_eq!(report.people, 6);
    let m = |id: i64| report.modules.iter().find(|m| m.module_id == id).unwrap();
    // (assigned, started, completed, rate): P is for North's five account executives,
    // T3 for all six of North.
    assert_eq!(
        (m(f.t[0]).assigned, m(f.t[0]).started, m(f.t[0]).completed, m(f.t[0]).completion_rate),
        (5, 4, 4, Some(80.0))
    );
    assert_eq!((m(f.t[1]).assigned, m(f.t[1]).completed, m(f.t[1]).completion_rate), (5, 2, Some(40.0)));
    assert_eq!((m(f.t[2]).assigned, m(f.t[2]).completed, m(f.t[2]).completion_rate), (6, 2, Some(33.3)));
    let quiz = m(f.q);
    assert_eq!((quiz.assigned, quiz.started, quiz.completed, quiz.completion_rate), (5, 2, 1, Some(20.0)));
    assert_eq!(quiz.average_score, Some(75.0), "Ana 100, Eli 50");
    let missed = quiz.most_missed.clone().expect("Eli missed question 1");
    assert_eq!((missed.index, missed.missed_percent, missed.answers), (0, 50.0, 2));
    assert_eq!(missed.prompt, "Which plan includes offline sync?");
    assert_eq!((m(f.t[0]).rating_average, m(f.t[0]).ratings), (Some(3.0), 2));
    assert_eq!(m(f.t[0]).median_seconds, Some(90), "Ben 60 s, Ana 90 s, Eli 121 s; Dee didn't say");
    assert_eq!(m(f.t[1]).median_seconds, None, "nobody said how long T2 took");
    let path = report.paths.iter().find(|p| p.path_id == f.path_id).unwrap();
    assert_eq!(
        (path.steps, path.assigned, path.started, path.completed, path.completion_rate),
        (3, 5, 4, 1, Some(20.0))
    );
    let days = path.median_days.unwrap();
    // Rounded to a tenth: late in the (UTC) day, 40.96 reads 41.0.
    assert!((40.0..=41.0).contains(&days), "Ana started 40 days ago and finished today: {days}");

    // The whole company, for an admin: South adds Gus and Kim's passes.
    let all: ModulesReport =
        app.get("/api/v1/reports/modules").session(&f.admin).send().await.assert_status(200).json();
    let quiz = all.modules.iter().find(|m| m.module_id == f.q).unwrap();
    assert_eq!((quiz.started, quiz.completed), (4, 3));

    // CSV equals the table.
    let text = app.get("/api/v1/reports/modules?format=csv").session(&f.manager_north).send().await.text();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), server::reports::MODULES_CSV_HEADER);
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    let expected: Vec<Vec<String>> = report.modules.iter().map(server::reports::module_csv).collect();
    assert_eq!(rows, expected);
    let text = app.get("/api/v1/reports/modules?format=csv&table=paths").session(&f.manager_north).send().await.text();
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows, report.paths.iter().map(server::reports::path_csv).collect::<Vec<_>>());

    // Who may read it.
    app.get(&format!("/api/v1/reports/modules?team_id={}", f.south.id))
        .session(&f.manager_north)
        .send()
        .await
        .assert_error(403, "forbidden");
    app.get("/api/v1/reports/modules").session(f.person("Ana")).send().await.assert_error(403, "forbidden");
    let author = app.signed_in(Role::Author).await;
    let everyone: ModulesReport =
        app.get("/api/v1/reports/modules").session(&author).send().await.assert_status(200).json();
    assert_eq!(everyone.modules.iter().find(|m| m.module_id == f.q).unwrap().completed, 3);
}

/// Feedback with its time set: `minutes` ago.
fn feedback(module: i64, version: i32, rating: u8, comment: &str, minutes: i64) -> Value {
    let mut r = record(&id(), "feedback", module, version, json!({"rating": rating, "comment": comment}));
    r["occurred_at"] = json!((Utc::now() - chrono::TimeDelta::minutes(minutes)).to_rfc3339());
    r
}

async fn authors_see_what_learners_think(app: TestApp) {
    let f = fixture(&app).await;
    // Ana changes her mind later (her latest counts); Ben comments; Dee only rates.
    sync_from(&app, f.person("Ana"), "phone", vec![feedback(f.t[0], 1, 3, "Too long", 50)]).await;
    sync_from(&app, f.person("Ben"), "phone", vec![feedback(f.t[0], 1, 2, "  Which plan is which?  ", 40)]).await;
    sync_from(&app, f.person("Ana"), "tablet", vec![feedback(f.t[0], 1, 5, "Clear now, thanks", 10)]).await;
    sync_from(&app, f.person("Dee"), "phone", vec![feedback(f.t[0], 1, 4, "", 5)]).await;
    // A new version since: comments keep the version they were about.
    app.put(&format!("/api/v1/modules/{}", f.t[0]))
        .session(&f.admin)
        .json(&crate::support::build::tip("T1", "Shorter body"))
        .send()
        .await
        .assert_status(200);
    publish(&app, &f.admin, f.t[0]).await;

    let author = app.signed_in(Role::Author).await;
    let t1: ModuleInsights = app
        .get(&format!("/api/v1/reports/modules/{}/insights", f.t[0]))
        .session(&author)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(t1.version, 2);
    assert_eq!(t1.rating_counts, [0, 1, 0, 1, 1], "each learner's latest rating, per star");
    assert_eq!((t1.figures.rating_average, t1.figures.ratings), (Some(3.7), 3));
    let comments: Vec<(&str, u8, i32)> =
        t1.comments.iter().map(|c| (c.comment.as_str(), c.rating, c.module_version)).collect();
    assert_eq!(comments, [("Clear now, thanks", 5, 1), ("Which plan is which?", 2, 1)], "newest first, latest only");
    assert_eq!(t1.comments_total, 2);
    assert!(t1.questions.is_empty(), "a tip card has no questions");
    // T1 is assigned to the 11 account executives (path P); Ana, Ben, Dee, Eli, Gus, Kim completed it.
    assert_eq!((t1.figures.assigned, t1.figures.completed, t1.figures.completion_rate), (11, 6, Some(54.5)));

    // The quiz: 5 attempts (Ana, Eli, Gus right or wrong once, Kim twice).
    let q: ModuleInsights = app
        .get(&format!("/api/v1/reports/modules/{}/insights", f.q))
        .session(&f.admin)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(q.attempts, 5);
    let shares = |i: usize| -> Vec<(u32, Option<f64>, bool)> {
        q.questions[i].options.iter().map(|o| (o.picks, o.percent, o.correct)).collect()
    };
    assert_eq!((q.questions[0].answers, q.questions[0].missed_percent), (5, Some(40.0)));
    assert_eq!(shares(0), [(2, Some(40.0), false), (3, Some(60.0), true)]);
    assert_eq!(q.questions[1].missed_percent, Some(0.0));
    assert!(q.questions[1].multiple);
    assert_eq!(shares(1), [(5, Some(100.0), true), (0, Some(0.0), false), (5, Some(100.0), true)]);
    assert!(q.comments.is_empty());

    // Only authors and admins; only published modules.
    let url = format!("/api/v1/reports/modules/{}/insights", f.q);
    app.get(&url).session(&f.manager_north).send().await.assert_error(403, "forbidden");
    app.get(&url).session(f.person("Ana")).send().await.assert_error(403, "forbidden");
    app.get("/api/v1/reports/modules/999999/insights").session(&author).send().await.assert_error(404, "not_found");
    let draft = create(&app, &author, &tip("Draft", "Body")).await;
    app.get(&format!("/api/v1/reports/modules/{}/insights", draft.id))
        .session(&author)
        .send()
        .await
        .assert_error(404, "not_found");

    // The page, without JavaScript: the overview and the module's comments.
    let html = app.get(&format!("/studio/insights?module={}", f.t[0])).session(&author).send().await.text();
    assert!(html.contains("data-testid=\"insights-modules\""), "{html}");
    assert!(html.contains("Which plan is which?") && html.contains("T1 · v2"), "{html}");
    assert!(!html.contains("Too long"), "a changed comment is gone");
}

db_tests!(
    authors_see_what_learners_think,
    people_report_matches_the_hand_computed_figures,
    module_report_matches_the_hand_computed_figures,
    csv_export_equals_the_table,
    an_assignment_says_who_it_makes_overdue_and_a_grace_period_spares_them,
    one_persons_report_lists_their_items_quizzes_and_certificates,
    managers_see_only_their_teams,
    the_team_page_shows_readiness_without_javascript,
    charts_are_svg_drawn_on_the_server,
);
