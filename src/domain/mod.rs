//! Pure rules: parsing and validating what people type, roles and what they allow.
//! No I/O here: no SQL, no HTTP, no clock.

pub mod account;
pub mod incident;
pub mod role;
pub mod validation;

pub use account::{Email, Locale, Slug};
pub use role::{Permission, Role};
pub use validation::{FieldError, Invalid};
