//! Pacing many ARM reads so that a large fleet never sets off a throttling storm:
//!
//! - a bounded pool of workers (at most `workers` calls in flight);
//! - per subscription, a cap on calls in flight that follows the last
//!   `x-ms-ratelimit-remaining-subscription-reads` seen: full width while the bucket
//!   is well filled, half of what is left as it drains, one at a time with a breather
//!   near empty (ARM refills the bucket continuously, so waiting is what gives reads back),
//!   and a narrow first wave until the first answer tells how full the bucket is;
//! - on a 429, one global pause for its `Retry-After` (every worker waits, not only the
//!   one that was refused), after which the subscription starts again with a single
//!   probing call whose answer tells how full the bucket is. Calls already in flight
//!   when the 429 came can still be refused; nothing new is sent until the pause ends.
//!
//! A cancel (the handle given to [`Limiter::until_cancelled`]) wakes every wait here at
//! once and nothing more is sent.
//!
//! The client must be built with `max_retries: 0`: retries are decided here, where the
//! pause can be shared, and not inside one call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::arm::{ArmClient, ArmPath, Method, Throttling};
use crate::azure::{Answer, Fetched};
use crate::cancel::{Cancel, OnCancel};

/// Calls in flight for a subscription before its first answer.
pub const START_WIDTH: usize = 16;
/// Below this many reads left, one call at a time, each followed by a breather.
pub const LOW_WATER: u64 = 10;
const BREATHER: Duration = Duration::from_millis(200);
const EMPTY_BREATHER: Duration = Duration::from_secs(1);
/// A 429 without `Retry-After` pauses this long; a longer requested pause is capped.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);
const MAX_PAUSE: Duration = Duration::from_secs(60);
/// Attempts per call when ARM answers 429 (each after the shared pause).
const THROTTLED_ATTEMPTS: u32 = 6;
/// Attempts per call for 5xx answers and broken connections.
const FAILED_ATTEMPTS: u32 = 3;

#[derive(Default)]
struct Sub {
    /// Until the first answer, [`START_WIDTH`] calls at most: its header tells the rest.
    answered: bool,
    remaining: Option<u64>,
    in_flight: usize,
    hold_until: Option<Instant>,
}

#[derive(Default)]
struct State {
    paused_until: Option<Instant>,
    subs: HashMap<String, Sub>,
}

#[derive(Default)]
pub struct Counters {
    pub requests: AtomicUsize,
    pub throttled: AtomicUsize,
    pub pauses: AtomicUsize,
    pub retried: AtomicUsize,
    /// `u64::MAX` until a header was seen.
    pub min_remaining: AtomicU64,
}

pub struct Limiter {
    workers: usize,
    deadline: Instant,
    state: Arc<Mutex<State>>,
    changed: Arc<Condvar>,
    cancel: Cancel,
    /// Wakes the waits in [`Limiter::acquire`] when `cancel` fires.
    _wake: OnCancel,
    pub counters: Counters,
}

impl Limiter {
    pub fn new(workers: usize, deadline: Instant) -> Limiter {
        Limiter::until_cancelled(workers, deadline, &Cancel::new())
    }

    /// A limiter that sends nothing more, and wakes every wait, once `cancel` fires.
    pub fn until_cancelled(workers: usize, deadline: Instant, cancel: &Cancel) -> Limiter {
        let counters = Counters::default();
        counters.min_remaining.store(u64::MAX, Ordering::Relaxed);
        let state = Arc::new(Mutex::new(State::default()));
        let changed = Arc::new(Condvar::new());
        let wake = {
            let (state, changed) = (Arc::clone(&state), Arc::clone(&changed));
            // Under the lock, so a waiter between its check and its wait is not missed.
            cancel.on_cancel(move || {
                let _held = state.lock().unwrap_or_else(|e| e.into_inner());
                changed.notify_all();
            })
        };
        Limiter {
            workers: workers.max(1),
            deadline,
            state,
            changed,
            cancel: cancel.clone(),
            _wake: wake,
            counters,
        }
    }

