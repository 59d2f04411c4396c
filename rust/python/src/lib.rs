//! `azext_ssh_troubleshoot._native`: the core as a Python module, JSON in and JSON out.
//!
//! Deliberately thin. The extension's Python reaches it only through
//! `azext_ssh_troubleshoot/_core.py`, so the module can later ship as its own package.

use std::sync::{Mutex, TryLockError};

use pyo3::prelude::*;
use ssh_troubleshoot_core::fleet::progress::Gate;

/// What the module answers to: bump only when `run`'s calling convention changes
/// incompatibly (the optional `progress` keyword is not such a change).
const ABI_VERSION: u32 = 1;

/// Runs one request document (CONTRACT.md §3) and answers a report or
/// `{"error": {"code": ..., "message": ...}}`. Never raises for bad input. A fleet
/// request reports its reads to `progress`, when there is one.
fn run_guarded(request_json: &str, progress: Option<&Progress>) -> String {
    let run = || match progress {
        None => ssh_troubleshoot_core::run_json(request_json),
        Some(progress) => ssh_troubleshoot_core::run_json_with(request_json, |request| {
            ssh_troubleshoot_core::run_with_progress(request, &|done, total| {
                progress.report(done, total)
            })
        }),
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

#[pymodule]
mod _native {
    use pyo3::exceptions::PyTypeError;
    use pyo3::prelude::*;

    #[pymodule_export]
    #[allow(non_upper_case_globals)]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// run(request_json: str, progress=None) -> str
    ///
    /// Runs a request document and returns the report (or error) document. The GIL is
    /// released while the core works, so other Python threads keep running.
    ///
    /// `progress`, a callable, is called as `progress(done, total)` while a fleet request
    /// reads Azure (never for other requests): from worker threads, one call at a time,
    /// `done` never decreasing, about ten times a second at most, and always once with
    /// `done == total` when every read finished. An exception it raises goes to
    /// `sys.unraisablehook` and ends the calls, not the run.
    #[pyfunction]
    #[pyo3(signature = (request_json, progress=None))]
    fn run(
        py: Python<'_>,
        request_json: &str,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let progress = match progress {
            Some(p) if !p.is_callable() => {
                return Err(PyTypeError::new_err(format!(
                    "progress must be a callable taking (done, total) or None, not {}",
                    p.get_type().name()?
                )));
            }
            p => p.map(|p| super::Progress::new(p.unbind())),
        };
        Ok(py.detach(|| super::run_guarded(request_json, progress.as_ref())))
    }

    /// abi_version() -> int: the calling convention of this module (1).
    #[pyfunction]
    fn abi_version() -> u32 {
        super::ABI_VERSION
    }
}
