//! The explain engine: which known error messages a pasted text contains, and which
//! diagnoses they prove.
//!
//! Two stages, so that a 50 MB `--debug` log costs little more than one read:
//!
//! 1. **Anchors.** The input is read a chunk at a time, copied lower-cased with its line
//!    breaks removed (and with them PowerShell's `     | ` continuation bar and colour
//!    codes at the break, so a word wrapped over two lines is whole again), and searched
//!    with one packed multi-literal searcher (`aho_corasick`'s Teddy) for the short
//!    anchor literals of [`kb::ENTRIES`]. Nothing else looks at most of the input.
//! 2. **Windows.** Around each hit a window of about 1.5 KB (hits close together share
//!    one) is cleaned: ANSI escapes, CR and control bytes removed, continuation bars and
//!    indentation stripped, lines joined with `\n`. It is reduced to a *skeleton*, its
//!    ASCII letters and digits lower-cased, and every entry whose first fixed phrase
//!    occurs there is verified: the template's fixed phrases must follow one another in
//!    the skeleton with no more room between them than its variable parts may take, so
//!    wrapping mid-word, quoting, spacing and prefixes such as `ERROR: ` do not matter.
//!    The template's own regex (fixed text that allows a line break after any
//!    character) then takes the values from the cleaned lines.
//!
//! Every window is checked against the whole knowledge base, not only the entries whose
//! anchor hit. Memory is bounded by the chunk and window sizes whatever the input's size,
//! and nothing here panics on any input.
//!
//! Stage 1 is in `anchors`, stage 2 in `clean` (the window) and `verify` (the entries);
//! `compile` prepares the knowledge base for both and `order` ranks what was found.

use std::collections::BTreeMap;

mod anchors;
mod clean;
mod compile;
pub mod kb;
mod kb_clients;
mod kb_real;
mod order;
mod utf16;
mod verify;

pub use kb::{ENTRIES, Entry};

use anchors::Joined;
use clean::Buffers;
use compile::{Compiled, compiled};
use verify::{Found, verify};

#[cfg(test)]
mod debug_log;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_robust;
#[cfg(test)]
mod tests_samples;
#[cfg(test)]
mod tests_samples_real;
#[cfg(test)]
mod tests_scale;

/// One known message found in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The knowledge-base entry ([`kb::Entry::id`]).
    pub entry: &'static str,
    /// A catalogue id from `crate::catalogue::DIAGNOSES`.
    pub diagnosis: crate::model::DiagnosisId,
    /// 0..=1: 0.9 and above for a message that names its cause.
    pub confidence: f64,
    /// The input lines that matched, cleaned and trimmed; at most about 600 characters.
    pub excerpt: String,
    /// Values taken from the message: `port`, `path`, `version`, `machine`,
    /// `resourceGroup`, `modulePath`, `user`, `subscription`, `folder`, `platform`.
    pub extracted: BTreeMap<String, String>,
    /// Byte offset of the message's first occurrence in the input.
    pub offset: usize,
}

/// Bytes looked at before an anchor hit: a message starts at most about 400 bytes
/// before its anchor (a 260-character path ahead of `: Permission denied`).
const BEFORE: usize = 640;
/// Bytes looked at after it: the rest of the longest message, wrapped, and the lines a
/// value may run over.
const AFTER: usize = 768;
/// How far a window edge moves to reach a line boundary.
const SNAP: usize = 128;
/// Merged windows are cut at this size (a new one starts, overlapping the last).
const MAX_WINDOW: usize = 64 * 1024;
/// Input bytes prepared at a time for the anchor scan.
const CHUNK: usize = 256 * 1024;
/// Failed verifications of one entry after which a window gives up on it.
const MAX_TRIES: u8 = 16;

/// The known messages in `input`, at most one per diagnosis, most likely root cause
/// first (catalogue `root_rank`, then confidence, then position).
///
/// `input` is any bytes: UTF-8 or not, and UTF-16 as Windows PowerShell 5.1 writes
/// redirected output (then decoded first; offsets still count the input's bytes).
pub fn explain(input: &[u8]) -> Vec<Match> {
    let Some(big_endian) = utf16::utf16_order(input) else {
        return scan(input);
    };
    let text = utf16::decode_utf16(input, big_endian);
    let mut found = scan(text.as_bytes());
    for m in &mut found {
        m.offset = utf16::utf16_offset(input, big_endian, m.offset);
    }
    found
}

