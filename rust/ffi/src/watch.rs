//! `--watch` through the C ABI: the rounds reach the caller while the watch runs, so a
//! host (the PowerShell module) can show each one as it ends instead of all at the end.

use std::ffi::{CString, c_char, c_void};
use std::sync::Mutex;

use ssh_troubleshoot_core::model::Report;
use ssh_troubleshoot_core::watch::{Hooks, Round, text};
use ssh_troubleshoot_core::{run_json_with, run_watching};

use super::answer_to;
use super::cancel::{SshtsCancel, handle_or_new};

/// A round callback for `sshts_run_watching`, or NULL: `round_json` is one round as a
/// NUL-terminated UTF-8 JSON object `{"round": {...}, "line": "...", "status": "..."}`
/// (`round` as in the report's `watch.rounds`, `line` the sentence every host shows for
/// it, `status` the report's status so far). The string is the library's and lives only
/// until the callback returns: copy it, never free it. `context` is the caller's
/// pointer, passed back untouched.
pub type SshtsRoundFn =
    Option<unsafe extern "C" fn(round_json: *const c_char, context: *mut c_void)>;

/// The callback once it is known not to be NULL.
type Callback = unsafe extern "C" fn(round_json: *const c_char, context: *mut c_void);

/// Runs a request like `sshts_run_cancellable`; a `diagnose` request with `"watch":
/// true` for one machine reruns the checks that failed until they pass, its bound
/// (`watchTimeoutMs`) passes or `cancel` fires, and calls `on_round` after each rerun
/// while it goes on. The answer is the report at the end (its `watch` holds every round
/// again, and how the watch ended), freed with `sshts_free`. Any other request is
/// `sshts_run_cancellable` exactly and never calls back. `on_round` and `cancel` may
/// each be NULL (a NULL `cancel`: the run makes its own, never fired). A role
/// assignment granted during the watch needs a new access token, which this entry point
/// cannot ask the caller for: the round says no token was refreshed. Safe to call from
/// several threads at once.
///
/// # Safety
///
/// `request_json` as for `sshts_run`; `cancel` as for `sshts_run_cancellable`.
/// `on_round` is NULL or a function that may be called with `context` while this call
/// runs (on the calling thread or one of the library's, one call at a time, none after
/// this call returns); it must not unwind (throw) into the library and should return
/// quickly: the watch waits for it. `context` is not dereferenced by the library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sshts_run_watching(
    request_json: *const c_char,
    on_round: SshtsRoundFn,
    context: *mut c_void,
    cancel: *const SshtsCancel,
) -> *mut c_char {
    // SAFETY: the caller's promise about `cancel`, passed on.
    let cancel = unsafe { handle_or_new(cancel) };
    let rounds = on_round.map(|callback| Rounds(Mutex::new((callback, context))));
    let show = |round: &Round, report: &Report| {
        if let Some(rounds) = &rounds {
            rounds.deliver(&text::round_event(round, report));
        }
    };
    let hooks = Hooks {
        on_round: &show,
        refresh_token: &|| None,
    };
    let answer = |json: &str| run_json_with(json, |request| run_watching(request, &hooks, &cancel));
    // SAFETY: the caller's promise about `request_json`, passed on.
    unsafe { answer_to(request_json, answer) }
}

/// The caller's callback behind a lock: one call at a time.
struct Rounds(Mutex<(Callback, *mut c_void)>);

// SAFETY: the caller of `sshts_run_watching` promises that the callback may be called
// with `context` from the library's threads, one call at a time; the Mutex makes sure
// calls are never concurrent, and `context` is only handed back, never dereferenced.
unsafe impl Sync for Rounds {}

impl Rounds {
    fn deliver(&self, event: &str) {
        // serde_json escapes U+0000, so the event never holds a NUL byte.
        let Ok(event) = CString::new(event) else {
            return;
        };
        let held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (callback, context) = *held;
        // SAFETY: the caller promised a callable `callback` for the duration of the
        // call; the string lives until it returns.
        unsafe { callback(event.as_ptr(), context) };
    }
}
