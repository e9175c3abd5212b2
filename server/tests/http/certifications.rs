//! Certifications: a path turned into one, earned from synced records (never what the
//! phone says), an assessment whose answer key never reaches the phone, verification by
//! code, and renewal when a certificate expires.

use app::api::{
    Catalog, Certificate, CertificateStatus, Certification, LearnerModule, ModuleContent, Role, Team, Verification,
};
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use server::db::entities::certificate;

use crate::{
    db_tests,
    support::{
        Session, TestApp,
        build::{certify, course, id, learner_in, sync_from, take_path},
    },
};

async fn certificates(app: &TestApp, who: &Session) -> Vec<Certificate> {
    app.get("/api/v1/me/certificates").session(who).send().await.assert_status(200).json()
}

async fn a_path_completed_offline_earns_the_certification(app: TestApp) {
    let c = course(&app).await;
    let certification = certify(&app, &c).await;
    assert_eq!(certification.required_module_ids, c.tips, "by default every step but the assessment");
    assert_eq!((certification.version, certification.holders), (1, 0));
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;

    // The assessment reaches the phone without its answer key.
    let module: LearnerModule =
        app.get(&format!("/api/v1/catalog/{}", c.quiz)).session(&learner).send().await.assert_status(200).json();
    assert!(module.assessment);
    let ModuleContent::Quiz { questions, .. } = &module.content else { panic!("a quiz") };
    assert!(questions.iter().flat_map(|q| &q.options).all(|o| !o.correct && o.explanation.is_empty()));
    let raw = app.get(&format!("/api/v1/catalog/{}", c.quiz)).session(&learner).send().await.text();
    assert!(!raw.contains("\"correct\":true") && !raw.contains("Team adds offline sync"));
    let practice: LearnerModule =
        app.get(&format!("/api/v1/catalog/{}", c.tips[0])).session(&learner).send().await.assert_status(200).json();
    assert!(!practice.assessment);

    let before_sync = server::db::now();
    let records = take_path(&app, &learner, &c, true).await;
    let held = certificates(&app, &learner).await;
    assert_eq!(held.len(), 1, "{held:?}");
    let cert = &held[0];
    assert_eq!((cert.certification.as_str(), cert.version, cert.score), ("Aurora certified", 1, Some(100)));
    assert_eq!((cert.status, cert.renewed), (CertificateStatus::Valid, false));
    assert_eq!(cert.holder, "Lee Learner");
    // Issued when the server received the records that earned it (the phone said it
    // answered 20 hours ago, offline: a phone's clock never dates a certificate), and
    // valid twelve calendar months from then.
    let quiz_at: DateTime<Utc> = records[2]["occurred_at"].as_str().unwrap().parse().unwrap();
    assert!(cert.issued_at >= before_sync && cert.issued_at <= server::db::now(), "{} vs {quiz_at}", cert.issued_at);
    assert_eq!(cert.expires_at, app::api::expiry(cert.issued_at, Some(12)));

    // Sending the same records again issues nothing new.
    sync_from(&app, &learner, "phone-1", records).await;
    assert_eq!(certificates(&app, &learner).await.len(), 1);

    // Anyone with the code can check it; an unknown code is a 404.
    let public = app.get(&format!("/api/v1/verify/{}", cert.code.to_lowercase().replace('-', "%20"))).send().await;
    let verified: Verification = public.assert_status(200).json();
    assert_eq!((verified.holder.as_str(), verified.status), ("Lee Learner", CertificateStatus::Valid));
    app.get("/api/v1/verify/ZZZZ-ZZZZ-ZZZZ").send().await.assert_error(404, "not_found");
    app.get("/api/v1/verify/nonsense").send().await.assert_error(404, "not_found");

    let page = app.get(&format!("/verify/{}", cert.code)).html().send().await;
    page.assert_status(200);
    let html = page.text();
    assert!(html.contains("Lee Learner") && html.contains("Aurora certified") && html.contains("Valid"), "{html}");
    let unknown = app.get("/verify/ZZZZ-ZZZZ-ZZZZ").html().send().await;
    unknown.assert_status(404);
    assert!(unknown.text().contains("No certificate has this code"));

    let listed: Vec<Certification> =
        app.get("/api/v1/certifications").session(&learner).send().await.assert_status(200).json();
    assert_eq!(listed[0].holders, 1);
}

