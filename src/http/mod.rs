//! HTTP pieces both faces (api/, web/) share, so neither imports the other.

mod client_address;
pub mod files;

pub use client_address::ClientAddress;

/// Makes ring (already in the tree through sqlx) the process's TLS crypto provider, before
/// any HTTPS client is built (webhook deliveries, and the tests' clients). Idempotent.
pub fn install_crypto_provider() {
    // Err: a provider is installed already, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Bodies larger than this are refused with `413`.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The value of a query-string parameter; sent more than once, the last one counts.
pub fn last_value(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}
