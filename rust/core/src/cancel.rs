//! Stopping a run from outside: a host's Ctrl+C, a stopped PowerShell pipeline, a
//! C caller's `sshts_cancel`. One [`Cancel`] is shared by the host and every part of
//! the run; each blocking wait of the run either sleeps on it ([`Cancel::sleep`]) or
//! registers a wake-up ([`Cancel::on_cancel`]), so nothing keeps waiting once it fires.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

type Wake = Arc<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    next_id: AtomicU64,
    /// Wake-ups of waits in progress, by registration id.
    wakes: Mutex<Vec<(u64, Wake)>>,
    /// [`Cancel::sleep`] waits on `sleepers` under this lock.
    sleep_lock: Mutex<()>,
    sleepers: Condvar,
}

/// A cancellation handle: cheap to clone, every clone is the same handle. Once
/// cancelled it stays cancelled.
#[derive(Clone, Default)]
pub struct Cancel {
    inner: Arc<Inner>,
}

impl fmt::Debug for Cancel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cancel")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Cancels every run using this handle: from any thread, any number of times.
    pub fn cancel(&self) {
        if self.inner.cancelled.swap(true, Ordering::SeqCst) {
            return;
        }
        // Taking the lock orders this after any sleeper's check of the flag.
        drop(
            self.inner
                .sleep_lock
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        self.inner.sleepers.notify_all();
        let wakes: Vec<Wake> = self
            .inner
            .wakes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(_, w)| Arc::clone(w))
            .collect();
        for wake in wakes {
            wake();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Sleeps for `duration` unless cancelled first; `true` when the whole time passed,
    /// `false` when cancelled (at once if already cancelled).
    pub fn sleep(&self, duration: Duration) -> bool {
        let until = Instant::now().checked_add(duration);
        let mut guard = self
            .inner
            .sleep_lock
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        loop {
            if self.is_cancelled() {
                return false;
            }
            let left = match until {
                Some(at) => at.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return true;
            }
            guard = self
                .inner
                .sleepers
                .wait_timeout(guard, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Calls `wake` when this handle is cancelled (at once, on this thread, if it
    /// already is), until the returned guard is dropped. `wake` must not block: it
    /// nudges a wait (notifies a condition variable, sends on a channel, aborts a task).
    pub fn on_cancel(&self, wake: impl Fn() + Send + Sync + 'static) -> OnCancel {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let wake: Wake = Arc::new(wake);
        self.inner
            .wakes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, Arc::clone(&wake)));
        // Cancelled before registration completed: that cancel() may not have seen it.
        if self.is_cancelled() {
            wake();
        }
        OnCancel {
            cancel: self.clone(),
            id,
        }
    }
}

/// Keeps a wake-up registered with [`Cancel::on_cancel`]; dropping it unregisters.
#[must_use = "the wake-up is unregistered when this is dropped"]
pub struct OnCancel {
    cancel: Cancel,
    id: u64,
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        self.cancel
            .inner
            .wakes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(id, _)| *id != self.id);
    }
}

/// What an unfinished check's finding says when the run was cancelled.
pub const CANCELLED_SUMMARY: &str = "Cancelled: the run was stopped before this check finished.";

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn a_sleep_wakes_when_cancelled_from_another_thread() {
        let cancel = Cancel::new();
        let other = cancel.clone();
        let started = Instant::now();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.cancel();
        });
        assert!(!cancel.sleep(Duration::from_secs(30)));
        assert!(started.elapsed() < Duration::from_secs(5));
        t.join().unwrap();
        assert!(
            !cancel.sleep(Duration::from_secs(30)),
            "at once once cancelled"
        );
        assert!(Cancel::new().sleep(Duration::from_millis(1)));
    }

    #[test]
    fn wake_ups_run_once_per_cancel_and_only_while_registered() {
        let cancel = Cancel::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&calls);
        let kept = cancel.on_cancel(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        let gone_calls = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&gone_calls);
        drop(cancel.on_cancel(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        }));
        cancel.cancel();
        cancel.cancel();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(gone_calls.load(Ordering::SeqCst), 0);
        drop(kept);
        let late = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&late);
        let _guard = cancel.on_cancel(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(
            late.load(Ordering::SeqCst),
            1,
            "registered after: called at once"
        );
    }
}
