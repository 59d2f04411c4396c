//! The C ABI of ssh-troubleshoot (CONTRACT.md §1): three functions, JSON in and JSON
//! out, for the PowerShell module's P/Invoke and any other C caller.
//!
//! Deliberately thin: the request is the document every host sends
//! (`ssh_troubleshoot_core::run_json` does the work); this crate only moves bytes
//! across the boundary, keeps panics on this side of it, and maps every failure to an
//! error object in one place (`guarded` and `into_c`). It never prints.
//!
//! The header `include/ssh_troubleshoot.h` is generated from this file by cbindgen
//! (`tests/header.rs` fails when it is stale; `UPDATE_HEADER=1 cargo test -p
//! ssh-troubleshoot-ffi --test header` rewrites it).

#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::any::Any;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use ssh_troubleshoot_core::{Error, error_json, run_json};

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
            Ok(request) => run_json(request),
            Err(e) => error_json(&Error::InvalidRequest(format!(
                "the request is not UTF-8: {e}"
            ))),
        }
    })
}

/// Releases a string returned by `sshts_run`. `sshts_free(NULL)` does nothing.
///
/// # Safety
///
/// `answer` is NULL or a pointer returned by `sshts_run` that has not been freed yet.
/// Any other pointer (from `malloc`, another library, or freed before) is undefined
/// behaviour. The string must not be used after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sshts_free(answer: *mut c_char) {
    if answer.is_null() {
        return;
    }
    // Dropping a CString cannot panic; the guard only keeps that promise structural.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller promises `answer` came from `CString::into_raw` in
        // `sshts_run` and is freed once.
        drop(unsafe { CString::from_raw(answer) });
    }));
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
}
