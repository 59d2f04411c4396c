//! Stage 2 input: a window of raw output made into text the templates can be matched
//! against. Terminals, PowerShell and copy-paste leave escape codes, control bytes and
//! continuation bars in it; the skeleton drops everything but letters and digits, so
//! wrapping and punctuation cannot hide a message. Both map back to the window.

use super::anchors::next_break;

/// Reused per window: the cleaned text and the skeleton, with their maps back.
#[derive(Default)]
pub(super) struct Buffers {
    /// Cleaned lines joined with `\n`.
    pub(super) text: String,
    /// Per byte of `text`: its offset in the window.
    pub(super) tmap: Vec<u32>,
    line: Vec<u8>,
    lmap: Vec<u32>,
    pub(super) skel: Vec<u8>,
    /// Per byte of `skel`: its offset in `text`.
    pub(super) smap: Vec<u32>,
    /// (skeleton index, entry) where an entry's first phrase occurs.
    pub(super) cands: Vec<(usize, usize)>,
    /// Verifications tried per entry in this window.
    pub(super) tries: Vec<u8>,
}

impl Buffers {
    /// Cleans the window `w` into `text` and `skel`.
    pub(super) fn build(&mut self, w: &[u8]) {
        self.text.clear();
        self.tmap.clear();
        self.skel.clear();
        self.smap.clear();
        let mut i = 0;
        loop {
            let end = next_break(w, i, w.len());
            self.push_line(w, i, end);
            if end >= w.len() {
                break;
            }
            i = end + 1;
            if w[end] == b'\r' && w.get(i) == Some(&b'\n') {
                i += 1;
            }
        }
    }

    fn push_line(&mut self, w: &[u8], start: usize, end: usize) {
        let plain = self.strip(w, start, end);
        let Some((a, z)) = message_bounds(&self.line) else {
            return;
        };
        if !self.text.is_empty() {
            self.text.push('\n');
            self.tmap.push(self.lmap[a]);
        }
        let base = self.text.len();
        self.push_text(a, z, plain);
        self.push_skeleton(base);
    }

    /// Copies `w[start..end]` into `line` without escape codes and control bytes (a
    /// tab becomes a space); `true` when the line was plain and copied as it is.
    fn strip(&mut self, w: &[u8], start: usize, end: usize) -> bool {
        let plain = is_plain(&w[start..end]);
        self.line.clear();
        self.lmap.clear();
        if plain {
            self.line.extend_from_slice(&w[start..end]);
            self.lmap.extend((start..end).map(|k| k as u32));
            return true;
        }
        let mut j = start;
        while j < end {
            let b = w[j];
            if b == 0x1b {
                j = skip_escape(w, j, end);
            } else if let Some(k) = (b == b'[').then(|| orphan_sgr(w, j, end)).flatten() {
                j = k;
            } else {
                if b >= 0x20 && b != 0x7f {
                    self.line.push(b);
                    self.lmap.push(j as u32);
                } else if b == b'\t' {
                    self.line.push(b' ');
                    self.lmap.push(j as u32);
                }
                j += 1;
            }
        }
        false
    }

    /// Appends `line[a..z]` to `text`, invalid UTF-8 as U+FFFD.
    fn push_text(&mut self, a: usize, z: usize, plain: bool) {
        let line = &self.line;
        let mut k = a;
        if let Some(ascii) = plain
            .then(|| std::str::from_utf8(&line[a..z]).ok())
            .flatten()
        {
            self.text.push_str(ascii);
            self.tmap.extend_from_slice(&self.lmap[a..z]);
            k = z;
        }
        for chunk in line[k..z].utf8_chunks() {
            let valid = chunk.valid();
            self.text.push_str(valid);
            self.tmap.extend_from_slice(&self.lmap[k..k + valid.len()]);
            k += valid.len();
            if !chunk.invalid().is_empty() {
                self.text.push('\u{FFFD}');
                self.tmap.extend_from_slice(&[self.lmap[k]; 3]);
                k += chunk.invalid().len();
            }
        }
    }

    /// Appends the skeleton of `text[base..]`.
    fn push_skeleton(&mut self, base: usize) {
        // The skeleton: letters and digits, lower-cased (`| 0x20` leaves digits alone).
        let added = &self.text.as_bytes()[base..];
        let mut j = self.skel.len();
        self.skel.resize(j + added.len(), 0);
        self.smap.resize(j + added.len(), 0);
        for (i, &b) in added.iter().enumerate() {
            if let (Some(s), Some(m)) = (self.skel.get_mut(j), self.smap.get_mut(j)) {
                *s = b | 0x20;
                *m = (base + i) as u32;
            }
            j += usize::from(b.is_ascii_alphanumeric());
        }
        self.skel.truncate(j);
        self.smap.truncate(j);
    }
}

/// The usual line is printable ASCII without colour codes: no copy through `line`.
fn is_plain(raw: &[u8]) -> bool {
    let (printable, bracket) = raw.iter().fold((true, false), |(ok, br), &b| {
        (ok & (0x20..0x7f).contains(&b), br | (b == b'['))
    });
    printable
        && !(bracket
            && raw
                .iter()
                .enumerate()
                .any(|(k, &b)| b == b'[' && orphan_sgr(raw, k, raw.len()).is_some()))
}

/// Where the message in a stripped line starts and ends: past leading spaces (and a
/// continuation bar), before trailing ones; `None` when nothing is left.
fn message_bounds(line: &[u8]) -> Option<(usize, usize)> {
    let mut a = line.iter().position(|&b| b != b' ').unwrap_or(line.len());
    // PowerShell 7 ConciseView continuation: "     | rest of the message".
    if line.get(a) == Some(&b'|') && line.get(a + 1).is_none_or(|&b| b == b' ') {
        a += 1;
        while line.get(a) == Some(&b' ') {
            a += 1;
        }
    }
    let mut z = line.len();
    while z > a && line[z - 1] == b' ' {
        z -= 1;
    }
    (a != z).then_some((a, z))
}

/// The index after the escape sequence starting at `w[j] == ESC` (CSI, OSC, or a
/// two-byte or charset escape).
fn skip_escape(w: &[u8], j: usize, end: usize) -> usize {
    let Some(&next) = w.get(j + 1).filter(|_| j + 1 < end) else {
        return j + 1;
    };
    let mut k = j + 2;
    match next {
        b'[' => {
            while k < end && (0x20..=0x3f).contains(&w[k]) {
                k += 1;
            }
            if k < end && (0x40..=0x7e).contains(&w[k]) {
                k + 1
            } else {
                k
            }
        }
        b']' | b'P' | b'_' | b'^' => {
            while k < end {
                if w[k] == 0x07 {
                    return k + 1;
                }
                if w[k] == 0x1b && w.get(k + 1) == Some(&b'\\') {
                    return k + 2;
                }
                k += 1;
            }
            end
        }
        0x20..=0x2f => {
            while k < end && (0x20..=0x2f).contains(&w[k]) {
                k += 1;
            }
            (k + 1).min(end)
        }
        0x30..=0x7e => k,
        _ => j + 1,
    }
}

/// A colour code whose ESC was lost in copying (`[31;1m`, `[0m`): the index after it.
fn orphan_sgr(w: &[u8], j: usize, end: usize) -> Option<usize> {
    let mut k = j + 1;
    while k < end && k - j <= 12 && (w[k].is_ascii_digit() || w[k] == b';') {
        k += 1;
    }
    (k > j + 1 && k < end && w[k] == b'm').then_some(k + 1)
}
