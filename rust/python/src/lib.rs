//! `azext_ssh_troubleshoot._native`: the core as a Python module, JSON in and JSON out.
//!
//! Deliberately thin. The extension's Python reaches it only through
//! `azext_ssh_troubleshoot/_core.py`, so the module can later ship as its own package.

use pyo3::prelude::*;

/// What the module answers to: bump only when `run`'s calling convention changes.
const ABI_VERSION: u32 = 1;

/// Runs one request document (CONTRACT.md §3) and answers a report or
/// `{"error": {"code": ..., "message": ...}}`. Never raises for bad input.
fn run_guarded(request_json: &str) -> String {
    std::panic::catch_unwind(|| ssh_troubleshoot_core::run_json(request_json)).unwrap_or_else(
        |panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            ssh_troubleshoot_core::error_json(&ssh_troubleshoot_core::Error::Internal(format!(
                "the core panicked: {what}"
            )))
        },
    )
}

#[pymodule]
mod _native {
    use pyo3::prelude::*;

    #[pymodule_export]
    #[allow(non_upper_case_globals)]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// run(request_json: str) -> str
    ///
    /// Runs a request document and returns the report (or error) document. The GIL is
    /// released while the core works, so other Python threads keep running.
    #[pyfunction]
    fn run(py: Python<'_>, request_json: &str) -> String {
        py.detach(|| super::run_guarded(request_json))
    }

    /// abi_version() -> int: the calling convention of this module (1).
    #[pyfunction]
    fn abi_version() -> u32 {
        super::ABI_VERSION
    }
}
