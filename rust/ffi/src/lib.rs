//! The C ABI of ssh-troubleshoot (CONTRACT.md §1): JSON in and JSON out, for the
//! PowerShell module's P/Invoke and any other C caller. The contract's three functions,
//! plus `sshts_run_with_progress` (a fleet run that reports its progress) and the
//! cancellation functions of [`cancel`] (`sshts_cancel_new`, `sshts_cancel`,
//! `sshts_cancel_free`, `sshts_run_cancellable`) and `sshts_run_watching` of [`watch`]
//! (a `--watch` whose rounds reach the caller as they end).
//!
//! Deliberately thin: the request is the document every host sends
//! (`ssh_troubleshoot_core::run_json` does the work); this crate only moves bytes
//! across the boundary, keeps panics on this side of it, and maps every failure to an
//! error object in one place (`answer_to`, `guarded` and `into_c`). It never prints.
//!
//! The header `include/ssh_troubleshoot.h` is generated from this file by cbindgen
//! (`tests/header.rs` fails when it is stale; `UPDATE_HEADER=1 cargo test -p
//! ssh-troubleshoot-ffi --test header` rewrites it).

#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::any::Any;
use std::ffi::{CStr, CString, c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::Mutex;

use ssh_troubleshoot_core::fleet::progress::Gate;
use ssh_troubleshoot_core::{Cancel, Error, error_json, run_cancellable, run_json, run_json_with};

pub mod cancel;
pub mod watch;
pub use cancel::{
    SshtsCancel, sshts_cancel, sshts_cancel_free, sshts_cancel_new, sshts_run_cancellable,
};
pub use watch::{SshtsRoundFn, sshts_run_watching};

/// The version of this C ABI, as `sshts_abi_version` returns it.
///
/// Bump policy: the number changes only when a caller built against the previous one
/// could misbehave: a function removed or renamed, a parameter or return type changed,
/// or the ownership rules of a returned string changed. Adding a function, or adding
/// fields to the request or report documents (those carry their own `schemaVersion`),
/// does not bump it. Callers check it right after loading the library and refuse to
/// run on a mismatch.
pub const SSHTS_ABI_VERSION: u32 = 1;

/// The version of this C ABI: `SSHTS_ABI_VERSION` (1) for this build.
///
/// Call it right after loading the library and refuse to go on when it is not the
/// version the caller was written for.
///
/// # Safety
///
/// None needed: it takes nothing and may be called at any time from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn sshts_abi_version() -> u32 {
    SSHTS_ABI_VERSION
}

/// Runs one request document (CONTRACT.md §3) and answers a JSON object: a report
/// (CONTRACT.md §4) or `{"error": {"code": "...", "message": "..."}}`.
///
/// The answer is a NUL-terminated UTF-8 string owned by the caller, to be released
/// with `sshts_free` exactly once. A NULL `request_json`, bytes that are not UTF-8,
/// invalid JSON, an unsupported command or a request over 16 MiB all give an error
/// object, as does a panic inside the library (code "internal"). NULL is returned only
/// when memory is exhausted. Safe to call from several threads at once.
///
/// # Safety
///
/// `request_json` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for the duration of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sshts_run(request_json: *const c_char) -> *mut c_char {
    // SAFETY: the caller's promise about `request_json`, passed on.
    unsafe { answer_to(request_json, run_json) }
}

/// A progress callback for `sshts_run_with_progress`, or NULL: `done` of `total` reads
/// have finished; `context` is the pointer the caller gave, passed back untouched.
pub type SshtsProgressFn =
    Option<unsafe extern "C" fn(done: u64, total: u64, context: *mut c_void)>;

/// The callback once it is known not to be NULL.
type Callback = unsafe extern "C" fn(done: u64, total: u64, context: *mut c_void);

/// `sshts_run` that also reports progress: for a fleet request (`diagnose` without a
/// machine name, with a resource group or `subscriptions`), `progress(done, total,
/// context)` follows the fleet's Azure reads (provider, permission and configuration
/// reads; `total` is their number). `done` never decreases, calls come at most about
/// every 100 ms, and the last call has `done == total` once every read has finished
/// (a run that stops before its reads, e.g. without a token, makes no call). For any
/// other request, or a NULL `progress`, it is exactly `sshts_run`: same answer, same
/// ownership (free it with `sshts_free`), same error objects, and no call at all.
/// Safe to call from several threads at once; each call has its own callback.
///
/// # Safety
///
/// `request_json` as for `sshts_run`. `progress` is NULL or a function that may be
/// called with `context` from threads other than the caller's (the library's worker
/// threads) while this call runs: calls are never concurrent, one returns before the
/// next begins, and none is made after `sshts_run_with_progress` returns. The callback
/// must not unwind (throw) into the library and should return quickly: the reads wait
/// for it. `context` is not dereferenced by the library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sshts_run_with_progress(
    request_json: *const c_char,
    progress: SshtsProgressFn,
    context: *mut c_void,
) -> *mut c_char {
    // SAFETY: the caller's promises, passed on.
    unsafe { run_observed(request_json, progress, context, &Cancel::new()) }
}

