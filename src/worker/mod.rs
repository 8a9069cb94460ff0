//! Work that runs by itself in every `leitstand serve` process, claimed so that several
//! processes share it without doing it twice: the SLA clock, closing resolved incidents,
//! delivering webhooks, and housekeeping.

pub mod auto_close;
pub mod housekeeping;
pub mod imap;
pub mod insight;
pub mod mail;
pub mod mail_out;
pub mod sla_clock;
pub mod virus_scan;
pub mod webhooks;
