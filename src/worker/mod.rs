//! Work that runs by itself in every `leitstand serve` process, claimed so that several
//! processes share it without doing it twice: the SLA clock and housekeeping.

pub mod housekeeping;
pub mod sla_clock;
