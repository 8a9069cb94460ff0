//! Progress of a long demo load: a bar with rate and time left on a terminal, a plain line
//! every tenth of the way otherwise (logs, CI).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    label: &'static str,
    total: u64,
    plain: bool,
    done: AtomicU64,
    started: Instant,
}

impl Progress {
    pub fn new(label: &'static str, total: u64) -> Self {
        let plain = !std::io::stderr().is_terminal();
        let bar = if plain {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
        } else {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{prefix:>10} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} {per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(label);
            bar
        };
        Self {
            bar,
            label,
            total,
            plain,
            done: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    pub fn advance(&self, n: u64) {
        self.bar.inc(n);
        let before = self.done.fetch_add(n, Ordering::Relaxed);
        let after = before + n;
        let tenth = (self.total / 10).max(1);
        if self.plain && (before / tenth != after / tenth || after == self.total) {
            let seconds = self.started.elapsed().as_secs_f64().max(0.001);
            #[expect(clippy::cast_precision_loss, reason = "a rate for people to read")]
            let rate = after as f64 / seconds;
            tracing::info!(
                "{}: {after} of {} ({rate:.0}/s, {seconds:.0} s)",
                self.label,
                self.total
            );
        }
    }

    pub fn finish(&self) {
        self.bar.finish();
    }
}
