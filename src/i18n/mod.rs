//! The user-visible text in English and German: two catalogues compiled into the binary, one
//! `key = text` per line, `{0}`, `{1}` for arguments. Tests check that both have the same keys
//! and that every key the templates and code use exists.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::domain::Locale;

const EN: &str = include_str!("en.txt");
const DE: &str = include_str!("de.txt");

/// Parses a catalogue; a line that is not blank, a `#` comment or `key = text` is a bug.
pub fn parse_catalogue(source: &str) -> Result<HashMap<&str, &str>, String> {
    let mut map = HashMap::new();
    for (n, line) in source.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, text) = line
            .split_once(" = ")
            .ok_or_else(|| format!("line {}: expected `key = text`", n + 1))?;
        if map.insert(key.trim(), text.trim()).is_some() {
            return Err(format!("line {}: duplicate key {key}", n + 1));
        }
    }
    Ok(map)
}

fn catalogue(locale: Locale) -> &'static HashMap<&'static str, &'static str> {
    static CATALOGUES: OnceLock<[HashMap<&'static str, &'static str>; 2]> = OnceLock::new();
    let [en, de] = CATALOGUES.get_or_init(|| {
        [EN, DE].map(|source| parse_catalogue(source).expect("the catalogues are checked by tests"))
    });
    match locale {
        Locale::En => en,
        Locale::De => de,
    }
}

/// The text of one language, passed to every template as `tr`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }

    /// The text for `key`; the key itself if missing (tests make sure none is).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        catalogue(self.locale).get(key).copied().unwrap_or(key)
    }

    /// The text for `key` with `{0}`, `{1}`, … replaced by `args`.
    pub fn tn(&self, key: &str, args: &[&str]) -> String {
        let mut text = self.t(key).to_owned();
        for (n, arg) in args.iter().enumerate() {
            text = text.replace(&format!("{{{n}}}"), arg);
        }
        text
    }

    /// The text for `key` with `{0}` replaced by `arg`.
    pub fn t1(&self, key: &str, arg: impl std::fmt::Display) -> String {
        self.t(key).replace("{0}", &arg.to_string())
    }

    pub fn lang(&self) -> &'static str {
        self.locale.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_catalogues_parse_and_have_the_same_keys() {
        let en: BTreeSet<_> = parse_catalogue(EN).unwrap().into_keys().collect();
        let de: BTreeSet<_> = parse_catalogue(DE).unwrap().into_keys().collect();
        let only_en: Vec<_> = en.difference(&de).collect();
        let only_de: Vec<_> = de.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_de.is_empty(),
            "only in en: {only_en:?}; only in de: {only_de:?}"
        );
    }

    #[test]
    fn placeholders_match_between_languages() {
        let en = parse_catalogue(EN).unwrap();
        let de = parse_catalogue(DE).unwrap();
        for (key, text) in &en {
            for placeholder in ["{0}", "{1}", "{2}"] {
                assert_eq!(
                    text.contains(placeholder),
                    de[key].contains(placeholder),
                    "{key} {placeholder}"
                );
            }
        }
    }

    /// Every `t("…")`/`t1("…"` in the templates and the code, and every error, flash, role and language key, exists.
    #[test]
    fn every_key_used_exists_in_the_catalogues() {
        let en = parse_catalogue(EN).unwrap();
        let mut missing = BTreeSet::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        collect(&root.join("templates"), &mut files);
        collect(&root.join("src"), &mut files);
        assert!(files.len() > 10, "found the sources");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for key in used_keys(&text) {
                if !en.contains_key(key.as_str()) {
                    missing.insert(format!("{key} ({})", file.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the catalogues: {missing:#?}"
        );
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect(&path, out);
            } else if path.extension().is_some_and(|e| e == "html" || e == "rs") {
                out.push(path);
            }
        }
    }

    fn used_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for marker in [
            "t(\"",
            "t1(\"",
            "\"error.",
            "\"flash.",
            "\"role.",
            "\"language.",
            "tn(\"",
            "\"state.",
            "\"hold.",
            "\"resolution.",
            "\"level.",
            "\"queue.",
            "\"journal.",
            "\"incident.",
            "\"move.",
            "\"problem_state.",
            "\"problem_resolution.",
            "\"sla.",
            "\"weekday.",
        ] {
            let mut rest = text;
            while let Some(at) = rest.find(marker) {
                let start = at + marker.len()
                    - if marker.starts_with('"') {
                        marker.len() - 1
                    } else {
                        0
                    };
                let after = &rest[start..];
                let end = after.find('"').unwrap_or(after.len());
                let key = &after[..end];
                if key.contains('.')
                    && !key.contains(' ')
                    && !key.ends_with('.')
                    && !key.contains('{')
                    && !key.contains('\\')
                    && !std::path::Path::new(key)
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("html"))
                {
                    keys.push(key.to_owned());
                }
                rest = &rest[at + marker.len()..];
            }
        }
        keys
    }
}