async fn a_failed_assessment_earns_nothing(app: TestApp) {
    let c = course(&app).await;
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;
    certify(&app, &c).await;
    take_path(&app, &learner, &c, false).await;
    assert!(certificates(&app, &learner).await.is_empty(), "50 % doesn't reach a passing score of 100 %");
    // The phone claiming a perfect score changes nothing: the server scores.
    let claim = json!({"id": id(), "kind": "quiz_attempt", "module_id": c.quiz, "module_version": 1,
        "occurred_at": Utc::now().to_rfc3339(), "payload": {"answers": [[0], [0]], "device_score": 100}});
    sync_from(&app, &learner, "phone-1", vec![claim]).await;
    assert!(certificates(&app, &learner).await.is_empty());

    // Required modules matter too: a pass without the tip cards isn't enough.
    let other = learner_in(&app, Some("Account Executive"), None, None).await;
    let pass = json!({"id": id(), "kind": "quiz_attempt", "module_id": c.quiz, "module_version": 1,
        "occurred_at": Utc::now().to_rfc3339(), "payload": {"answers": [[1], [0, 2]]}});
    sync_from(&app, &other, "phone-2", vec![pass]).await;
    assert!(certificates(&app, &other).await.is_empty());

    // Passing later earns it.
    let retry = json!({"id": id(), "kind": "quiz_attempt", "module_id": c.quiz, "module_version": 1,
        "occurred_at": Utc::now().to_rfc3339(), "payload": {"answers": [[1], [2, 0]]}});
    sync_from(&app, &learner, "phone-1", vec![retry]).await;
    assert_eq!(certificates(&app, &learner).await.len(), 1);
}

async fn learners_who_already_qualify_get_it_when_it_is_created(app: TestApp) {
    let c = course(&app).await;
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;
    take_path(&app, &learner, &c, true).await;
    assert!(certificates(&app, &learner).await.is_empty());
    let certification = certify(&app, &c).await;
    assert_eq!(certification.holders, 1);
    assert_eq!(certificates(&app, &learner).await.len(), 1);

    // Changing what it requires makes a new version; certificates keep theirs.
    let changed: Certification = app
        .put(&format!("/api/v1/certifications/{}", certification.id))
        .session(&c.author)
        .json(&json!({"path_id": c.path_id, "required_module_ids": [c.tips[1]], "assessment_module_ids": [c.quiz],
                      "passing_score": 90, "validity_months": 24}))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!((changed.version, changed.required_module_ids.clone()), (2, vec![c.tips[1]]));
    let renamed: Certification = app
        .put(&format!("/api/v1/certifications/{}", certification.id))
        .session(&c.author)
        .json(&json!({"path_id": c.path_id, "title": "Aurora pro", "required_module_ids": [c.tips[1]],
                      "assessment_module_ids": [c.quiz], "passing_score": 90, "validity_months": 24}))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!((renamed.version, renamed.title.as_str()), (2, "Aurora pro"), "a new title isn't a new version");
    let held = certificates(&app, &learner).await;
    assert_eq!((held.len(), held[0].version), (1, 1));
}

