//! The one link type of every document and `Link` header (OGC API, RFC 8288).

use serde::Serialize;

/// A typed link: where, how it relates, what it is, what to call it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub href: String,
    pub rel: &'static str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Link {
    pub fn new(href: impl Into<String>, rel: &'static str) -> Link {
        Link {
            href: href.into(),
            rel,
            media_type: None,
            title: None,
        }
    }

    /// A link with all four members, as the OGC API documents write them.
    pub fn full(
        href: impl Into<String>,
        rel: &'static str,
        media_type: &'static str,
        title: impl Into<String>,
    ) -> Link {
        Link::new(href, rel).typed(media_type).titled(title)
    }

    pub fn typed(mut self, media_type: &'static str) -> Link {
        self.media_type = Some(media_type);
        self
    }

    pub fn titled(mut self, title: impl Into<String>) -> Link {
        self.title = Some(title.into());
        self
    }

    /// The value of a `Link` header (RFC 8288) holding `links`.
    pub fn header_value<'a>(links: impl IntoIterator<Item = &'a Link>) -> String {
        links
            .into_iter()
            .map(|l| {
                let mut v = format!("<{}>; rel=\"{}\"", l.href, l.rel);
                if let Some(t) = l.media_type {
                    v.push_str(&format!("; type=\"{t}\""));
                }
                v
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_in_ogc_member_order_and_skips_what_is_absent() {
        let full = Link::full("http://x/a", "self", "application/json", "This document");
        assert_eq!(
            serde_json::to_string(&full).unwrap(),
            r#"{"href":"http://x/a","rel":"self","type":"application/json","title":"This document"}"#
        );
        let bare = Link::new("http://x/b", "license");
        assert_eq!(
            serde_json::to_string(&bare).unwrap(),
            r#"{"href":"http://x/b","rel":"license"}"#
        );
    }

    #[test]
    fn header_value_follows_rfc_8288() {
        let links = [
            Link::full("http://x/?cursor=1.10", "next", "text/csv", "Next page"),
            Link::new("http://x/", "collection"),
        ];
        assert_eq!(
            Link::header_value(&links),
            r#"<http://x/?cursor=1.10>; rel="next"; type="text/csv", <http://x/>; rel="collection""#
        );
    }
}
