//! Email over SMTP (lettre, rustls with the system's trusted roots), each message plain
//! text and HTML, DKIM-signed when a key is configured.
//!
//! `PRIMER_SMTP_URL` is lettre's form: `smtps://user:pass@host:465` (TLS from the
//! start), `smtp://user:pass@host:587?tls=required` (STARTTLS, refused if the server
//! doesn't offer it), or `smtp://host:25` for a relay on the same network (no TLS, so no
//! credentials: Primer refuses to send a password in the clear).

use std::{path::PathBuf, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Mailbox, MultiPart,
        dkim::{DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey},
        header::{HeaderName, HeaderValue},
    },
    transport::smtp::client::{Certificate, Tls, TlsParameters},
};

/// How Primer reaches its mail server, as configured.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `PRIMER_SMTP_URL`.
    pub url: String,
    /// `PRIMER_MAIL_FROM`: `Primer <primer@example.com>` or a bare address.
    pub from: String,
    /// `PRIMER_SMTP_CA_FILE`: PEM certificates to trust for the mail server (a private CA)
    /// besides the system's.
    pub ca_file: Option<PathBuf>,
    /// `PRIMER_DKIM_KEY`: a PEM RSA private key (PKCS#1) to sign with, for the domain of
    /// the From address.
    pub dkim_key: Option<PathBuf>,
    /// `PRIMER_DKIM_SELECTOR`: the DNS name of the key, `SELECTOR._domainkey.DOMAIN`.
    pub dkim_selector: String,
}

/// One message, written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub text: String,
    /// Every piece of text in it escaped.
    pub html: String,
    /// A one-click unsubscribe link (RFC 8058), for messages a person may turn off.
    /// Never on sign-in links.
    pub unsubscribe: Option<String>,
}

/// Why a message didn't go.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth another try: the server is unreachable, busy, or said "try later" (4xx).
    #[error("{0}")]
    Temporary(String),
    /// The server refused it for good (5xx: no such mailbox, refused sender), or the
    /// message can't be written (an address that isn't one).
    #[error("{0}")]
    Permanent(String),
}

/// Sends email for this server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The From address's domain: Message-IDs and DKIM are on it.
    domain: String,
    dkim: Option<DkimConfig>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the transport: it holds the credentials.
        f.debug_struct("Mailer").field("from", &self.from.to_string()).field("dkim", &self.dkim.is_some()).finish()
    }
}

/// How long one conversation with the mail server may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

impl Mailer {
    /// Checks the configuration and prepares the connection (nothing is sent yet).
    pub fn new(config: &MailConfig) -> Result<Mailer, String> {
        let from: Mailbox =
            config.from.trim().parse().map_err(|e| format!("PRIMER_MAIL_FROM {:?}: {e}", config.from))?;
        let domain = from.email.domain().to_ascii_lowercase();
        let url = url::Url::parse(config.url.trim()).map_err(|e| format!("PRIMER_SMTP_URL is not a URL: {e}"))?;
        let tls_mode = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let encrypted = match (url.scheme(), tls_mode.as_deref()) {
            ("smtps", _) | ("smtp", Some("required")) => true,
            ("smtp", None) => false,
            ("smtp", Some("opportunistic")) => {
                return Err("PRIMER_SMTP_URL: ?tls=opportunistic would send in the clear when STARTTLS fails; \
                     use ?tls=required, smtps://, or plain smtp:// for a relay on the same network"
                    .into());
            }
            (scheme, tls) => {
                return Err(format!(
                    "PRIMER_SMTP_URL: use smtps://, smtp://…?tls=required or smtp:// (not {scheme}:// with tls={tls:?})"
                ));
            }
        };
        if !encrypted && url.password().is_some() {
            return Err("PRIMER_SMTP_URL: credentials on plain smtp:// would cross the network in the clear; \
                 use smtps:// or ?tls=required"
                .into());
        }
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(config.url.trim())
            .map_err(|e| format!("PRIMER_SMTP_URL: {e}"))?
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(ca_file) = &config.ca_file {
            if !encrypted {
                return Err("PRIMER_SMTP_CA_FILE is for TLS: use smtps:// or ?tls=required".into());
            }
            let pem = std::fs::read(ca_file).map_err(|e| format!("PRIMER_SMTP_CA_FILE {}: {e}", ca_file.display()))?;
            let ca =
                Certificate::from_pem(&pem).map_err(|e| format!("PRIMER_SMTP_CA_FILE {}: {e}", ca_file.display()))?;
            let host = url.host_str().unwrap_or_default().to_owned();
            let params = TlsParameters::builder(host)
                .add_root_certificate(ca)
                .build_rustls()
                .map_err(|e| format!("PRIMER_SMTP_CA_FILE: {e}"))?;
            builder = builder.tls(if url.scheme() == "smtps" { Tls::Wrapper(params) } else { Tls::Required(params) });
        }
        let dkim = match &config.dkim_key {
            None => None,
            Some(path) => {
                let pem =
                    std::fs::read_to_string(path).map_err(|e| format!("PRIMER_DKIM_KEY {}: {e}", path.display()))?;
                let key = DkimSigningKey::new(&pem, DkimSigningAlgorithm::Rsa).map_err(|e| {
                    format!("PRIMER_DKIM_KEY {}: not a PEM RSA private key (PKCS#1): {e}", path.display())
                })?;
                let signed =
                    ["From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"];
                Some(DkimConfig::new(
                    config.dkim_selector.trim().to_owned(),
                    domain.clone(),
                    key,
                    signed.into_iter().map(HeaderName::new_from_ascii_str).collect(),
                    // Relaxed both ways: relays that refold headers or trailing spaces
                    // don't break the signature.
                    DkimCanonicalization {
                        header: DkimCanonicalizationType::Relaxed,
                        body: DkimCanonicalizationType::Relaxed,
                    },
                ))
            }
        };
        Ok(Mailer { transport: builder.build(), from, domain, dkim })
    }