/// A run with an optional progress callback, stopped when `cancel` fires: what
/// `sshts_run_with_progress` and `sshts_run_cancellable` share.
///
/// # Safety
///
/// As for `sshts_run_with_progress`.
unsafe fn run_observed(
    request_json: *const c_char,
    progress: SshtsProgressFn,
    context: *mut c_void,
    cancel: &Cancel,
) -> *mut c_char {
    let progress = progress.map(|callback| Progress::new(callback, context));
    let answer = |json: &str| {
        run_json_with(json, |request| match &progress {
            Some(p) => run_cancellable(request, Some(&|done, total| p.report(done, total)), cancel),
            None => run_cancellable(request, None, cancel),
        })
    };
    // SAFETY: the caller's promise about `request_json`, passed on.
    unsafe { answer_to(request_json, answer) }
}

/// The caller's callback behind a lock: one call at a time, what the core's progress
/// gate admits. The run borrows it only while it lasts (the fleet's workers are scoped
/// threads), so no call can come after `sshts_run_with_progress` returns.
struct Progress(Mutex<Shown>);

struct Shown {
    callback: Callback,
    context: *mut c_void,
    gate: Gate,
}

// SAFETY: the caller of `sshts_run_with_progress` promises that the callback may be
// called with `context` from other threads, provided the calls are not concurrent; the
// Mutex around `Shown` makes sure they are not.
unsafe impl Send for Shown {}

impl Progress {
    fn new(callback: Callback, context: *mut c_void) -> Progress {
        Progress(Mutex::new(Shown {
            callback,
            context,
            gate: Gate::new(),
        }))
    }

    /// Called by the fleet's workers, concurrently and possibly out of order.
    fn report(&self, done: usize, total: usize) {
        // The lock is held through the call: that is what serialises the callback.
        let mut shown = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !shown.gate.admit(done, total) {
            return;
        }
        let (done, total) = (to_u64(done), to_u64(total));
        // SAFETY: the caller promised a callable `callback` for the duration of the
        // call, with `context` as the argument, from any thread, one call at a time.
        unsafe { (shown.callback)(done, total, shown.context) };
    }
}

fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Releases a string returned by `sshts_run` or `sshts_run_with_progress`.
/// `sshts_free(NULL)` does nothing.
///
/// # Safety
///
/// `answer` is NULL or a pointer returned by `sshts_run` or `sshts_run_with_progress`
/// that has not been freed yet. Any other pointer (from `malloc`, another library, or
/// freed before) is undefined behaviour. The string must not be used after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sshts_free(answer: *mut c_char) {
    if answer.is_null() {
        return;
    }
    // Dropping a CString cannot panic; the guard only keeps that promise structural.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller promises `answer` came from `CString::into_raw` in
        // `into_c` and is freed once.
        drop(unsafe { CString::from_raw(answer) });
    }));
}

/// The one way a request crosses the boundary: NULL and non-UTF-8 become error
/// objects, then `answer` answers the request text, inside [`guarded`].
///
/// # Safety
///
/// `request_json` is NULL or a NUL-terminated string valid for the whole call.
unsafe fn answer_to(
    request_json: *const c_char,
    answer: impl FnOnce(&str) -> String,
) -> *mut c_char {
    guarded(|| {
        if request_json.is_null() {
            return error_json(&Error::InvalidRequest(
                "the request is NULL; pass a JSON request document".into(),
            ));
        }
        // SAFETY: not NULL, and the caller promises a NUL-terminated string that lives
        // through the call.
        let bytes = unsafe { CStr::from_ptr(request_json) };
        match bytes.to_str() {
            Ok(request) => answer(request),
            Err(e) => error_json(&Error::InvalidRequest(format!(
                "the request is not UTF-8: {e}"
            ))),
        }
    })
}

/// Runs `body` so that no panic crosses the boundary: a panic becomes an "internal"
/// error object. Every answer goes through [`into_c`].
fn guarded(body: impl FnOnce() -> String) -> *mut c_char {
    let json = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(json) => json,
        Err(payload) => {
            let answer = error_json(&Error::Internal(panic_message(payload.as_ref())));
            // A payload's destructor may itself panic: that too stays on this side.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload))).map_err(std::mem::forget);
            answer
        }
    };
    into_c(json)
}

/// What a panic said, when that is safe to repeat: only literal messages
/// (`panic!("...")` without arguments) are quoted, since formatted ones may carry
/// request data such as an access token.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    match payload.downcast_ref::<&'static str>() {
        Some(what) => format!("the library panicked: {what}"),
        None => "the library panicked (message withheld: it may hold request data)".into(),
    }
}

/// The answer when an answer cannot be handed over as a C string.
const NUL_IN_ANSWER: &CStr =
    c"{\"error\":{\"code\":\"internal\",\"message\":\"internal error: the answer held a NUL byte\"}}";

