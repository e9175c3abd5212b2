//! Certificates: the page of one earned certificate (made to print), the public page
//! that checks a verification code, and the badges and reminders other pages show.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{Certificate, CertificateStatus, ErrorCode, Me, RequestError, Role, Verification},
    client,
    components::{ErrorMessage, gate::signed_in, set_status},
    reads,
};

/// Opens the browser's print dialog.
fn print() {
    #[cfg(feature = "hydrate")]
    let _ = leptos::prelude::window().print();
}

/// "3 March 2027".
pub fn date_label(at: DateTime<Utc>) -> String {
    crate::dates::day_month_year(&at)
}

/// The badge class for a certificate's status.
pub fn status_class(status: CertificateStatus) -> &'static str {
    match status {
        CertificateStatus::Valid => "badge ok",
        CertificateStatus::Expiring => "badge pending",
        CertificateStatus::Expired | CertificateStatus::Unknown => "badge off",
    }
}

/// "Valid until 3 March 2027", "Expired on …", "Never expires".
pub fn validity_label(status: CertificateStatus, expires_at: Option<DateTime<Utc>>) -> String {
    match (status, expires_at) {
        (_, None) => "Never expires".to_string(),
        (CertificateStatus::Expired, Some(at)) => format!("Expired on {}", date_label(at)),
        (_, Some(at)) => format!("Valid until {}", date_label(at)),
    }
}

/// `/certificates/{id}`: one certificate, laid out to print.
#[component]
pub fn CertificatePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let data = Resource::new(id, |id| {
        client::sendable(async move {
            match id {
                Some(id) => reads::read(reads::Certificate { id }).await,
                None => Err(RequestError::new(ErrorCode::NotFound, "Certificate not found.")),
            }
        })
    });
    view! {
        <Title text="Certificate"/>
        {signed_in(&Role::EVERYONE, move |_me: Me| view! {
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(certificate) => view! { <CertificateSheet certificate/> }.into_any(),
                        Err(error) => {
                            if error.code() == Some(ErrorCode::NotFound) {
                                set_status(404);
                            }
                            view! { <ErrorMessage error/> }.into_any()
                        }
                    }
                })}
            </Suspense>
        })}
    }
}

#[component]
fn CertificateSheet(certificate: Certificate) -> impl IntoView {
    let verify = certificate.verify_path();
    let c = certificate;
    view! {
        <Title text=c.certification.clone()/>
        <div class="no-print line">
            <a class="back small" href="/progress">"← My progress"</a>
            // A handler of the app's, not an inline `onclick` (the policy runs none).
            <button type="button" class="secondary" data-testid="print-certificate" on:click=move |_| print()>"Print"</button>
        </div>
        <article class="certificate" data-testid="certificate">
            <p class="eyebrow">"Certificate"</p>
            <h1>{c.certification.clone()}</h1>
            <p class="muted">"awarded to"</p>
            <p class="holder">{c.holder.clone()}</p>
            <p><span class=status_class(c.status)>{c.status.label()}</span></p>
            <dl class="facts">
                <dt>"Earned on"</dt><dd>{date_label(c.issued_at)}</dd>
                <dt>"Validity"</dt><dd>{validity_label(c.status, c.expires_at)}</dd>
                <dt>"Version"</dt><dd>{c.version}</dd>
                {c.score.map(|s| view! { <dt>"Assessment score"</dt><dd>{format!("{s} %")}</dd> })}
                <dt>"Verification code"</dt><dd class="code" data-testid="certificate-code">{c.code.clone()}</dd>
            </dl>
            {c.renewed.then(|| view! { <p class="muted small">"A newer certificate replaces this one."</p> })}
            <p class="small">"Anyone can check this certificate at "<a href=verify.clone()>{verify.clone()}</a>" on this Primer."</p>
        </article>
    }
}