    /// Sleeps `wait` unless cancelled first (`false` then).
    pub fn sleep(&self, wait: Duration) -> bool {
        self.cancel.sleep(wait)
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    pub fn past_deadline(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// No more calls: the deadline passed or the run was cancelled.
    fn stopped(&self) -> bool {
        self.past_deadline() || self.cancel.is_cancelled()
    }

    fn cap(&self, sub: &Sub) -> usize {
        match sub.remaining {
            None if !sub.answered => START_WIDTH.min(self.workers),
            None => self.workers,
            Some(r) if r <= LOW_WATER => 1,
            Some(r) => usize::try_from(r / 2)
                .unwrap_or(usize::MAX)
                .clamp(1, self.workers),
        }
    }

    /// Waits for a turn to call under `key` (a subscription); `false` past the deadline
    /// or once cancelled.
    fn acquire(&self, key: &str) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let now = Instant::now();
            if now >= self.deadline || self.cancel.is_cancelled() {
                return false;
            }
            let mut wake = self.deadline;
            let paused = state.paused_until.filter(|t| *t > now);
            if let Some(t) = paused {
                wake = wake.min(t);
            } else {
                let cap = self.cap(state.subs.entry(key.to_string()).or_default());
                let sub = state.subs.entry(key.to_string()).or_default();
                match sub.hold_until.filter(|t| *t > now) {
                    Some(t) => wake = wake.min(t),
                    None if sub.in_flight < cap => {
                        sub.in_flight += 1;
                        sub.hold_until = None;
                        return true;
                    }
                    None => {}
                }
            }
            let wait = wake
                .saturating_duration_since(now)
                .min(Duration::from_secs(1));
            state = self
                .changed
                .wait_timeout(state, wait.max(Duration::from_millis(1)))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn release(&self, key: &str, status: Option<u16>, t: &Throttling) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if status == Some(429) {
            self.counters.throttled.fetch_add(1, Ordering::Relaxed);
            let pause = t.retry_after.unwrap_or(DEFAULT_PAUSE).min(MAX_PAUSE);
            let until = now + pause;
            let already = state.paused_until.is_some_and(|p| p > now);
            if !already {
                self.counters.pauses.fetch_add(1, Ordering::Relaxed);
            }
            if state.paused_until.is_none_or(|p| p < until) {
                state.paused_until = Some(until);
            }
        }
        let sub = state.subs.entry(key.to_string()).or_default();
        sub.in_flight = sub.in_flight.saturating_sub(1);
        sub.answered |= status.is_some();
        if status == Some(429) {
            // Start again with one probe: its answer says how full the bucket is.
            sub.remaining = Some(0);
        } else if let Some(r) = t.remaining_subscription_reads {
            self.counters.min_remaining.fetch_min(r, Ordering::Relaxed);
            sub.remaining = Some(r);
            if r <= LOW_WATER {
                let breather = if r == 0 { EMPTY_BREATHER } else { BREATHER };
                sub.hold_until = Some(now + breather);
            }
        } else if status.is_some() {
            // No header (some front doors drop it): widen again step by step after a 429.
            sub.remaining = match sub.remaining {
                Some(r) if r < 4 * self.workers as u64 => Some(r * 2 + 2),
                _ => None,
            };
        }
        drop(state);
        self.changed.notify_all();
    }

    /// One read (or a Resource Graph POST) under `key`, retried after shared pauses on
    /// 429 and with backoff on 5xx; whatever finally came back is kept as data.
    pub fn call(
        &self,
        client: &ArmClient,
        key: &str,
        method: Method,
        path: &ArmPath,
        api_version: &str,
        body: Option<&Value>,
    ) -> (Fetched, Throttling) {
        let mut attempt = 0u32;
        loop {
            if !self.acquire(key) {
                return (
                    Fetched {
                        method: method.as_str(),
                        url: path.as_str().to_string(),
                        answer: Answer::Transport(if self.cancel.is_cancelled() {
                            "not sent: the run was cancelled".into()
                        } else {
                            "not sent: the run's deadline passed first".into()
                        }),
                        correlation_id: None,
                    },
                    Throttling::default(),
                );
            }
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let sent = client.send_observed(method, path, api_version, &[], body);
            let status = sent.as_ref().ok().map(|(r, _)| r.status);
            let throttling = sent.as_ref().map(|(_, t)| *t).unwrap_or_default();
            self.release(key, status, &throttling);
            attempt += 1;
            let again = match status {
                Some(429) => attempt < THROTTLED_ATTEMPTS,
                Some(s) if crate::arm::retry::is_retryable_status(s) => attempt < FAILED_ATTEMPTS,
                Some(_) => false,
                None => attempt < FAILED_ATTEMPTS,
            };
            if again && !self.stopped() {
                self.counters.retried.fetch_add(1, Ordering::Relaxed);
                // Woken by a cancel, the next acquire refuses and says why.
                if status != Some(429) {
                    self.sleep(crate::arm::retry::backoff(attempt - 1));
                }
                continue;
            }
            let fetched = Fetched::from_sent(method, path, sent.map(|(r, _)| r));
            return (fetched, throttling);
        }
    }
}

/// Runs `work` over `items` on the limiter's workers; results in the items' order.
/// `progress(done, total)` is called after each item, from the worker threads.
pub fn run_pool<I: Sync, T: Send>(
    items: &[I],
    workers: usize,
    work: impl Fn(&I) -> T + Sync,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<T> {
    let total = items.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..total).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, total.max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let out = work(&items[i]);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(out);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item was worked on"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap_of(l: &Limiter, key: &str) -> usize {
        let mut state = l.state.lock().unwrap();
        let sub = state.subs.entry(key.to_string()).or_default();
        let sub = std::mem::take(sub);
        let cap = l.cap(&sub);
        *state.subs.get_mut(key).unwrap() = sub;
        cap
    }