/// Hands `json` to C as a NUL-terminated string the caller frees with `sshts_free`.
/// NULL only when the terminator cannot be allocated.
fn into_c(json: String) -> *mut c_char {
    let mut bytes = json.into_bytes();
    if bytes.try_reserve_exact(1).is_err() {
        return ptr::null_mut();
    }
    match CString::new(bytes) {
        Ok(answer) => answer.into_raw(),
        // serde_json escapes U+0000, so a JSON document never holds a NUL byte; were
        // one to appear anyway, the caller still gets an object.
        Err(_) => CString::from(NUL_IN_ANSWER).into_raw(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_troubleshoot_core::fleet::progress::EVERY as PROGRESS_INTERVAL;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::time::{Duration, Instant};

    fn answer(ptr: *mut c_char) -> serde_json::Value {
        assert!(!ptr.is_null());
        // SAFETY: a fresh answer of sshts_run, freed right after reading.
        let text = unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_owned();
        unsafe { sshts_free(ptr) };
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn a_panic_becomes_an_internal_error_object() {
        let literal = answer(guarded(|| panic!("boom")));
        assert_eq!(literal["error"]["code"], "internal");
        assert!(
            literal["error"]["message"]
                .as_str()
                .unwrap()
                .contains("boom")
        );

        let secret = "token-123";
        let formatted = answer(guarded(|| panic!("leaked {secret}")));
        assert_eq!(formatted["error"]["code"], "internal");
        assert!(
            !formatted["error"]["message"]
                .as_str()
                .unwrap()
                .contains(secret)
        );
    }

    #[test]
    fn null_and_bad_utf8_are_error_objects() {
        let null = answer(unsafe { sshts_run(ptr::null()) });
        assert_eq!(null["error"]["code"], "invalid-request");
        let bad = answer(unsafe { sshts_run(c"{\"command\":\"\xff\"}".as_ptr()) });
        assert_eq!(bad["error"]["code"], "invalid-request");
        unsafe { sshts_free(ptr::null_mut()) };
        assert_eq!(sshts_abi_version(), 1);
    }

    /// What the test callback saw: each call, and whether two ever overlapped.
    #[derive(Default)]
    struct Seen {
        calls: Mutex<Vec<(u64, u64)>>,
        inside: AtomicBool,
        overlapped: AtomicBool,
    }

    unsafe extern "C" fn record(done: u64, total: u64, context: *mut c_void) {
        // SAFETY: the tests pass a `&Seen` that outlives the run.
        let seen = unsafe { &*(context as *const Seen) };
        if seen.inside.swap(true, SeqCst) {
            seen.overlapped.store(true, SeqCst);
        }
        std::thread::sleep(Duration::from_micros(200));
        seen.calls.lock().unwrap().push((done, total));
        seen.inside.store(false, SeqCst);
    }

    #[test]
    fn progress_from_many_threads_is_serialised_monotonic_throttled_and_ends_at_total() {
        let seen = Seen::default();
        let progress = Progress::new(record, &seen as *const Seen as *mut c_void);
        let total = 20_000;
        let next = AtomicUsize::new(0);
        let started = Instant::now();
        progress.report(0, total);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    loop {
                        let done = next.fetch_add(1, SeqCst) + 1;
                        if done > total {
                            break;
                        }
                        // Out of order on purpose: report some a little late.
                        if done % 7 == 0 {
                            std::thread::yield_now();
                        }
                        progress.report(done, total);
                        std::thread::sleep(Duration::from_micros(20));
                    }
                });
            }
        });
        let elapsed = started.elapsed();
        let calls = seen.calls.lock().unwrap().clone();
        assert!(!seen.overlapped.load(SeqCst));
        assert_eq!(calls.first(), Some(&(0, total as u64)));
        assert_eq!(calls.last(), Some(&(total as u64, total as u64)));
        assert!(calls.windows(2).all(|w| w[0].0 < w[1].0), "{calls:?}");
        // The first, then one per 100 ms at most, then the last.
        let most = elapsed.as_millis() / PROGRESS_INTERVAL.as_millis() + 2;
        assert!(
            calls.len() as u128 <= most,
            "{} calls in {elapsed:?}",
            calls.len()
        );
    }

    #[test]
    fn with_progress_a_non_fleet_request_is_sshts_run_and_never_calls_back() {
        let seen = Seen::default();
        let context = &seen as *const Seen as *mut c_void;
        let request = c"{\"schemaVersion\":1,\"command\":\"checks\",\"client\":\"standalone\"}";
        let with =
            answer(unsafe { sshts_run_with_progress(request.as_ptr(), Some(record), context) });
        let without = answer(unsafe { sshts_run(request.as_ptr()) });
        assert_eq!(with["checks"], without["checks"]);
        assert!(seen.calls.lock().unwrap().is_empty());
        let null = answer(unsafe { sshts_run_with_progress(ptr::null(), Some(record), context) });
        assert_eq!(null["error"]["code"], "invalid-request");
        let bad = answer(unsafe {
            sshts_run_with_progress(c"{not json".as_ptr(), None, ptr::null_mut())
        });
        assert_eq!(bad["error"]["code"], "invalid-request");
    }
}
