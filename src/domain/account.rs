//! Values people type for accounts and reference data: e-mail addresses, keys, languages.

/// An e-mail address, trimmed and lower-cased: addresses are compared without case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let value = value.trim().to_lowercase();
        if value.is_empty() {
            return Err("error.required");
        }
        if value.len() > 254 {
            return Err("error.too_long");
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err("error.email");
        };
        let domain_ok = !domain.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok =
            !local.is_empty() && !local.contains('@') && !local.chars().any(char::is_whitespace);
        if domain_ok && local_ok {
            Ok(Self(value))
        } else {
            Err("error.email")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key of a group or service: a lowercase slug such as `service-desk`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let value = value.trim();
        if value.is_empty() {
            return Err("error.required");
        }
        if value.len() > 64 {
            return Err("error.too_long");
        }
        let chars_ok = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if chars_ok && !value.starts_with('-') && !value.ends_with('-') {
            Ok(Self(value.to_owned()))
        } else {
            Err("error.slug")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_enum! {
    /// The languages of the user interface.
    #[derive(Default)]
    pub enum Locale (error = "error.locale", label = "language") {
        #[default]
        En = "en",
        De = "de",
    }
}

impl Locale {
    /// The best of our languages for an `Accept-Language` header, honouring its q-values.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            let Ok(locale) = Locale::parse(primary) else {
                continue;
            };
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, locale));
            }
        }
        best.map(|(_, locale)| locale)
    }
}

/// A new password: long enough to resist guessing, short enough to hash cheaply.
pub fn check_password(value: &str) -> Result<(), &'static str> {
    match value.chars().count() {
        0..12 => Err("error.password_short"),
        12..=256 => Ok(()),
        _ => Err("error.too_long"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse(" Anna.Schmidt@Example.COM ").unwrap().as_str(),
            "anna.schmidt@example.com"
        );
        assert_eq!(
            Email::parse("müller@beispiel.de").unwrap().as_str(),
            "müller@beispiel.de"
        );
        for bad in [
            "anna",
            "anna@",
            "@example.com",
            "an na@example.com",
            "anna@exa mple.com",
            "a@b..c",
            "a@.b",
        ] {
            assert_eq!(Email::parse(bad), Err("error.email"), "{bad}");
        }
        assert_eq!(Email::parse(""), Err("error.required"));
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert!(Slug::parse("service-desk").is_ok());
        assert!(Slug::parse("hr2").is_ok());
        for bad in ["Service", "service desk", "-desk", "desk-", "dësk", "a_b"] {
            assert_eq!(Slug::parse(bad), Err("error.slug"), "{bad}");
        }
        assert_eq!(Slug::parse(&"a".repeat(65)), Err("error.too_long"));
    }

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(
            Locale::from_accept_language("de-DE,de;q=0.9,en;q=0.8"),
            Some(Locale::De)
        );
        assert_eq!(
            Locale::from_accept_language("fr-FR, en-US;q=0.7, de;q=0.5"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("en;q=0.2, de;q=0.9"),
            Some(Locale::De)
        );
        assert_eq!(Locale::from_accept_language("fr, it"), None);
        assert_eq!(Locale::from_accept_language("de;q=0"), None);
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert_eq!(check_password("short"), Err("error.password_short"));
        assert_eq!(check_password("correct horse"), Ok(()));
    }
}