    fn answer(l: &Limiter, status: u16, remaining: Option<u64>, retry_after: Option<Duration>) {
        assert!(l.acquire("s"));
        let t = Throttling {
            remaining_subscription_reads: remaining,
            retry_after,
            ..Throttling::default()
        };
        l.release("s", Some(status), &t);
    }

    #[test]
    fn the_width_follows_the_read_quota() {
        let l = Limiter::new(100, Instant::now() + Duration::from_secs(30));
        assert_eq!(cap_of(&l, "s"), START_WIDTH, "a narrow first wave");
        answer(&l, 200, Some(240), None);
        assert_eq!(cap_of(&l, "s"), 100);
        answer(&l, 200, Some(60), None);
        assert_eq!(cap_of(&l, "s"), 30);
        answer(&l, 200, Some(3), None);
        assert_eq!(cap_of(&l, "s"), 1);
        assert!(
            l.state.lock().unwrap().subs["s"].hold_until.is_some(),
            "a breather"
        );
        assert_eq!(l.counters.min_remaining.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_429_pauses_every_subscription_for_its_retry_after() {
        let l = Limiter::new(8, Instant::now() + Duration::from_secs(30));
        answer(&l, 429, None, Some(Duration::from_millis(300)));
        answer_later_429_in_same_window(&l);
        let started = Instant::now();
        assert!(l.acquire("another subscription"));
        assert!(started.elapsed() >= Duration::from_millis(250));
        assert_eq!(l.counters.throttled.load(Ordering::Relaxed), 2);
        assert_eq!(l.counters.pauses.load(Ordering::Relaxed), 1);
        assert_eq!(cap_of(&l, "s"), 1, "one probe after the pause");
        // No header on the probe's answer: widen step by step.
        l.release("s", Some(200), &Throttling::default());
        assert_eq!(cap_of(&l, "s"), 1);
        assert_eq!(l.state.lock().unwrap().subs["s"].remaining, Some(2));
    }

    /// A call that was in flight when the pause began, refused too: same window.
    fn answer_later_429_in_same_window(l: &Limiter) {
        let mut state = l.state.lock().unwrap();
        state.subs.entry("s".into()).or_default().in_flight += 1;
        drop(state);
        let t = Throttling {
            retry_after: Some(Duration::from_millis(300)),
            ..Throttling::default()
        };
        l.release("s", Some(429), &t);
    }

    #[test]
    fn nothing_is_sent_past_the_deadline() {
        let l = Limiter::new(4, Instant::now());
        assert!(!l.acquire("s"));
    }
}
