//! What every test binary shares: the database (`db`), the application under test with its
//! operations (`app`), and reading pages by CSS selector (`page`). Each binary includes this
//! folder with `#[path]` and uses the parts it needs.

pub mod app;
pub mod clamd;
pub mod db;
pub mod dovecot;
pub mod moto;
pub mod page;

pub use app::*;
pub use db::{fresh_database, unannounced};
pub use page::Page;
