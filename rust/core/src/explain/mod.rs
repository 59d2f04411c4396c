//! The explain engine: which known error messages a pasted text contains, and which
//! diagnoses they prove.
//!
//! One pass over the raw bytes looks for short anchor literals ([`kb::Entry::anchors`]),
//! lower-casing a chunk at a time and searching it with one packed multi-literal searcher.
//! Only around a hit is the text looked at closely: a window of a few KB is cleaned (ANSI
//! escapes, CR and control bytes removed, PowerShell's `     | ` continuation bars and
//! indentation stripped; lines joined with `\n`), reduced to a "skeleton" (ASCII letters
//! and digits, lower-cased) and every entry whose first fixed phrase occurs there is
//! verified: the template's fixed phrases must follow one another in the skeleton with
//! no more room between them than its variable parts may take, so wrapping in the middle
//! of a word, quoting, prefixes such as `ERROR: ` and spacing do not matter. The
//! template's own regex (fixed text tolerant of a line break after any character) then
//! takes the values from the cleaned lines.
//!
//! Memory is bounded by the chunk and window sizes, whatever the input's size.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind, packed};
use regex::Regex;

pub mod kb;
pub use kb::{ENTRIES, Entry};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_robust;
#[cfg(test)]
mod tests_scale;

/// One known message found in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The knowledge-base entry ([`kb::Entry::id`]).
    pub entry: &'static str,
    /// A catalogue id from `crate::catalogue::DIAGNOSES`.
    pub diagnosis: &'static str,
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

/// Bytes looked at on each side of an anchor hit.
const CONTEXT: usize = 2048;
/// How far a window edge moves to reach a line boundary.
const SNAP: usize = 1024;
/// Merged windows are cut at this size (a new one starts, overlapping the last).
const MAX_WINDOW: usize = 64 * 1024;
/// Bytes lower-cased at a time for the anchor scan.
const CHUNK: usize = 256 * 1024;
const EXCERPT_CHARS: usize = 600;

/// The known messages in `input`, at most one per diagnosis, most likely root cause
/// first (catalogue `root_rank`, then confidence, then position).
pub fn explain(input: &[u8]) -> Vec<Match> {
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
    let longest = c.longest_anchor.max(1);
    let mut lower = vec![0u8; (CHUNK + longest).min(input.len())];
    let mut window: Option<(usize, usize)> = None;
    let mut pos = 0;
    while pos < input.len() {
        let end = (pos + CHUNK).min(input.len());
        let ext = (end + longest - 1).min(input.len());
        let hay = &mut lower[..ext - pos];
        hay.copy_from_slice(&input[pos..ext]);
        hay.make_ascii_lowercase();
        c.anchors.each(hay, |s, e| {
            let (s, e) = (pos + s, pos + e);
            if s >= end {
                return false;
            }
            let (ws, we) = (s.saturating_sub(CONTEXT), (e + CONTEXT).min(input.len()));
            window = match window {
                Some((a, b)) if ws <= b && we - a <= MAX_WINDOW => Some((a, b.max(we))),
                Some(w) => {
                    scan.window(w);
                    Some((ws, we))
                }
                None => Some((ws, we)),
            };
            true
        });
        pos = end;
    }
    if let Some(w) = window {
        scan.window(w);
    }
    scan.finish()
}

// ---------------------------------------------------------------------------------
// Compiled knowledge base

struct Compiled {
    anchors: Anchors,
    longest_anchor: usize,
    /// The first skeleton phrase of every entry; `first_owner[pattern]` = entries.
    first: Option<AhoCorasick>,
    first_owner: Vec<Vec<usize>>,
    entries: Vec<Verifier>,
}

enum Anchors {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
    None,
}

impl Anchors {
    /// Calls `f(start, end)` for each hit in order until it returns false.
    fn each(&self, hay: &[u8], mut f: impl FnMut(usize, usize) -> bool) {
        match self {
            Anchors::Packed(s) => {
                for m in s.find_iter(hay) {
                    if !f(m.start(), m.end()) {
                        return;
                    }
                }
            }
            Anchors::Automaton(a) => {
                for m in a.find_iter(hay) {
                    if !f(m.start(), m.end()) {
                        return;
                    }
                }
            }
            Anchors::None => {}
        }
    }
}

struct Verifier {
    /// Skeleton phrases, each with the most skeleton bytes allowed before it.
    phrases: Vec<(Vec<u8>, usize)>,
    regex: Option<Regex>,
    /// The value that ends the message (see [`trailing_hole`]).
    trailing: Option<String>,
    /// The path that ends the message's sentence (see [`ends_with_path_sentence`]).
    sentence: Option<String>,
    extra: Vec<Regex>,
}

fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| {
        let anchor_set: BTreeSet<String> = ENTRIES
            .iter()
            .flat_map(|e| e.anchors.iter().map(|a| a.to_ascii_lowercase()))
            .filter(|a| !a.is_empty())
            .collect();
        let anchor_list: Vec<&String> = anchor_set.iter().collect();
        let longest_anchor = anchor_list.iter().map(|a| a.len()).max().unwrap_or(1);
        let anchors = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .heuristic_pattern_limits(false)
            .builder()
            .extend(&anchor_list)
            .build()
            .map(Anchors::Packed)
            .or_else(|| {
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&anchor_list)
                    .ok()
                    .map(Anchors::Automaton)
            })
            .unwrap_or(Anchors::None);

        let entries: Vec<Verifier> = ENTRIES.iter().map(verifier).collect();
        let mut firsts: Vec<Vec<u8>> = Vec::new();
        let mut first_owner: Vec<Vec<usize>> = Vec::new();
        for (i, v) in entries.iter().enumerate() {
            let Some((p, _)) = v.phrases.first() else {
                continue;
            };
            match firsts.iter().position(|f| f == p) {
                Some(k) => first_owner[k].push(i),
                None => {
                    firsts.push(p.clone());
                    first_owner.push(vec![i]);
                }
            }
        }
        let first = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&firsts)
            .ok();
        Compiled {
            anchors,
            longest_anchor,
            first,
            first_owner,
            entries,
        }
    })
}

enum Piece<'a> {
    Text(&'a str),
    Hole(&'a str),
}

/// Splits a template into fixed text and `{key}` holes.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j)
                if j > 0
                    && after[..j]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                if i > 0 {
                    out.push(Piece::Text(&rest[..i]));
                }
                out.push(Piece::Hole(&after[..j]));
                rest = &after[j + 1..];
            }
            _ => {
                out.push(Piece::Text(&rest[..=i]));
                rest = after;
            }
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// The most skeleton bytes a value of this kind may take.
fn max_gap(key: &str) -> usize {
    match key {
        "port" => 6,
        "version" | "platform" => 40,
        "machine" | "resourceGroup" | "subscription" => 120,
        "user" => 160,
        "path" | "modulePath" | "folder" | "scope" => 500,
        _ => 300,
    }
}

/// The regex of a `{key}` hole; `last` when nothing but optional quotes follows it, where
/// the value runs to the end of its line (a path) or of its word.
fn hole_regex(key: &str, last: bool) -> String {
    let body = match key {
        "path" | "modulePath" | "folder" if last => r"[^\n]+",
        _ if last => r#"[^\s'"]+"#,
        "port" => r"(?:\d\n?){1,5}",
        "version" => r"\d(?:\n?[0-9A-Za-z.+\-])*",
        "machine" | "resourceGroup" | "subscription" => r#"(?:[^\s'"/\\,;]\n?)+?"#,
        "user" | "scope" => r#"(?:[^\s'"]\n?)+?"#,
        "platform" => r#"(?:[^\s'":,]\n?)+?"#,
        "path" | "modulePath" | "folder" => r"(?s:.+?)",
        _ => r"(?s:.*?)",
    };
    // A line break may follow a value inside the message, not one that ends it.
    let after = if last { "" } else { r"\n?" };
    if key == "_" {
        format!(r"(?:{body}){after}")
    } else {
        format!(r"(?P<{key}>{body}){after}")
    }
}