/// Whether `input` shows it is about SSH to an Arc-enabled server: one of
/// [`kb::SSH_CONTEXT`] (the SSH proxy, the two clients, ...) occurs in it, compared as
/// skeletons as the entries' own context is.
pub fn has_ssh_context(input: &[u8]) -> bool {
    let text = match utf16::utf16_order(input) {
        Some(big_endian) => utf16::decode_utf16(input, big_endian).into_bytes(),
        None => input.to_vec(),
    };
    let skeleton: Vec<u8> = compile::skeleton_of_bytes(&text).collect();
    kb::SSH_CONTEXT.iter().any(|needle| {
        let needle: Vec<u8> = compile::skeleton_of(needle).collect();
        verify::find(&skeleton, &needle).is_some()
    })
}

/// [`explain`] for bytes that are not UTF-16.
fn scan(input: &[u8]) -> Vec<Match> {
    if input.is_empty() {
        return Vec::new();
    }
    let c = compiled();
    let mut scan = Scan {
        c,
        input,
        found: vec![None; c.entries.len()],
        buf: Buffers::default(),
    };
    let slack = 4 * c.longest_anchor + 256;
    let mut joined = Joined::default();
    // The window being gathered: (start, end, whether a hit in it may still find
    // something, i.e. one of its anchors belongs to an entry not found yet).
    let mut window: Option<(usize, usize, bool)> = None;
    let mut pos = 0;
    while pos < input.len() {
        let end = (pos + CHUNK).min(input.len());
        joined.fill(input, pos, (end + slack).min(input.len()));
        c.anchors.each(&joined.bytes, |s, e, anchor| {
            let (s, e) = (joined.source(s), joined.source(e.saturating_sub(1)) + 1);
            if s >= end {
                return false;
            }
            let live = c.anchor_owner[anchor]
                .iter()
                .any(|&i| scan.found[i].is_none());
            let (ws, we) = (s.saturating_sub(BEFORE), (e + AFTER).min(input.len()));
            window = match window {
                Some((a, b, l)) if ws <= b && we - a <= MAX_WINDOW => {
                    Some((a, b.max(we), l || live))
                }
                Some((a, b, l)) => {
                    if l {
                        scan.window((a, b));
                    }
                    Some((ws, we, live))
                }
                None => Some((ws, we, live)),
            };
            true
        });
        pos = end;
    }
    if let Some((a, b, true)) = window {
        scan.window((a, b));
    }
    order::ranked(scan.found)
}

/// One [`scan`]'s state across its windows: what each entry found, so that an entry
/// found once is no longer looked for.
struct Scan<'a> {
    c: &'static Compiled,
    input: &'a [u8],
    found: Vec<Option<Found>>,
    buf: Buffers,
}

impl Scan<'_> {
    /// Stage 2 for input bytes `ws..we`, its edges first moved to line boundaries.
    fn window(&mut self, (ws, we): (usize, usize)) {
        if self.found.iter().all(Option::is_some) {
            return;
        }
        let input = self.input;
        let ws = if ws == 0 {
            0
        } else {
            input[ws..we]
                .iter()
                .take(SNAP)
                .position(|&b| b == b'\n' || b == b'\r')
                .map_or(ws, |p| ws + p + 1)
        };
        let we = if we == input.len() {
            we
        } else {
            input[ws..we]
                .iter()
                .rev()
                .take(SNAP)
                .position(|&b| b == b'\n' || b == b'\r')
                .map_or(we, |p| we - p)
        };
        let b = &mut self.buf;
        b.build(&input[ws..we]);
        let Some(first) = &self.c.first else { return };
        b.cands.clear();
        for m in first.find_overlapping_iter(&b.skel) {
            for &e in &self.c.first_owner[m.pattern().as_usize()] {
                if self.found[e].is_none() {
                    b.cands.push((m.start(), e));
                }
            }
        }
        b.cands.sort_unstable();
        b.tries.clear();
        b.tries.resize(ENTRIES.len(), 0);
        let cands = std::mem::take(&mut b.cands);
        for &(s0, e) in &cands {
            // A message does not repeat its opening many times in a window without
            // matching; past a few failures the rest are the same text.
            if self.found[e].is_some() || self.buf.tries[e] >= MAX_TRIES {
                continue;
            }
            self.buf.tries[e] += 1;
            if let Some(mut f) = verify(&self.c.entries[e], &ENTRIES[e], &self.buf, s0) {
                f.offset += ws;
                self.found[e] = Some(f);
            }
        }
        self.buf.cands = cands;
    }
}