async fn certifications_are_checked(app: TestApp) {
    let c = course(&app).await;
    let post = |body: Value| {
        let app = app.clone();
        let author = c.author.clone();
        async move { app.post("/api/v1/certifications").session(&author).json(&body).send().await }
    };
    post(json!({"assessment_module_ids": [c.quiz]})).await.assert_error(422, "invalid_input");
    post(json!({"path_id": c.path_id, "assessment_module_ids": []})).await.assert_error(422, "invalid_input");
    post(json!({"path_id": c.path_id, "assessment_module_ids": [c.tips[0]]})).await.assert_error(422, "invalid_input");
    post(json!({"path_id": c.path_id, "assessment_module_ids": [999_999]})).await.assert_error(422, "invalid_input");
    post(json!({"path_id": c.path_id, "assessment_module_ids": [c.quiz], "required_module_ids": [c.quiz]}))
        .await
        .assert_error(422, "invalid_input");
    post(json!({"path_id": c.path_id, "assessment_module_ids": [c.quiz], "passing_score": 0}))
        .await
        .assert_error(422, "invalid_input");
    post(json!({"path_id": c.path_id, "assessment_module_ids": [c.quiz], "validity_months": 0}))
        .await
        .assert_error(422, "invalid_input");
    post(json!({"path_id": 999_999, "assessment_module_ids": [c.quiz]})).await.assert_error(422, "invalid_input");
    let first = post(json!({"path_id": c.path_id, "assessment_module_ids": [c.quiz]})).await;
    first.assert_status(201);
    let first: Certification = first.json();
    assert_eq!((first.passing_score, first.validity_months), (80, None), "defaults: 80 %, never expires");
    let again = post(json!({"path_id": c.path_id, "assessment_module_ids": [c.quiz]})).await;
    again.assert_error(422, "invalid_input");
    assert!(again.value()["error"]["message"].as_str().unwrap().contains("already a certification"));
    let learner = app.signed_in(Role::Learner).await;
    app.post("/api/v1/certifications")
        .session(&learner)
        .json(&json!({"path_id": c.path_id, "assessment_module_ids": [c.quiz]}))
        .send()
        .await
        .assert_error(403, "forbidden");
}

async fn set_expiry(app: &TestApp, certificate_id: i64, expires_at: DateTime<Utc>) {
    let row = certificate::Entity::find_by_id(certificate_id).one(app.db()).await.unwrap().unwrap();
    let mut active = row.into_active_model();
    active.expires_at = Set(Some(expires_at));
    active.update(app.db()).await.unwrap();
}

async fn expiry_assigns_the_path_again(app: TestApp) {
    let c = course(&app).await;
    certify(&app, &c).await;
    let learner = learner_in(&app, Some("Account Executive"), None, Some("2020-01-06")).await;
    take_path(&app, &learner, &c, true).await;
    let first = certificates(&app, &learner).await.remove(0);
    let catalog: Catalog = app.get("/api/v1/catalog").session(&learner).send().await.assert_status(200).json();
    let path = catalog.paths.iter().find(|p| p.id == c.path_id).unwrap();
    assert_eq!(path.assigned.as_ref().unwrap().since, None, "valid for a year: nothing to renew");

    // Three weeks before it expires, it is expiring, and the path is assigned again.
    set_expiry(&app, first.id, Utc::now() + TimeDelta::days(21)).await;
    let held = certificates(&app, &learner).await;
    assert_eq!(held[0].status, CertificateStatus::Expiring);
    // It has expired: the path is required again, due when it expired, and only what
    // is done from now counts.
    let expired_at = Utc::now() - TimeDelta::days(1);
    set_expiry(&app, first.id, expired_at).await;
    assert_eq!(certificates(&app, &learner).await[0].status, CertificateStatus::Expired);
    let catalog: Catalog = app.get("/api/v1/catalog").session(&learner).send().await.assert_status(200).json();
    let path = catalog.paths.iter().find(|p| p.id == c.path_id).unwrap();
    let renewal = path.assigned.clone().unwrap();
    assert!(renewal.required);
    assert_eq!(renewal.since, Some(first.issued_at));
    assert_eq!(
        renewal.due_date,
        Some(expired_at.date_naive()),
        "due when it expired, not 30 days after a start in 2020"
    );
    let progress: app::api::Progress =
        app.get("/api/v1/progress").session(&learner).send().await.assert_status(200).json();
    for id in [c.tips[0], c.tips[1], c.quiz] {
        let m = catalog.modules.iter().find(|m| m.id == id).unwrap();
        assert!(progress.is_completed(id), "completed once");
        assert!(!m.is_done(&progress), "but not since the certificate: to do again");
    }
    let due = app::learning::due_soon(&catalog, &progress);
    assert_eq!(due.len(), 3, "the whole path is due again");

    // Doing it all again earns a new certificate; the old one is marked renewed, and
    // nothing is due any more.
    let again = |module: i64, kind: &str, payload: Value| {
        json!({"id": id(), "kind": kind, "module_id": module, "module_version": 1,
               "occurred_at": Utc::now().to_rfc3339(), "payload": payload})
    };
    sync_from(
        &app,
        &learner,
        "phone-1",
        vec![
            again(c.tips[0], "completion", json!({})),
            again(c.tips[1], "completion", json!({})),
            again(c.quiz, "quiz_attempt", json!({"answers": [[1], [0, 2]]})),
        ],
    )
    .await;
    let held = certificates(&app, &learner).await;
    assert_eq!(held.len(), 2);
    assert_eq!((held[0].status, held[0].renewed), (CertificateStatus::Valid, false));
    assert_eq!((held[1].id, held[1].renewed), (first.id, true));
    assert_ne!(held[0].code, held[1].code);
    let catalog: Catalog = app.get("/api/v1/catalog").session(&learner).send().await.assert_status(200).json();
    let path = catalog.paths.iter().find(|p| p.id == c.path_id).unwrap();
    assert_eq!(path.assigned.as_ref().unwrap().since, None);
    let verified: Verification =
        app.get(&format!("/api/v1/verify/{}", first.code)).send().await.assert_status(200).json();
    assert_eq!((verified.status, verified.renewed), (CertificateStatus::Expired, true));
}

