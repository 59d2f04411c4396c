//! Stage 1: finding the anchor literals in the whole input, which is all most of a big
//! log ever goes through, so it is one packed search over chunks prepared in one pass.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind, packed};

pub(super) enum Anchors {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
    None,
}

impl Anchors {
    /// One searcher for all of `patterns`. The packed one needs SIMD (and few enough
    /// patterns); without it a DFA finds the same leftmost-first hits, more slowly.
    pub(super) fn new(patterns: &[&String]) -> Anchors {
        packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .heuristic_pattern_limits(false)
            .builder()
            .extend(patterns)
            .build()
            .map(Anchors::Packed)
            .or_else(|| {
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(patterns)
                    .ok()
                    .map(Anchors::Automaton)
            })
            .unwrap_or(Anchors::None)
    }

    /// Calls `f(start, end, anchor)` for each hit in order until it returns false.
    pub(super) fn each(&self, hay: &[u8], mut f: impl FnMut(usize, usize, usize) -> bool) {
        match self {
            Anchors::Packed(s) => {
                for m in s.find_iter(hay) {
                    if !f(m.start(), m.end(), m.pattern().as_usize()) {
                        return;
                    }
                }
            }
            Anchors::Automaton(a) => {
                for m in a.find_iter(hay) {
                    if !f(m.start(), m.end(), m.pattern().as_usize()) {
                        return;
                    }
                }
            }
            Anchors::None => {}
        }
    }
}

/// A chunk of the input lower-cased with its line breaks removed, and with them
/// PowerShell's continuation bar and colour codes at the break, so that a word wrapped
/// over two lines is whole again for the anchor search.
#[derive(Default)]
pub(super) struct Joined {
    pub(super) bytes: Vec<u8>,
    /// Where each joined line starts: (offset in `bytes`, offset in the input).
    marks: Vec<(usize, usize)>,
}

impl Joined {
    pub(super) fn fill(&mut self, input: &[u8], from: usize, to: usize) {
        self.bytes.clear();
        self.marks.clear();
        let mut i = if from == 0 || matches!(input[from - 1], b'\n' | b'\r') {
            skip_continuation(input, from, to)
        } else {
            from
        };
        loop {
            let brk = next_break(input, i, to);
            self.marks.push((self.bytes.len(), i));
            self.bytes
                .extend_from_slice(&input[i..trim_trailing_sgr(input, i, brk)]);
            if brk >= to {
                break;
            }
            let mut j = brk + 1;
            while j < to && matches!(input[j], b'\n' | b'\r') {
                j += 1;
            }
            i = skip_continuation(input, j, to);
        }
        self.bytes.make_ascii_lowercase();
    }

    /// The input offset of byte `p` of `bytes`.
    pub(super) fn source(&self, p: usize) -> usize {
        let k = self
            .marks
            .partition_point(|&(d, _)| d <= p)
            .saturating_sub(1);
        self.marks.get(k).map_or(p, |&(d, s)| s + (p - d))
    }
}

/// The first `\n` or `\r` in `s[i..to]`, or `to`; eight bytes at a time.
pub(super) fn next_break(s: &[u8], mut i: usize, to: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= to {
        let Ok(word) = <[u8; 8]>::try_from(&s[i..i + 8]) else {
            break;
        };
        let w = u64::from_le_bytes(word);
        let (a, b) = (w ^ (LO * u64::from(b'\n')), w ^ (LO * u64::from(b'\r')));
        let z = ((a.wrapping_sub(LO) & !a) | (b.wrapping_sub(LO) & !b)) & HI;
        if z != 0 {
            return i + (z.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    s[i..to]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(to, |p| i + p)
}

/// After a line break: skips colour codes and PowerShell 7's continuation bar
/// (`     | `); plain leading spaces are kept, they may be a wrapped space.
fn skip_continuation(s: &[u8], j: usize, to: usize) -> usize {
    let after_sgr = skip_sgr(s, j, to);
    let mut k = after_sgr;
    while k < to && (s[k] == b' ' || s[k] == 0x1b) {
        k = if s[k] == b' ' {
            k + 1
        } else {
            skip_sgr(s, k, to).max(k + 1)
        };
    }
    if k < to && s[k] == b'|' {
        k = skip_sgr(s, k + 1, to);
        if k < to && s[k] == b' ' {
            k += 1;
        }
        k
    } else {
        after_sgr
    }
}

/// Skips `ESC [ params m` colour codes at `k`.
fn skip_sgr(s: &[u8], mut k: usize, to: usize) -> usize {
    while k + 1 < to && s[k] == 0x1b && s[k + 1] == b'[' {
        let mut e = k + 2;
        while e < to && (s[e].is_ascii_digit() || s[e] == b';') {
            e += 1;
        }
        if e < to && s[e] == b'm' {
            k = e + 1;
        } else {
            break;
        }
    }
    k
}

/// The end of `s[from..end]` without colour codes that close the line.
fn trim_trailing_sgr(s: &[u8], from: usize, mut end: usize) -> usize {
    while end > from && s[end - 1] == b'm' {
        let Some(esc) = s[from.max(end.saturating_sub(16))..end]
            .iter()
            .rposition(|&b| b == 0x1b)
        else {
            break;
        };
        let esc = from.max(end.saturating_sub(16)) + esc;
        if skip_sgr(s, esc, end) != end {
            break;
        }
        end = esc;
    }
    end
}
