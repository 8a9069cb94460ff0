//! Percent-encoding for links and query strings: RFC 3986's unreserved characters stay as
//! they are, every other byte is escaped.

fn encode_keeping(text: &str, also_keep: &[u8]) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || also_keep.contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One query-string name or value.
pub fn encode(text: &str) -> String {
    encode_keeping(text, b"")
}

/// A local path given as a query value (`/login?next=/admin/groups`): slashes stay readable.
pub fn encode_path(text: &str) -> String {
    encode_keeping(text, b"/")
}

/// `name=value&…` of the pairs whose value is not empty.
pub fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_stay_unescaped() {
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(
            encode_path("/admin/groups?after=a"),
            "/admin/groups%3Fafter%3Da"
        );
        let pairs = [
            ("state".to_owned(), "new".to_owned()),
            ("q".to_owned(), String::new()),
            ("q".to_owned(), "a&b".to_owned()),
        ];
        assert_eq!(query_string(&pairs), "state=new&q=a%26b");
    }
}