/// `/verify/{code}`: public; says whether a code is a certificate's, whose, and until
/// when. An unknown code is a 404.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    let data = Resource::new(code, |code| client::sendable(reads::read(reads::Verification { code })));
    view! {
        <Title text="Verify a certificate"/>
        <div class="auth-page">
            <main id="main">
                <span class="brand">"Prim"<span>"er"</span></span>
                <p class="tagline">"Certificate check"</p>
                <Suspense fallback=|| view! { <p class="muted">"Checking…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(v) => view! { <Verified v/> }.into_any(),
                            Err(error) => {
                                if error.code() == Some(ErrorCode::NotFound) {
                                    set_status(404);
                                }
                                view! {
                                    <section class="card" data-testid="verification">
                                        <h1>"Not a certificate"</h1>
                                        <ErrorMessage error/>
                                    </section>
                                }.into_any()
                            }
                        }
                    })}
                </Suspense>
            </main>
        </div>
    }
}

#[component]
fn Verified(v: Verification) -> impl IntoView {
    let headline = match v.status {
        CertificateStatus::Expired => "This certificate has expired",
        _ => "This certificate is valid",
    };
    view! {
        <section class="card certificate" data-testid="verification">
            <p><span class=status_class(v.status)>{v.status.label()}</span></p>
            <h1>{headline}</h1>
            <dl class="facts">
                <dt>"Holder"</dt><dd>{v.holder.clone()}</dd>
                <dt>"Certification"</dt><dd>{format!("{} (version {})", v.certification, v.version)}</dd>
                <dt>"Earned on"</dt><dd>{date_label(v.issued_at)}</dd>
                <dt>"Validity"</dt><dd>{validity_label(v.status, v.expires_at)}</dd>
                <dt>"Code"</dt><dd class="code">{v.code.clone()}</dd>
            </dl>
            {v.renewed.then(|| view! { <p class="muted small">"The holder has since renewed it: a newer certificate exists."</p> })}
        </section>
    }
}

/// The certificates a learner holds, as badges (the newest of each certification).
#[component]
pub fn CertificateBadges(certificates: Vec<Certificate>) -> impl IntoView {
    let current: Vec<Certificate> = certificates.into_iter().filter(|c| !c.renewed).collect();
    (!current.is_empty()).then(|| {
        view! {
            <section class="card" data-testid="certificates">
                <h2>"Certificates"</h2>
                <ul class="badges">
                    {current.into_iter().map(|c| view! {
                        <li>
                            <a class="cert-badge" href=format!("/certificates/{}", c.id)>
                                <span class="medal" aria-hidden="true">"★"</span>
                                <span class="title">{c.certification.clone()}</span>
                                <span class=status_class(c.status)>{validity_label(c.status, c.expires_at)}</span>
                            </a>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

/// Certificates that expire within 30 days (or have expired and weren't renewed): the
/// path is due again.
#[component]
pub fn RenewalReminders(certificates: Vec<Certificate>) -> impl IntoView {
    let due: Vec<Certificate> =
        certificates.into_iter().filter(|c| !c.renewed && c.status != CertificateStatus::Valid).collect();
    (!due.is_empty()).then(|| {
        view! {
            <section class="card warn" data-testid="renewals">
                <h2>"Renew your certification"</h2>
                <ul class="plain">
                    {due.into_iter().map(|c| view! {
                        <li>
                            <a href=format!("/certificates/{}", c.id)>{c.certification.clone()}</a>
                            " · "{validity_label(c.status, c.expires_at)}
                            <span class="muted small">" — its path is assigned again; do it to keep certified."</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

/// Loads the signed-in person's certificates and renders `f` with them (nothing while
/// loading or if they can't be read, offline for instance).
pub fn with_my_certificates<IV, F>(f: F) -> impl IntoView
where
    IV: IntoView + 'static,
    F: Fn(Vec<Certificate>) -> IV + Clone + Send + Sync + 'static,
{
    let held = Resource::new(|| (), |_| client::sendable(reads::read(reads::MyCertificates)));
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let f = f.clone();
                Suspend::new(async move { held.await.ok().map(&f) })
            }}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_reads_naturally() {
        let at: DateTime<Utc> = "2027-03-03T10:00:00Z".parse().unwrap();
        assert_eq!(validity_label(CertificateStatus::Valid, Some(at)), "Valid until 3 March 2027");
        assert_eq!(validity_label(CertificateStatus::Expired, Some(at)), "Expired on 3 March 2027");
        assert_eq!(validity_label(CertificateStatus::Valid, None), "Never expires");
    }
}
