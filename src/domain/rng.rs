//! A small seeded random number generator (`SplitMix64`): the same seed gives the same
//! numbers on every machine and with every version of the dependencies (the demo data, the
//! bootstrap of a before/after verdict).

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    /// A generator for one item (an incident, a problem): its data does not depend on how
    /// many numbers earlier items drew.
    pub fn fork(seed: u64, stream: u64, item: u64) -> Self {
        let mut rng = Self::new(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.0 ^= item.wrapping_mul(0xd1b5_4a32_d192_ed03);
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        // Lemire's multiply-shift; the bias is far below anything a demo can show.
        let product = u128::from(self.next_u64()) * u128::from(n);
        u64::try_from(product >> 64).unwrap_or(0)
    }

    pub fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        #[expect(
            clippy::cast_precision_loss,
            reason = "53 random bits, exactly representable"
        )]
        let (bits, scale) = ((self.next_u64() >> 11) as f64, (1u64 << 53) as f64);
        bits / scale
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index into `weights`, each chosen in proportion to its weight.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut left = self.below(total.max(1));
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if left < w {
                return i;
            }
            left -= w;
        }
        weights.len() - 1
    }

    /// A duration in seconds, log-normally spread around `median` (most near it, a long tail).
    pub fn lognormal(&mut self, median: f64, spread: f64) -> i64 {
        // Box–Muller for a standard normal.
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        #[expect(clippy::cast_possible_truncation, reason = "bounded below")]
        let seconds = (median * (spread * normal).exp()).min(1e9) as i64;
        seconds.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let a: Vec<u64> = (0..5).map(|_| Rng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut r = Rng::fork(7, 1, 42);
        let mut s = Rng::fork(7, 1, 42);
        assert_eq!(r.next_u64(), s.next_u64());
        assert_ne!(
            Rng::fork(7, 1, 42).next_u64(),
            Rng::fork(7, 1, 43).next_u64()
        );
        assert_ne!(
            Rng::fork(7, 1, 42).next_u64(),
            Rng::fork(8, 1, 42).next_u64()
        );
    }

    #[test]
    fn draws_stay_in_range_and_follow_weights() {
        let mut rng = Rng::new(1);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            assert!(rng.below(10) < 10);
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
            counts[rng.weighted(&[1, 0, 3])] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(counts[2] > counts[0] * 2, "{counts:?}");
        assert!(rng.lognormal(3600.0, 1.0) >= 1);
    }
}
