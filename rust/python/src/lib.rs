//! `azext_ssh_troubleshoot._native`: the core as a Python module, JSON in and JSON out.
//!
//! Deliberately thin. The extension's Python reaches it only through
//! `azext_ssh_troubleshoot/_core.py`, so the module can later ship as its own package.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, TryLockError};
use std::time::Duration;

use pyo3::prelude::*;
use ssh_troubleshoot_core::fleet::progress::Gate;

/// What the module answers to: bump only when `run`'s calling convention changes
/// incompatibly (the optional `progress` keyword is not such a change).
const ABI_VERSION: u32 = 1;

/// How often a waiting `run` looks for a pending KeyboardInterrupt (Ctrl+C).
const SIGNAL_CHECK_EVERY: Duration = Duration::from_millis(50);

/// Runs one request document (CONTRACT.md §3) and answers a report or
/// `{"error": {"code": ..., "message": ...}}`. Never raises for bad input. A fleet
/// request reports its reads to `progress`, when there is one; the run stops when
/// `cancel` fires.
fn run_guarded(
    request_json: &str,
    progress: Option<&Progress>,
    watchers: &Watchers,
    cancel: &ssh_troubleshoot_core::Cancel,
) -> String {
    let run = || {
        ssh_troubleshoot_core::run_json_with(request_json, |request| match progress {
            _ if request.watch => watchers.run(request, cancel),
            None => ssh_troubleshoot_core::run_cancellable(request, None, cancel),
            Some(progress) => ssh_troubleshoot_core::run_cancellable(
                request,
                Some(&|done, total| progress.report(done, total)),
                cancel,
            ),
        })
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        ssh_troubleshoot_core::error_json(&ssh_troubleshoot_core::Error::Internal(format!(
            "the core panicked: {what}"
        )))
    })
}

/// A Python callable `progress(done, total)` as the core's fleet progress: the core calls
/// it from many worker threads at once and out of order; Python sees one call at a time,
/// what the core's progress gate admits.
struct Progress {
    callable: Py<PyAny>,
    state: Mutex<Reported>,
}

#[derive(Default)]
struct Reported {
    gate: Gate,
    /// The callable raised once: it is not called again.
    broken: bool,
}

impl Progress {
    fn new(callable: Py<PyAny>) -> Progress {
        Progress {
            callable,
            state: Mutex::new(Reported::default()),
        }
    }

    fn report(&self, done: usize, total: usize) {
        let last = done >= total;
        // A worker never waits for another's Python call, except to deliver the last one.
        let mut state = match self.state.try_lock() {
            Ok(state) => state,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) if !last => return,
            Err(TryLockError::WouldBlock) => self.state.lock().unwrap_or_else(|e| e.into_inner()),
        };
        if state.broken || !state.gate.admit(done, total) {
            return;
        }
        Python::attach(|py| {
            let callable = self.callable.bind(py);
            if let Err(e) = callable.call1((done, total)) {
                // Like an exception in a __del__: shown by sys.unraisablehook, the run goes on.
                state.broken = true;
                e.write_unraisable(py, Some(callable));
            }
        });
    }
}

/// A watch's Python callables: `on_round(event_json)` after each round, and
/// `refresh_token()` for a new access token (a str, or None when there is none). The core
/// calls them from the run's thread; each call takes the GIL. An exception goes to
/// `sys.unraisablehook` (a refresh that raised counts as no new token); the watch goes on.
#[derive(Default)]
struct Watchers {
    on_round: Option<Py<PyAny>>,
    refresh_token: Option<Py<PyAny>>,
}

impl Watchers {
    fn run(
        &self,
        request: &ssh_troubleshoot_core::model::Request,
        cancel: &ssh_troubleshoot_core::Cancel,
    ) -> Result<ssh_troubleshoot_core::model::Report, ssh_troubleshoot_core::Error> {
        use ssh_troubleshoot_core::watch::{Hooks, text};
        let on_round = |round: &_, report: &_| {
            if let Some(callable) = &self.on_round {
                let event = text::round_event(round, report);
                Python::attach(|py| unraisable(py, callable, callable.call1(py, (event,))));
            }
        };
        let refresh_token = || {
            let callable = self.refresh_token.as_ref()?;
            Python::attach(|py| {
                let answer = callable
                    .call0(py)
                    .and_then(|t| t.extract::<Option<String>>(py));
                unraisable(py, callable, answer).flatten()
            })
        };
        let hooks = Hooks {
            on_round: &on_round,
            refresh_token: &refresh_token,
        };
        ssh_troubleshoot_core::run_watching(request, &hooks, cancel)
    }
}

/// What a host's callable answered; what it raised goes to `sys.unraisablehook`.
fn unraisable<T>(py: Python<'_>, callable: &Py<PyAny>, result: PyResult<T>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            e.write_unraisable(py, Some(callable.bind(py)));
            None
        }
    }
}

