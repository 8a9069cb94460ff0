//! Webhooks as the Standard Webhooks specification (standardwebhooks.com) defines them: the
//! signature, the secrets, the retry schedule, the event types, and which addresses a
//! delivery may reach. Pure code; the worker sends, the store remembers.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of a signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A signing key: the bytes after `whsec_`, base64-decoded. `None` when it is not one.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    (24..=64).contains(&key.len()).then_some(key)
}

/// A new secret: 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the operating system gives random bytes");
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// `v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}`.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per secret (two while a rotated secret is
/// still honoured), separated by spaces.
pub fn signature_header(keys: &[Vec<u8>], id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|key| sign(key, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How long to wait after failed attempt number `attempt` (1 = the first) before the next:
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h — about three days in all. `None`
/// after the last: the event is dead-lettered.
pub fn retry_delay(attempt: u32) -> Option<Duration> {
    const SCHEDULE: [u64; 9] = [
        5,
        5 * 60,
        30 * 60,
        2 * 3600,
        5 * 3600,
        10 * 3600,
        14 * 3600,
        20 * 3600,
        24 * 3600,
    ];
    let index = usize::try_from(attempt).ok()?.checked_sub(1)?;
    SCHEDULE.get(index).map(|s| Duration::from_secs(*s))
}

/// The wait before the next attempt: the schedule's, spread by up to ±10 % (`jitter` in
/// -1.0..=1.0) so that many deliveries failing together do not return together, and never
/// less than what the receiver asked for with `Retry-After` (capped at a day).
pub fn next_wait(attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Option<Duration> {
    let scheduled = retry_delay(attempt)?;
    let spread = scheduled.mul_f64(1.0 + 0.1 * jitter.clamp(-1.0, 1.0));
    let asked = retry_after.map_or(Duration::ZERO, |d| d.min(Duration::from_hours(24)));
    Some(spread.max(asked))
}

/// The attempts an event gets before it is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 10;

/// The days an endpoint may fail every delivery before it is disabled.
pub const FAILING_DAYS_BEFORE_DISABLED: i64 = 5;

/// A `Retry-After` header: seconds (an HTTP date is not honoured: the schedule applies).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// What can happen to each record kind; an event type is the kind and what happened,
/// `incident.created`.
const EVENTS: [(&str, &[&str]); 3] = [
    (
        "incident",
        &[
            "created",
            "changed",
            "transitioned",
            "commented",
            "linked",
            "sla_at_risk",
            "sla_response_breached",
            "sla_resolution_breached",
            "close_reminder",
        ],
    ),
    (
        "request",
        &[
            "created",
            "changed",
            "transitioned",
            "commented",
            "sla_at_risk",
            "sla_response_breached",
            "sla_resolution_breached",
            "close_reminder",
        ],
    ),
    (
        "problem",
        &["created", "changed", "transitioned", "commented", "linked"],
    ),
];

/// The event types an endpoint can subscribe to.
pub fn event_types() -> impl Iterator<Item = String> {
    EVENTS
        .iter()
        .flat_map(|(kind, what)| what.iter().map(move |w| format!("{kind}.{w}")))
}

/// A networks list entry: an address with a prefix length (`10.0.0.0/8`, `::1/128`), or one
/// address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Network {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("`{text}` is not an address or network"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{text}` has no valid prefix length"))?,
            None => max,
        };
        Ok(Network { address, prefix })
    }
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local (where
/// cloud metadata services answer, 169.254.169.254), shared (100.64/10), unspecified,
/// multicast, broadcast, documentation or otherwise reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local, fd00:ec2::254 among them
                || (first & 0xffc0) == 0xfe80 // link-local
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b) // NAT64 into any IPv4
        }
    }
}

/// Whether a delivery may connect to this address: a public one, or one the configuration's
/// allow-list names.
pub fn may_connect(ip: IpAddr, allowed: &[Network]) -> bool {
    is_public(ip) || allowed.iter().any(|n| n.contains(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification (its libraries' test suites use it).
    #[test]
    fn signs_as_the_specifications_example() {
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            sign(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let rotated = new_secret();
        let header = signature_header(
            &[key.clone(), secret_key(&rotated).unwrap()],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        let signatures: Vec<&str> = header.split(' ').collect();
        assert_eq!(signatures.len(), 2);
        assert_eq!(
            signatures[0],
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(signatures[1].starts_with("v1,") && signatures[1] != signatures[0]);
    }

    #[test]
    fn event_types_are_a_record_kind_and_what_happened() {
        let all: Vec<String> = event_types().collect();
        assert_eq!(all.len(), 22);
        assert!(all.iter().any(|t| t == "request.sla_at_risk"));
        assert!(all.iter().any(|t| t == "problem.linked"));
        assert!(
            !all.iter().any(|t| t == "problem.sla_at_risk"),
            "problems have no SLA"
        );
    }

    #[test]
    fn secrets_are_whsec_and_enough_random_bytes() {
        let secret = new_secret();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(secret_key(&secret).unwrap().len(), 32);
        assert_ne!(new_secret(), secret);
        assert_eq!(
            secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            None,
            "no prefix"
        );
        assert_eq!(secret_key("whsec_c2hvcnQ="), None, "too short");
        assert_eq!(secret_key("whsec_not base64!"), None);
    }

    #[test]
    fn retries_follow_the_schedule_for_about_three_days_then_stop() {
        let total: Duration = (1..MAX_ATTEMPTS).filter_map(retry_delay).sum();
        assert_eq!(retry_delay(1), Some(Duration::from_secs(5)));
        assert_eq!(retry_delay(9), Some(Duration::from_hours(24)));
        assert_eq!(
            retry_delay(MAX_ATTEMPTS),
            None,
            "the tenth failure is the last"
        );
        assert_eq!(retry_delay(0), None);
        let hours = total.as_secs() / 3600;
        assert!((75..=80).contains(&hours), "{hours} h");
        let low = next_wait(2, -1.0, None).unwrap();
        let high = next_wait(2, 1.0, None).unwrap();
        assert_eq!(low, Duration::from_secs(270));
        assert_eq!(high, Duration::from_secs(330));
        assert_eq!(
            next_wait(1, 0.0, Some(Duration::from_mins(2))),
            Some(Duration::from_mins(2)),
            "Retry-After is honoured"
        );
        assert_eq!(
            next_wait(1, 0.0, Some(Duration::from_hours(100))),
            Some(Duration::from_hours(24)),
            "but not beyond a day"
        );
        assert_eq!(
            next_wait(MAX_ATTEMPTS, 0.0, Some(Duration::from_secs(1))),
            None
        );
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_mins(2)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn only_public_addresses_or_allowed_ones_are_reached() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!may_connect(ip(refused), &[]), "{refused}");
        }
        for public in ["93.184.215.14", "1.1.1.1", "2606:4700::1111"] {
            assert!(may_connect(ip(public), &[]), "{public}");
        }
        let allowed: Vec<Network> = ["127.0.0.1", "10.0.0.0/8"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert!(may_connect(ip("127.0.0.1"), &allowed));
        assert!(may_connect(ip("::ffff:10.9.8.7"), &allowed));
        assert!(!may_connect(ip("127.0.0.2"), &allowed));
        assert!(!may_connect(ip("169.254.169.254"), &allowed));
        assert!("10.0.0.0/33".parse::<Network>().is_err());
        assert!("localhost".parse::<Network>().is_err());
        assert!(
            "0.0.0.0/0"
                .parse::<Network>()
                .unwrap()
                .contains(ip("8.8.8.8"))
        );
    }
}
