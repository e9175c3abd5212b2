//! Tip cards: Markdown rendered to HTML and sanitised. No script, no event handlers, no
//! `javascript:` (or other unsafe) links, and images only from Primer's own media, so a
//! saved card works offline and can't call out to anywhere.

use std::collections::HashSet;

use pulldown_cmark::{Event, Options, Parser, Tag, html};

/// A tip card, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Safe HTML.
    pub html: String,
    /// The Primer media the card shows (SHA-256s, in order of first use).
    pub media_ids: Vec<String>,
    /// Images that are not Primer media (left out of the HTML).
    pub foreign_images: Vec<String>,
}

/// The media id in a Primer media URL (`/media/<sha256>`), if it is one.
pub fn media_id(url: &str) -> Option<&str> {
    let id = url.strip_prefix("/media/")?;
    (id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())).then_some(id)
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Renders and sanitises a card.
pub fn render(markdown: &str) -> Rendered {
    let mut media_ids = Vec::new();
    let mut foreign_images = Vec::new();
    for event in Parser::new_ext(markdown, options()) {
        if let Event::Start(Tag::Image { dest_url, .. }) = event {
            match media_id(&dest_url) {
                Some(id) if !media_ids.iter().any(|m| m == id) => media_ids.push(id.to_string()),
                Some(_) => {}
                None => foreign_images.push(dest_url.to_string()),
            }
        }
    }
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    let html = ammonia::Builder::default()
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Images only from Primer's media store.
            ("img", "src") => media_id(value).map(|_| value.into()),
            _ => Some(value.into()),
        })
        .clean(&raw)
        .to_string();
    // Lazy-load images: a card with many pictures shouldn't fetch them all at once.
    let html = html.replace("<img ", "<img loading=\"lazy\" ");
    Rendered { html, media_ids, foreign_images }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn renders_markdown() {
        let r = render("# Objections\n\n**Price**: talk value.\n\n- one\n- two\n");
        assert!(r.html.contains("<h1>Objections</h1>"));
        assert!(r.html.contains("<strong>Price</strong>"));
        assert!(r.html.contains("<li>one</li>"));
    }

    #[test]
    fn removes_scripts_handlers_and_unsafe_links() {
        let r = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) \
             <a href=\"javascript:alert(2)\" onclick=\"x()\">b</a> <iframe src=\"https://evil.example\"></iframe> \
             [data](data:text/html;base64,PHNjcmlwdD4=) <p style=\"background:url(x)\" onmouseover=\"y()\">p</p>",
        );
        let lower = r.html.to_lowercase();
        for bad in ["<script", "onerror", "onclick", "onmouseover", "javascript:", "<iframe", "data:text", "style="] {
            assert!(!lower.contains(bad), "{bad} in {}", r.html);
        }
    }

    #[test]
    fn links_are_kept_safe() {
        let r = render("[Aurora](https://example.com/aurora)");
        assert!(r.html.contains(r#"href="https://example.com/aurora""#));
        assert!(r.html.contains(r#"rel="noopener noreferrer""#));
    }

    #[test]
    fn images_must_be_primer_media() {
        let r =
            render(&format!("![chart](/media/{SHA}) ![again](/media/{SHA}) ![tracker](https://evil.example/p.gif)"));
        assert_eq!(r.media_ids, [SHA]);
        assert_eq!(r.foreign_images, ["https://evil.example/p.gif"]);
        assert!(r.html.contains(&format!(r#"src="/media/{SHA}""#)));
        assert!(r.html.contains(r#"loading="lazy""#));
        assert!(!r.html.contains("evil.example"));
    }

    #[test]
    fn media_ids_are_exact() {
        assert_eq!(media_id(&format!("/media/{SHA}")), Some(SHA));
        assert_eq!(media_id(&format!("/media/{}", SHA.to_uppercase())), None);
        assert_eq!(media_id("/media/abc"), None);
        assert_eq!(media_id(&format!("https://x/media/{SHA}")), None);
    }
}
