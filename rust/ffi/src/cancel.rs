//! Cancelling a run from C: a handle made before the run, fired from any thread (a
//! Ctrl+C handler, a stopped PowerShell pipeline), freed after the run returned.

use std::ffi::{c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use ssh_troubleshoot_core::Cancel;

use super::{SshtsProgressFn, run_observed};

/// A cancellation handle (opaque): made by `sshts_cancel_new`, fired by `sshts_cancel`,
/// released by `sshts_cancel_free`.
pub struct SshtsCancel {
    cancel: Cancel,
}

/// A new cancellation handle, not fired. NULL only when memory is exhausted. Release it
/// with `sshts_cancel_free` once every run using it has returned.
///
/// # Safety
///
/// None needed: it may be called at any time from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sshts_cancel_new() -> *mut SshtsCancel {
    catch_unwind(|| {
        Box::into_raw(Box::new(SshtsCancel {
            cancel: Cancel::new(),
        }))
    })
    .unwrap_or(ptr::null_mut())
}

/// Fires `cancel`: every run using it stops within milliseconds and answers a report
/// with `"cancelled": true` (status `incomplete`, each unfinished check an `error`
/// finding saying it was cancelled). From any thread, any number of times, before,
/// during or after a run (a run started with a fired handle sends nothing). NULL: does
/// nothing. It only sets a flag and wakes waits, so it may be called from a console
/// control handler.
///
/// # Safety
///
/// `cancel` is NULL or a handle from `sshts_cancel_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sshts_cancel(cancel: *const SshtsCancel) {
    if cancel.is_null() {
        return;
    }
    // SAFETY: not NULL, and the caller promises a live handle.
    let handle = unsafe { &*cancel };
    let _ = catch_unwind(AssertUnwindSafe(|| handle.cancel.cancel()));
}

/// Releases a handle from `sshts_cancel_new`. NULL: does nothing.
///
/// # Safety
///
/// `cancel` is NULL or a handle from `sshts_cancel_new` not yet freed, and no
/// `sshts_cancel` call with it is running or will be made. Runs that were given it
/// should have returned (a run still going keeps its own reference and is not
/// harmed, but can no longer be cancelled).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sshts_cancel_free(cancel: *mut SshtsCancel) {
    if cancel.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller promises a handle from `Box::into_raw` in
        // `sshts_cancel_new`, freed once.
        drop(unsafe { Box::from_raw(cancel) });
    }));
}

/// `sshts_run_with_progress` that stops when `cancel` fires: same answer and ownership
/// (free it with `sshts_free`), and when cancelled a report with `"cancelled": true`.
/// `progress` and `cancel` may each be NULL (then it is `sshts_run_with_progress`, or
/// `sshts_run`). Safe to call from several threads at once, with the same handle or not.
///
/// # Safety
///
/// `request_json`, `progress` and `context` as for `sshts_run_with_progress`; `cancel`
/// is NULL or a handle from `sshts_cancel_new` that is not freed before this call has
/// begun (it may be freed while the call runs only if no `sshts_cancel` follows).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sshts_run_cancellable(
    request_json: *const c_char,
    progress: SshtsProgressFn,
    context: *mut c_void,
    cancel: *const SshtsCancel,
) -> *mut c_char {
    // SAFETY: the caller's promise about `cancel`, passed on.
    let cancel = unsafe { handle_or_new(cancel) };
    // SAFETY: the caller's promises, passed on.
    unsafe { run_observed(request_json, progress, context, &cancel) }
}

/// The run's own reference to the caller's handle, or a handle of its own (never fired)
/// when the caller gave NULL: what every entry point taking an `SshtsCancel` does first.
///
/// # Safety
///
/// `cancel` is NULL or a handle from `sshts_cancel_new` that is not freed before this
/// call has begun.
pub(crate) unsafe fn handle_or_new(cancel: *const SshtsCancel) -> Cancel {
    if cancel.is_null() {
        return Cancel::new();
    }
    // SAFETY: not NULL, and the caller promises a live handle; the run keeps its own
    // reference (a clone of the shared state) from here on.
    unsafe { &*cancel }.cancel.clone()
}
