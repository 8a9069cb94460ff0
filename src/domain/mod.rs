//! Pure rules: parsing and validating what people type, roles and what they allow.
//! No I/O here: no SQL, no HTTP, no clock.

/// Declares a closed set of text values, the one shape every such set has here: the enum
/// (serialised in snake case, which must be its text: a test checks), `ALL` in the given order, `as_str`, `parse` (trimmed; the error
/// is the catalogue key naming the field), `label_key` (`<label>.<text>`) and `Labelled`.
/// The store reads and writes all of them as TEXT through one codec (`store::codec`).
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (error = $error:literal, label = $label:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(value: &str) -> Result<Self, &'static str> {
                let value = value.trim();
                Self::ALL.into_iter().find(|v| v.as_str() == value).ok_or($error)
            }

            /// The catalogue key of its label.
            pub fn label_key(self) -> &'static str {
                match self {
                    $($name::$variant => concat!($label, ".", $text)),+
                }
            }
        }

        impl $crate::domain::Labelled for $name {
            fn as_str(self) -> &'static str {
                <$name>::as_str(self)
            }
            fn label_key(self) -> &'static str {
                <$name>::label_key(self)
            }
        }
    };
}

pub mod account;
pub mod approval;
pub mod attachment;
pub mod clustering;
pub mod form;
pub mod improvement;
pub mod incident;
pub mod insight;
pub mod journal;
pub mod mail;
pub mod problem;
pub mod request;
pub mod rng;
pub mod role;
pub mod sla;
pub mod sla_clock;
pub mod task;
pub mod ticket;
pub mod validation;
pub mod webhook;

pub use account::{Email, Locale, Slug};
pub use role::{Permission, Role};
pub use validation::{FieldError, Invalid};

/// A closed set of values with an API name and a catalogue key for its label.
pub trait Labelled: Copy {
    /// The name in the API and the database.
    fn as_str(self) -> &'static str;
    /// The catalogue key of its label.
    fn label_key(self) -> &'static str;
}

#[cfg(test)]
mod tests {
    use super::Labelled;
    use super::approval::{ApprovalRule, Decision};
    use super::form::FieldKind;
    use super::incident::{HoldReason, IncidentState, Level, ResolutionCode};
    use super::problem::{ProblemResolution, ProblemState};
    use super::request::RequestState;
    use super::task::TaskState;
    use super::{Locale, Role};

    fn same_text_everywhere<T: Labelled + serde::Serialize + serde::de::DeserializeOwned>(
        all: &[T],
        parse: fn(&str) -> Result<T, &'static str>,
    ) {
        for value in all {
            let text = value.as_str();
            assert_eq!(
                serde_json::to_value(value).unwrap(),
                text,
                "serde writes {text}"
            );
            let read: T = serde_json::from_value(text.into()).unwrap();
            assert_eq!(read.as_str(), text, "serde reads {text}");
            assert_eq!(parse(&format!(" {text} ")).map(Labelled::as_str), Ok(text));
            assert!(value.label_key().ends_with(&format!(".{text}")));
        }
        assert!(parse("no such value").is_err());
    }

    #[test]
    fn every_text_enum_has_one_text_in_the_api_the_database_and_its_label() {
        same_text_everywhere(&Level::ALL, Level::parse);
        same_text_everywhere(&IncidentState::ALL, IncidentState::parse);
        same_text_everywhere(&HoldReason::ALL, HoldReason::parse);
        same_text_everywhere(&ResolutionCode::ALL, ResolutionCode::parse);
        same_text_everywhere(&ProblemState::ALL, ProblemState::parse);
        same_text_everywhere(&ProblemResolution::ALL, ProblemResolution::parse);
        same_text_everywhere(&RequestState::ALL, RequestState::parse);
        same_text_everywhere(&FieldKind::ALL, FieldKind::parse);
        same_text_everywhere(&ApprovalRule::ALL, ApprovalRule::parse);
        same_text_everywhere(&Decision::ALL, Decision::parse);
        same_text_everywhere(&TaskState::ALL, TaskState::parse);
        same_text_everywhere(&Role::ALL, Role::parse);
        same_text_everywhere(&Locale::ALL, Locale::parse);
    }
}