    /// Sends one letter to one person.
    pub async fn send(&self, to_name: &str, to_address: &str, letter: &Letter) -> Result<(), SendError> {
        let message = self.write(to_name, to_address, letter)?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                SendError::Permanent(format!("the mail server refused it: {e}"))
            } else {
                SendError::Temporary(format!("the mail server didn't take it: {e}"))
            }
        })
    }

    /// The message as it goes out: headers, both bodies, the signature.
    fn write(&self, to_name: &str, to_address: &str, letter: &Letter) -> Result<Message, SendError> {
        let to_email = to_address
            .parse()
            .map_err(|e| SendError::Permanent(format!("{to_address:?} is not an email address: {e}")))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(to_name.to_owned()), to_email))
            .subject(letter.subject.clone())
            .message_id(Some(format!("<{}@{}>", uuid::Uuid::new_v4().simple(), self.domain)));
        if let Some(link) = &letter.unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{link}>")))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let mut message = builder
            .multipart(MultiPart::alternative_plain_html(letter.text.clone(), letter.html.clone()))
            .map_err(|e| SendError::Permanent(format!("the message can't be written: {e}")))?;
        if let Some(dkim) = &self.dkim {
            message.sign(dkim);
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> MailConfig {
        MailConfig {
            url: url.into(),
            from: "Primer <primer@example.com>".into(),
            ca_file: None,
            dkim_key: None,
            dkim_selector: "primer".into(),
        }
    }

    // The transport's pool needs a runtime.
    #[tokio::test]
    async fn urls_in_lettres_forms_are_taken() {
        for url in
            ["smtps://u:p@mail.example.com:465", "smtp://u:p@mail.example.com:587?tls=required", "smtp://relay:25"]
        {
            assert!(Mailer::new(&config(url)).is_ok(), "{url}");
        }
    }

    // The transport's pool needs a runtime.
    #[tokio::test]
    async fn nothing_goes_in_the_clear_that_shouldnt() {
        let refused = |url: &str| Mailer::new(&config(url)).unwrap_err();
        assert!(refused("smtp://u:secret@relay:25").contains("in the clear"));
        assert!(refused("smtp://relay:587?tls=opportunistic").contains("opportunistic"));
        assert!(refused("http://relay").contains("smtps://"));
        let mut with_ca = config("smtp://relay:25");
        with_ca.ca_file = Some("/nonexistent".into());
        assert!(Mailer::new(&with_ca).unwrap_err().contains("is for TLS"));
        let mut bad_from = config("smtp://relay:25");
        bad_from.from = "not an address".into();
        assert!(Mailer::new(&bad_from).unwrap_err().contains("PRIMER_MAIL_FROM"));
    }

    // The transport's pool needs a runtime.
    #[tokio::test]
    async fn a_letter_is_written_with_both_bodies_and_its_headers() {
        let mailer = Mailer::new(&config("smtp://relay:25")).unwrap();
        let letter = Letter {
            subject: "Due: <b>Pitch</b>".into(),
            text: "plain".into(),
            html: "<p>html</p>".into(),
            unsubscribe: Some("https://primer.example.com/unsubscribe/abc".into()),
        };
        let written =
            String::from_utf8(mailer.write("Ann \"<x>\" Lee", "ann@example.com", &letter).unwrap().formatted())
                .unwrap();
        assert!(written.contains("List-Unsubscribe: <https://primer.example.com/unsubscribe/abc>"), "{written}");
        assert!(written.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(written.contains("multipart/alternative"));
        assert!(written.contains("@example.com>"), "a Message-ID on the sender's domain");
        let none = Letter { unsubscribe: None, ..letter };
        let written = String::from_utf8(mailer.write("Ann", "ann@example.com", &none).unwrap().formatted()).unwrap();
        assert!(!written.contains("List-Unsubscribe"));
        assert!(matches!(mailer.write("Ann", "not-an-address", &none), Err(SendError::Permanent(_))));
    }
}
