//! Pure rules: parsing and validating what people type, roles and what they allow.
//! No I/O here: no SQL, no HTTP, no clock.

pub mod account;
pub mod clustering;
pub mod incident;
pub mod journal;
pub mod problem;
pub mod role;
pub mod sla;
pub mod sla_clock;
pub mod ticket;
pub mod validation;

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

macro_rules! labelled {
    ($($t:ty),*) => {$(
        impl Labelled for $t {
            fn as_str(self) -> &'static str {
                <$t>::as_str(self)
            }
            fn label_key(self) -> &'static str {
                <$t>::label_key(self)
            }
        }
    )*};
}

labelled!(
    Role,
    Locale,
    incident::IncidentState,
    incident::HoldReason,
    incident::ResolutionCode,
    incident::Level,
    problem::ProblemState,
    problem::ProblemResolution
);