/// The regex of a template: its fixed text matched case-insensitively, whitespace as
/// `\s*`, any quote optional, and a line break allowed after every character.
fn template_regex(parts: &[Piece<'_>]) -> String {
    let mut re = String::from("(?i)");
    let sentence = ends_with_path_sentence(parts);
    for (i, p) in parts.iter().enumerate() {
        match p {
            Piece::Text(_) if sentence && i + 1 == parts.len() => re.push_str(r"\.(?:\s|$)"),
            Piece::Text(t) => {
                for ch in t.chars() {
                    if ch.is_whitespace() {
                        if !re.ends_with(r"\s*") {
                            re.push_str(r"\s*");
                        }
                    } else if is_quote(ch) {
                        re.push_str(r#"(?:\\?['"‘’“”]\n?)?"#);
                    } else {
                        re.push_str(&regex::escape(ch.encode_utf8(&mut [0; 4])));
                        re.push_str(r"\n?");
                    }
                }
            }
            Piece::Hole(k) => re.push_str(&hole_regex(k, trailing_hole(parts) == Some(i))),
        }
    }
    re
}

/// A path-like value that ends the sentence: `... on file {path}.` The final period is
/// the one followed by white space or the end, so dots inside the path are kept.
fn ends_with_path_sentence(parts: &[Piece<'_>]) -> bool {
    matches!(
        parts,
        [
            ..,
            Piece::Hole("path" | "modulePath" | "folder"),
            Piece::Text(".")
        ]
    )
}

/// The hole that ends the message (nothing but optional quotes after it), unless it is
/// a path ending a sentence.
fn trailing_hole(parts: &[Piece<'_>]) -> Option<usize> {
    if ends_with_path_sentence(parts) {
        return None;
    }
    let i = parts.iter().rposition(|p| matches!(p, Piece::Hole(_)))?;
    parts[i + 1..]
        .iter()
        .all(|p| matches!(p, Piece::Text(t) if t.chars().all(|c| c.is_whitespace() || is_quote(c))))
        .then_some(i)
}

fn is_quote(ch: char) -> bool {
    matches!(ch, '\'' | '"' | '‘' | '’' | '“' | '”')
}

fn skeleton_of(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_lowercase())
}

fn verifier(e: &Entry) -> Verifier {
    let parts = pieces(e.template);
    let mut phrases: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut gap = 0;
    for p in &parts {
        match p {
            Piece::Text(t) => cur.extend(skeleton_of(t)),
            Piece::Hole(k) => {
                if !cur.is_empty() {
                    phrases.push((std::mem::take(&mut cur), gap));
                    gap = 0;
                }
                gap += max_gap(k);
            }
        }
    }
    if !cur.is_empty() {
        phrases.push((cur, gap));
    }
    let hole_name = |i: usize| match parts.get(i) {
        Some(Piece::Hole(k)) if *k != "_" => Some((*k).to_string()),
        _ => None,
    };
    let trailing = trailing_hole(&parts).and_then(hole_name);
    let sentence = ends_with_path_sentence(&parts)
        .then(|| hole_name(parts.len() - 2))
        .flatten();
    Verifier {
        phrases,
        regex: Regex::new(&template_regex(&parts)).ok(),
        trailing,
        sentence,
        extra: e
            .extra
            .iter()
            .filter_map(|t| Regex::new(&template_regex(&pieces(t))).ok())
            .collect(),
    }
}

// ---------------------------------------------------------------------------------
// Scanning

#[derive(Clone)]
struct Found {
    offset: usize,
    excerpt: String,
    extracted: BTreeMap<String, String>,
}

/// Reused per window: the cleaned text and the skeleton, with their maps back.
#[derive(Default)]
struct Buffers {
    /// Cleaned lines joined with `\n`.
    text: String,
    /// Per byte of `text`: its offset in the window.
    tmap: Vec<u32>,
    line: Vec<u8>,
    lmap: Vec<u32>,
    skel: Vec<u8>,
    /// Per byte of `skel`: its offset in `text`.
    smap: Vec<u32>,
    cands: Vec<(usize, usize)>,
}

struct Scan<'a> {
    c: &'static Compiled,
    input: &'a [u8],
    found: Vec<Option<Found>>,
    buf: Buffers,
}

impl Scan<'_> {
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
        let cands = std::mem::take(&mut b.cands);
        for &(s0, e) in &cands {
            if self.found[e].is_some() {
                continue;
            }
            if let Some(mut f) = verify(&self.c.entries[e], &ENTRIES[e], &self.buf, s0) {
                f.offset += ws;
                self.found[e] = Some(f);
            }
        }
        self.buf.cands = cands;
    }

    fn finish(self) -> Vec<Match> {
        let all: Vec<(usize, Found)> = self
            .found
            .into_iter()
            .enumerate()
            .filter_map(|(i, f)| f.map(|f| (i, f)))
            .collect();
        let present: BTreeSet<&str> = all.iter().map(|(i, _)| ENTRIES[*i].diagnosis).collect();
        let mut all: Vec<(usize, Found)> = all
            .into_iter()
            .filter(|(i, _)| !ENTRIES[*i].unless.iter().any(|d| present.contains(d)))
            .collect();
        all.sort_by(|(a, fa), (b, fb)| {
            let (ea, eb) = (&ENTRIES[*a], &ENTRIES[*b]);
            ea.diagnosis
                .cmp(eb.diagnosis)
                .then(eb.confidence.total_cmp(&ea.confidence))
                .then(fa.offset.cmp(&fb.offset))
        });
        let mut out: Vec<Match> = Vec::new();
        for (i, f) in all {
            let e = &ENTRIES[i];
            match out.last_mut() {
                // Same diagnosis, weaker or later: only lends values the winner lacks.
                Some(m) if m.diagnosis == e.diagnosis => {
                    for (k, v) in f.extracted {
                        m.extracted.entry(k).or_insert(v);
                    }
                }
                _ => out.push(Match {
                    entry: e.id,
                    diagnosis: e.diagnosis,
                    confidence: e.confidence,
                    excerpt: f.excerpt,
                    extracted: f.extracted,
                    offset: f.offset,
                }),
            }
        }
        let rank = |d: &str| crate::catalogue::diagnosis(d).map_or(u8::MAX, |d| d.root_rank);
        out.sort_by(|a, b| {
            rank(a.diagnosis)
                .cmp(&rank(b.diagnosis))
                .then(b.confidence.total_cmp(&a.confidence))
                .then(a.offset.cmp(&b.offset))
        });
        out
    }
}