/// Runs the request on a thread of its own while this one, without the GIL, wakes every
/// [`SIGNAL_CHECK_EVERY`] to let Python handle signals: a KeyboardInterrupt (Ctrl+C)
/// cancels the run, which is waited for (it stops within milliseconds) and the
/// exception raised. No thread of the run outlives the call.
fn run_interruptibly(
    py: Python<'_>,
    request_json: &str,
    progress: Option<&Progress>,
    watchers: &Watchers,
    cancel: &ssh_troubleshoot_core::Cancel,
) -> PyResult<String> {
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("ssh-troubleshoot run".into())
            .spawn_scoped(scope, move || {
                let _ = tx.send(run_guarded(request_json, progress, watchers, cancel));
            });
        if let Err(e) = spawned {
            let why = format!("could not start the run's thread: {e}");
            return Ok(ssh_troubleshoot_core::error_json(
                &ssh_troubleshoot_core::Error::Internal(why),
            ));
        }
        let mut interrupted: Option<PyErr> = None;
        let mut rx = rx;
        loop {
            let wait = if interrupted.is_some() {
                Duration::from_secs(3600)
            } else {
                SIGNAL_CHECK_EVERY
            };
            // The receiver goes to the GIL-free wait and back (it is Send, not Sync).
            let (got, back) = py.detach(move || (rx.recv_timeout(wait), rx));
            rx = back;
            match got {
                Ok(answer) => return interrupted.map_or(Ok(answer), Err),
                Err(RecvTimeoutError::Disconnected) => {
                    // The run's thread ended without an answer: run_guarded caught a panic
                    // already, so only a failed send gets here.
                    let why = "the run ended without an answer".to_string();
                    return interrupted.map_or(
                        Ok(ssh_troubleshoot_core::error_json(
                            &ssh_troubleshoot_core::Error::Internal(why),
                        )),
                        Err,
                    );
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if interrupted.is_none()
                && let Err(e) = py.check_signals()
            {
                cancel.cancel();
                interrupted = Some(e);
            }
        }
    })
}

#[pymodule]
mod _native {
    use pyo3::exceptions::PyTypeError;
    use pyo3::prelude::*;

    #[pymodule_export]
    #[allow(non_upper_case_globals)]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// A cancellation handle for `run`: `cancel()` from any thread (any number of times)
    /// stops every run given it within milliseconds; each then answers a report with
    /// `"cancelled": true`.
    #[pyclass(frozen, name = "Cancel")]
    struct Cancel {
        inner: ssh_troubleshoot_core::Cancel,
    }

    #[pymethods]
    impl Cancel {
        #[new]
        fn new() -> Cancel {
            Cancel {
                inner: ssh_troubleshoot_core::Cancel::new(),
            }
        }

        /// Cancels every run using this handle.
        fn cancel(&self) {
            self.inner.cancel();
        }

        /// Whether `cancel()` was called.
        #[getter]
        fn cancelled(&self) -> bool {
            self.inner.is_cancelled()
        }
    }

    /// run(request_json: str, progress=None, cancel=None, on_round=None, refresh_token=None) -> str
    ///
    /// Runs a request document and returns the report (or error) document. The GIL is
    /// released while the core works, so other Python threads keep running.
    ///
    /// `cancel`, a `Cancel` or None: when it fires the run stops and answers a report
    /// with `"cancelled": true`. A KeyboardInterrupt (Ctrl+C) while the run waits
    /// cancels it too, then is raised once the run has stopped (within milliseconds).
    ///
    /// `progress`, a callable, is called as `progress(done, total)` while a fleet request
    /// reads Azure (never for other requests): from worker threads, one call at a time,
    /// `done` never decreasing, about ten times a second at most, and always once with
    /// `done == total` when every read finished. An exception it raises goes to
    /// `sys.unraisablehook` and ends the calls, not the run.
    ///
    /// For a request with `"watch": true` (never for others): `on_round(event_json)` is
    /// called after each rerun while the watch goes on, with a JSON object `{"round":
    /// {...}, "line": "...", "status": "..."}`; `refresh_token()` is called before a
    /// round that a new access token may cure (a role assignment just granted) and
    /// answers a fresh token (str) or None. Both run on the core's thread with the GIL;
    /// an exception goes to `sys.unraisablehook` and the watch goes on.
    #[pyfunction]
    #[pyo3(signature = (request_json, progress=None, cancel=None, on_round=None, refresh_token=None))]
    fn run(
        py: Python<'_>,
        request_json: &str,
        progress: Option<Bound<'_, PyAny>>,
        cancel: Option<PyRef<'_, Cancel>>,
        on_round: Option<Bound<'_, PyAny>>,
        refresh_token: Option<Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let progress = callable(progress, "progress", "(done, total)")?.map(super::Progress::new);
        let watchers = super::Watchers {
            on_round: callable(on_round, "on_round", "(event_json)")?,
            refresh_token: callable(refresh_token, "refresh_token", "()")?,
        };
        let cancel = cancel.map_or_else(ssh_troubleshoot_core::Cancel::new, |c| c.inner.clone());
        super::run_interruptibly(py, request_json, progress.as_ref(), &watchers, &cancel)
    }

    /// `value` if it is a callable or None; else the TypeError naming the keyword.
    fn callable(
        value: Option<Bound<'_, PyAny>>,
        name: &str,
        takes: &str,
    ) -> PyResult<Option<Py<PyAny>>> {
        match value {
            Some(v) if !v.is_callable() => Err(PyTypeError::new_err(format!(
                "{name} must be a callable taking {takes} or None, not {}",
                v.get_type().name()?
            ))),
            v => Ok(v.map(Bound::unbind)),
        }
    }

    /// abi_version() -> int: the calling convention of this module (1).
    #[pyfunction]
    fn abi_version() -> u32 {
        super::ABI_VERSION
    }
}
