//! HTTP pieces both faces (api/, web/) share, so neither imports the other.

mod client_address;

pub use client_address::ClientAddress;
