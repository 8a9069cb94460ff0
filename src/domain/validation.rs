//! Field errors: every rejected field is named, with a message key each face translates.

/// One offending field. `key` is a message key in the i18n catalogues (`error.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub key: &'static str,
}

impl FieldError {
    pub fn new(field: impl Into<String>, key: &'static str) -> Self {
        Self {
            field: field.into(),
            key,
        }
    }
}

/// Collects field errors while a whole input is checked, so that all of them are reported.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn add(&mut self, field: impl Into<String>, key: &'static str) {
        self.0.push(FieldError::new(field, key));
    }

    /// Keeps the value of a successful parse; records the error of a failed one.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, &'static str>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(key) => {
                self.add(field, key);
                None
            }
        }
    }

    /// `Ok(value)` when nothing was recorded.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Self> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Trims `value` and checks it holds 1 to `max` characters.
pub fn required_text(value: &str, max: usize) -> Result<String, &'static str> {
    let value = value.trim();
    if value.is_empty() {
        Err("error.required")
    } else if value.chars().count() > max {
        Err("error.too_long")
    } else {
        Ok(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_bounds_the_length() {
        assert_eq!(
            required_text("  Service Desk ", 20),
            Ok("Service Desk".to_owned())
        );
        assert_eq!(required_text("   ", 20), Err("error.required"));
        assert_eq!(required_text(&"ä".repeat(21), 20), Err("error.too_long"));
        assert_eq!(required_text(&"ä".repeat(20), 20), Ok("ä".repeat(20)));
    }

    #[test]
    fn invalid_collects_every_field() {
        let mut invalid = Invalid::default();
        assert_eq!(
            invalid.check("name", required_text("ok", 5)),
            Some("ok".to_owned())
        );
        assert_eq!(invalid.check("key", required_text("", 5)), None);
        invalid.add("email", "error.email");
        let fields: Vec<_> = invalid.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["key", "email"]);
        assert!(invalid.finish(|| ()).is_err());
    }
}