impl Buffers {
    /// Cleans the window `w` into `text` and `skel`.
    fn build(&mut self, w: &[u8]) {
        self.text.clear();
        self.tmap.clear();
        self.skel.clear();
        self.smap.clear();
        let mut i = 0;
        loop {
            let end = w[i..]
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .map_or(w.len(), |p| i + p);
            self.push_line(w, i, end);
            if end >= w.len() {
                break;
            }
            i = end + 1;
            if w[end] == b'\r' && w.get(i) == Some(&b'\n') {
                i += 1;
            }
        }
        for (i, &b) in self.text.as_bytes().iter().enumerate() {
            if b.is_ascii_alphanumeric() {
                self.skel.push(b.to_ascii_lowercase());
                self.smap.push(i as u32);
            }
        }
    }

    fn push_line(&mut self, w: &[u8], start: usize, end: usize) {
        self.line.clear();
        self.lmap.clear();
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
        let line = &self.line;
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
        if a == z {
            return;
        }
        if !self.text.is_empty() {
            self.text.push('\n');
            self.tmap.push(self.lmap[a]);
        }
        let mut k = a;
        for chunk in line[a..z].utf8_chunks() {
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

/// Verifies entry `e` with its first phrase at skeleton index `s0`.
fn verify(v: &Verifier, e: &Entry, b: &Buffers, s0: usize) -> Option<Found> {
    let skel = &b.skel;
    let mut end = s0 + v.phrases.first()?.0.len();
    for (phrase, gap) in &v.phrases[1..] {
        let lim = (end + gap + phrase.len()).min(skel.len());
        end += find(skel.get(end..lim)?, phrase)? + phrase.len();
    }
    let text = b.text.as_str();
    let t0 = b.smap[s0] as usize;
    let t1 = b.smap[end - 1] as usize + 1;
    let rs = line_start(text, t0);
    let mut re = line_end(text, t1);
    if re < text.len() {
        re = line_end(text, re + 1);
    }
    let region = &text[rs..re];
    let mut extracted = BTreeMap::new();
    let mut span = (t0, t1);
    let caps = v.regex.as_ref().and_then(|r| r.captures(region));
    if let Some(caps) = &caps {
        let m = caps.get(0)?;
        span = (rs + m.start(), rs + m.end());
        take_values(caps, v.trailing.as_deref(), &mut extracted);
        if v.trailing.as_deref() == Some("path") {
            span.1 += complete_proxy_path(text, span.1, &mut extracted);
        }
        if let Some(key) = &v.sentence {
            span.1 += continue_sentence_path(text, span.1, key, &mut extracted);
        }
    } else if !e.require.is_empty() {
        return None;
    }
    for x in &v.extra {
        if let Some(c) = x.captures(region) {
            let mut more = BTreeMap::new();
            take_values(&c, None, &mut more);
            for (k, val) in more {
                extracted.entry(k).or_insert(val);
            }
        }
    }
    for (key, needle) in e.require {
        let ok = extracted.get(*key).is_some_and(|v| {
            v.to_ascii_lowercase()
                .contains(&needle.to_ascii_lowercase())
        });
        if !ok {
            return None;
        }
    }
    Some(Found {
        offset: b.tmap[span.0] as usize,
        excerpt: excerpt(text, span.0, span.1),
        extracted,
    })
}

/// Puts the named captures into `out`, joined across line breaks and trimmed; a
/// `scope` is split into subscription, resource group and machine.
fn take_values(
    caps: &regex::Captures<'_>,
    trailing: Option<&str>,
    out: &mut BTreeMap<String, String>,
) {
    static NAMES: [&str; 11] = [
        "path",
        "modulePath",
        "folder",
        "port",
        "version",
        "machine",
        "resourceGroup",
        "subscription",
        "user",
        "platform",
        "scope",
    ];
    for name in NAMES {
        let Some(m) = caps.name(name) else { continue };
        let mut v: String = m.as_str().chars().filter(|&c| c != '\n').collect();
        if trailing == Some(name) && !matches!(name, "path" | "modulePath" | "folder") {
            v = v
                .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | ';' | ':'))
                .to_string();
        }
        let v = v.trim().trim_matches(is_quote).trim();
        if v.is_empty() {
            continue;
        }
        if name == "scope" {
            split_scope(v, out);
        } else {
            out.insert(name.to_string(), v.to_string());
        }
    }
}

/// A proxy path that ends a line may have been wrapped: when the first word of the next
/// line completes the proxy's file name (`sshProxy_<os>_<arch>_<version>[.exe]`, every
/// proxy release has a six-digit build number), it is joined. Returns how many bytes of `text` after `end` were taken.
fn complete_proxy_path(text: &str, end: usize, out: &mut BTreeMap<String, String>) -> usize {
    static NAME: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(name) = NAME.get_or_init(|| {
        Regex::new(r"(?i)sshproxy_[a-z0-9]+_[a-z0-9]+_\d+[._]\d+[._]\d{6}(?:\.exe)?$").ok()
    }) else {
        return 0;
    };
    let Some(value) = out.get("path") else {
        return 0;
    };
    if name.is_match(value) {
        return 0;
    }
    let Some(rest) = text[end..].strip_prefix('\n') else {
        return 0;
    };
    let word = rest.split(char::is_whitespace).next().unwrap_or("");
    let joined = format!("{value}{}", word.trim_end_matches(['.', ',', ';', ':']));
    if word.is_empty() || !name.is_match(&joined) {
        return 0;
    }
    out.insert("path".to_string(), joined);
    1 + word.len()
}

/// A path ending a sentence whose final period met a line break may have been cut at a
/// dot inside it (`id_rsa.\npub-aadcert.pub.`): when the next line's first word ends
/// with the sentence's period, it is the rest of the path. Returns the bytes taken.
fn continue_sentence_path(
    text: &str,
    end: usize,
    key: &str,
    out: &mut BTreeMap<String, String>,
) -> usize {
    if !text[..end].ends_with(".\n") {
        return 0;
    }
    let word = text[end..].split(char::is_whitespace).next().unwrap_or("");
    let Some(stem) = word.strip_suffix('.').filter(|s| !s.is_empty()) else {
        return 0;
    };
    let Some(value) = out.get(key) else {
        return 0;
    };
    let joined = format!("{value}.{stem}");
    out.insert(key.to_string(), joined);
    word.len()
}

fn split_scope(scope: &str, out: &mut BTreeMap<String, String>) {
    static SCOPE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = SCOPE.get_or_init(|| {
        Regex::new(r"(?i)^/subscriptions/([^/]+)(?:/resourcegroups/([^/]+)(?:/providers/[^/]+/[^/]+/([^/]+))?)?").ok()
    });
    let Some(c) = re.as_ref().and_then(|r| r.captures(scope)) else {
        return;
    };
    for (i, key) in [(1, "subscription"), (2, "resourceGroup"), (3, "machine")] {
        if let Some(m) = c.get(i) {
            out.insert(key.to_string(), m.as_str().to_string());
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn line_start(text: &str, i: usize) -> usize {
    text[..i].rfind('\n').map_or(0, |p| p + 1)
}

fn line_end(text: &str, i: usize) -> usize {
    text[i..].find('\n').map_or(text.len(), |p| i + p)
}

/// The lines of `text` holding `a..b`, at most [`EXCERPT_CHARS`] characters.
fn excerpt(text: &str, a: usize, b: usize) -> String {
    let ls = line_start(text, a);
    let le = line_end(text, b.max(a + 1).min(text.len()) - 1);
    let mut out = String::new();
    let mut start = ls;
    if a - ls > 200 {
        start = a;
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        out.push('…');
    }
    let body = &text[start..le.max(start)];
    let mut chars = body.char_indices();
    match chars.nth(EXCERPT_CHARS) {
        Some((cut, _)) => {
            out.push_str(body[..cut].trim_end());
            out.push('…');
        }
        None => out.push_str(body),
    }
    out.trim().to_string()
}