async fn certificates_are_private_to_their_people(app: TestApp) {
    let c = course(&app).await;
    certify(&app, &c).await;
    let admin = app.signed_in(Role::Admin).await;
    let team: Team = app
        .post("/api/v1/teams")
        .session(&admin)
        .json(&json!({"name": "North"}))
        .send()
        .await
        .assert_status(201)
        .json();
    let learner = learner_in(&app, Some("Account Executive"), Some(team.id), None).await;
    take_path(&app, &learner, &c, true).await;
    let cert = certificates(&app, &learner).await.remove(0);
    let path = format!("/api/v1/certificates/{}", cert.id);
    let own: Certificate = app.get(&path).session(&learner).send().await.assert_status(200).json();
    assert_eq!(own, cert);
    let stranger = app.signed_in(Role::Learner).await;
    app.get(&path).session(&stranger).send().await.assert_error(404, "not_found");
    let manager = crate::support::build::manager_of(&app, &admin, team.id).await;
    app.get(&path).session(&manager).send().await.assert_status(200);
    let other_manager = app.signed_in(Role::Manager).await;
    app.get(&path).session(&other_manager).send().await.assert_error(404, "not_found");
    app.get(&path).session(&admin).send().await.assert_status(200);

    // The certificate's page, made to print, for its holder; a stranger finds nothing.
    let page = app.get(&format!("/certificates/{}", cert.id)).html().session(&learner).send().await;
    page.assert_status(200);
    let html = page.text();
    assert!(html.contains(&cert.code) && html.contains("Aurora certified") && html.contains("awarded to"), "{html}");
    assert!(html.contains(&format!("/verify/{}", cert.code)));
    app.get(&format!("/certificates/{}", cert.id)).html().session(&stranger).send().await.assert_status(404);
}

async fn rebuild_issues_missing_certificates_and_keeps_issued_ones(app: TestApp) {
    let c = course(&app).await;
    certify(&app, &c).await;
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;
    let other = learner_in(&app, Some("Account Executive"), None, None).await;
    take_path(&app, &learner, &c, true).await;
    take_path(&app, &other, &c, true).await;
    let kept = certificates(&app, &learner).await;
    let lost = certificates(&app, &other).await.remove(0);
    certificate::Entity::delete_by_id(lost.id).exec(app.db()).await.unwrap();
    server::sync::rebuild(app.db()).await.unwrap();
    assert_eq!(certificates(&app, &learner).await, kept, "issued certificates and their codes stand");
    let reissued = certificates(&app, &other).await;
    assert_eq!(reissued.len(), 1);
    assert_eq!(reissued[0].issued_at, lost.issued_at, "decided from the records alone");
}

db_tests!(
    a_path_completed_offline_earns_the_certification,
    a_failed_assessment_earns_nothing,
    learners_who_already_qualify_get_it_when_it_is_created,
    certifications_are_checked,
    expiry_assigns_the_path_again,
    certificates_are_private_to_their_people,
    rebuild_issues_missing_certificates_and_keeps_issued_ones,
);
