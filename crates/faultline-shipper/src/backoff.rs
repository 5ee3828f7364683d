//! Jittered exponential backoff: each wait is between half and all of a
//! delay that doubles from `initial` up to `max` (30 s by default), so many
//! shippers retrying after one outage do not come back in step.

use std::time::Duration;

/// The delay of the first retry.
pub const INITIAL: Duration = Duration::from_millis(200);
/// No retry waits longer than this.
pub const MAX: Duration = Duration::from_secs(30);

/// The waits between attempts of one batch.
#[derive(Debug)]
pub struct Backoff {
    max: Duration,
    delay: Duration,
    rng: fastrand::Rng,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff::new(INITIAL, MAX)
    }
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            max,
            delay: initial.min(max),
            rng: fastrand::Rng::new(),
        }
    }

    /// The wait before the next attempt; each call doubles the next one.
    pub fn next_delay(&mut self) -> Duration {
        let full = self.delay;
        self.delay = (self.delay * 2).min(self.max);
        let half = full / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(self.rng.u64(0..=nanos))
    }

    /// The longest wait there is: for errors a person must fix (a wrong token).
    pub fn slow(&mut self) -> Duration {
        self.delay = self.max;
        self.next_delay()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_with_jitter_and_stop_at_the_cap() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(30));
        let mut full = Duration::from_millis(100);
        for _ in 0..20 {
            let delay = backoff.next_delay();
            assert!(
                delay >= full / 2 && delay <= full,
                "{delay:?} outside {full:?}"
            );
            full = (full * 2).min(Duration::from_secs(30));
        }
        assert!(backoff.next_delay() >= Duration::from_secs(15));
        assert!(backoff.slow() >= Duration::from_secs(15));
    }

    #[test]
    fn jitter_spreads_retries() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..20 {
            seen.insert(Backoff::new(Duration::from_secs(1), MAX).next_delay());
        }
        assert!(seen.len() > 10, "{seen:?}");
    }
}
