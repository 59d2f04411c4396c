//! Which of a fleet's progress reports a host passes on. The fleet's workers report
//! `(done, total)` concurrently and out of order, hundreds of times a second; a host
//! draws a bar from a few of them. Every host (the binary's bar, the Python callable,
//! the C callback) keeps one gate behind its own lock.

use std::time::{Duration, Instant};

/// The shortest time between two reports shown, the last one excepted.
pub const EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
pub struct Gate {
    /// The `done` last shown, and when.
    last: Option<(usize, Instant)>,
}

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Whether to show `(done, total)` now: never a `done` at or below one already
    /// shown, at most one per [`EVERY`], but always the last (`done >= total`).
    pub fn admit(&mut self, done: usize, total: usize) -> bool {
        if let Some((last, at)) = self.last
            && (done <= last || (done < total && at.elapsed() < EVERY))
        {
            return false;
        }
        self.last = Some((done, Instant::now()));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_keeps_order_pace_and_the_last_report() {
        let mut gate = Gate::new();
        assert!(gate.admit(0, 10), "the first report is shown");
        assert!(!gate.admit(3, 10), "too soon after the first");
        assert!(gate.admit(10, 10), "the last is always shown");
        assert!(!gate.admit(9, 10), "never back");
        assert!(!gate.admit(10, 10), "nor the same again");
        // A total that grows (a second round of reads) goes on from there.
        std::thread::sleep(EVERY);
        assert!(gate.admit(11, 14));
        assert!(!gate.admit(12, 14));
        assert!(gate.admit(14, 14));
    }
}
