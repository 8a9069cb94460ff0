//! Pages read as documents: assertions name the element by CSS selector, so a change of
//! attribute order, whitespace or an added class does not break them, and a missing element
//! says which selector found nothing.

use scraper::{ElementRef, Html, Selector};

pub struct Page {
    html: Html,
}

impl Page {
    pub fn parse(source: &str) -> Page {
        Page {
            html: Html::parse_document(source),
        }
    }

    fn select<'a>(&'a self, selector: &str) -> impl Iterator<Item = ElementRef<'a>> + 'a {
        let parsed = Selector::parse(selector)
            .unwrap_or_else(|e| panic!("bad selector {selector:?}: {e:?}"));
        self.html.select(&parsed).collect::<Vec<_>>().into_iter()
    }

    /// How many elements match.
    pub fn count(&self, selector: &str) -> usize {
        self.select(selector).count()
    }

    /// Whether any element matches.
    pub fn has(&self, selector: &str) -> bool {
        self.count(selector) > 0
    }

    /// The text of every match, whitespace collapsed.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        self.select(selector)
            .map(|e| e.text().collect::<Vec<_>>().join(" "))
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    /// An attribute of the first match; panics naming the selector when nothing matches.
    /// The text of every match as one line (empty when nothing matches).
    pub fn text(&self, selector: &str) -> String {
        self.texts(selector).join(" ")
    }

    pub fn attr(&self, selector: &str, name: &str) -> Option<String> {
        self.select(selector)
            .next()
            .unwrap_or_else(|| panic!("nothing matches {selector:?}"))
            .value()
            .attr(name)
            .map(str::to_owned)
    }
}
