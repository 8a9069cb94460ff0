//! HTTP pieces both faces (api/, web/) share, so neither imports the other.

mod client_address;

pub use client_address::ClientAddress;

/// Bodies larger than this are refused with `413`.
pub const BODY_LIMIT: usize = 1024 * 1024;
