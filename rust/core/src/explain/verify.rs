//! Stage 2 proper: whether an entry's message is really at a place where its first
//! phrase occurs, and the values and the excerpt it yields.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use super::clean::Buffers;
use super::compile::{Verifier, is_quote, max_gap, skeleton_of};
use super::kb::Entry;
use super::kb_real::NOT_CONTEXT;

pub(super) const EXCERPT_CHARS: usize = 600;
/// Text the extraction regex looks at before the first fixed phrase, and after the last.
const REGION_BEFORE: usize = 512;
const REGION_AFTER: usize = 2048;

#[derive(Clone)]
pub(super) struct Found {
    pub(super) offset: usize,
    pub(super) excerpt: String,
    pub(super) extracted: BTreeMap<String, String>,
}

/// Verifies entry `e` with its first phrase at skeleton index `s0`.
pub(super) fn verify(v: &Verifier, e: &Entry, b: &Buffers, s0: usize) -> Option<Found> {
    let end = skeleton_match(v, &b.skel, s0)?;
    let text = b.text.as_str();
    let t0 = b.smap[s0] as usize;
    let t1 = b.smap[end - 1] as usize + 1;
    let (rs, re) = region_around(v, text, t0, t1);
    let region = &text[rs..re];
    let mut extracted = BTreeMap::new();
    let mut span = (t0, t1);
    let caps = (v.regexes().template.as_ref()).and_then(|r| r.captures(region));
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
    for x in &v.regexes().extra {
        if let Some(c) = x.captures(region) {
            let mut more = BTreeMap::new();
            take_values(&c, None, &mut more);
            for (k, val) in more {
                extracted.entry(k).or_insert(val);
            }
        }
    }
    if !requirements_met(e, &extracted) {
        return None;
    }
    Some(Found {
        offset: b.tmap[span.0] as usize,
        excerpt: excerpt(text, span.0, span.1),
        extracted,
    })
}

/// Where in the skeleton the entry's fixed phrases end, when they all follow `s0`
/// within their gaps and the required values and context could be near.
fn skeleton_match(v: &Verifier, skel: &[u8], s0: usize) -> Option<usize> {
    let mut end = s0 + v.phrases.first()?.0.len();
    for (phrase, gap) in &v.phrases[1..] {
        let lim = (end + gap + phrase.len()).min(skel.len());
        end += find(skel.get(end..lim)?, phrase)? + phrase.len();
    }
    // A required value is cheap to rule out: its needle must be near, in the skeleton
    // (before the first phrase too when the message opens with its value).
    let near = &skel[s0.saturating_sub(v.leading_gap)..(end + max_gap("path")).min(skel.len())];
    let near_one = |alts: &Vec<Vec<u8>>| alts.iter().any(|a| find(near, a).is_some());
    if !v.require.iter().all(near_one) {
        return None;
    }
    if !v.context.is_empty() && !v.context.iter().any(|n| context_found(skel, n)) {
        return None;
    }
    Some(end)
}

/// The text the extraction regex looks at, around the match `text[t0..t1]`.
fn region_around(v: &Verifier, text: &str, t0: usize, t1: usize) -> (usize, usize) {
    // The regex looks at the lines of the match and a few more, where values after the
    // last fixed phrase may run on; at most a few KB of them, however long the lines.
    let mut rs = line_start(text, t0);
    // A message that opens with its value may have it on the lines before its first
    // phrase (a wrapped path, PowerShell's continuation).
    if v.leading_gap > 0 {
        for _ in 0..4 {
            rs = line_start(text, rs.saturating_sub(1));
        }
    }
    let mut rs = rs.max(t0.saturating_sub(REGION_BEFORE));
    while !text.is_char_boundary(rs) {
        rs += 1;
    }
    let mut re = line_end(text, t1);
    for _ in 0..4 {
        if re < text.len() {
            re = line_end(text, re + 1);
        }
    }
    let mut re = re.min(t1 + REGION_AFTER).max(t1);
    while !text.is_char_boundary(re) {
        re -= 1;
    }
    (rs, re)
}

/// Whether every value the entry requires was extracted and holds its needle.
fn requirements_met(e: &Entry, extracted: &BTreeMap<String, String>) -> bool {
    e.require.iter().all(|(key, needle)| {
        // `{file}` is stored as the path it is.
        let key = if *key == "file" { "path" } else { *key };
        extracted.get(key).is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            needle
                .split('|')
                .any(|alt| v.contains(&alt.to_ascii_lowercase()))
        })
    })
}

/// Puts the named captures into `out`, joined across line breaks and trimmed; a
/// `scope` is split into subscription, resource group and machine.
fn take_values(
    caps: &regex::Captures<'_>,
    trailing: Option<&str>,
    out: &mut BTreeMap<String, String>,
) {
    static NAMES: [&str; 14] = [
        "file",
        "command",
        "code",
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
        } else if name == "file" {
            // A path that opens the message is still the message's path.
            out.insert("path".to_string(), v.to_string());
        } else {
            out.insert(name.to_string(), v.to_string());
        }
    }
}

/// A proxy path that ends a line may have been wrapped: when the first words of the next
/// lines complete the proxy's file name (`sshProxy_<os>_<arch>_<version>[.exe]`, every
/// proxy release has a six-digit build number), they are joined. Returns how many bytes
/// of `text` after `end` were taken.
fn complete_proxy_path(text: &str, end: usize, out: &mut BTreeMap<String, String>) -> usize {
    static NAME: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(name) = NAME.get_or_init(|| {
        Regex::new(r"(?i)sshproxy_[a-z0-9]+_[a-z0-9]+_\d+[._]\d+[._]\d{6}(?:\.exe)?$").ok()
    }) else {
        return 0;
    };
    let Some(mut value) = out.get("path").cloned() else {
        return 0;
    };
    let mut at = end;
    for _ in 0..4 {
        if name.is_match(&value) {
            break;
        }
        let Some(rest) = text[at..].strip_prefix('\n') else {
            return 0;
        };
        let word = rest.split(char::is_whitespace).next().unwrap_or("");
        if word.is_empty() {
            return 0;
        }
        value.push_str(word.trim_end_matches(['.', ',', ';', ':']));
        at += 1 + word.len();
    }
    if at == end || !name.is_match(&value) {
        return 0;
    }
    out.insert("path".to_string(), value);
    at - end
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

/// Whether context needle `needle` is in `skel` as itself, not as the start of one of
/// [`NOT_CONTEXT`]'s longer names (skeletons drop the `_` that would tell them apart).
fn context_found(skel: &[u8], needle: &[u8]) -> bool {
    static OTHERS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    let others = OTHERS.get_or_init(|| {
        NOT_CONTEXT
            .iter()
            .map(|n| skeleton_of(n).collect())
            .collect()
    });
    let mut from = 0;
    while let Some(i) = skel.get(from..).and_then(|rest| find(rest, needle)) {
        let at = from + i;
        if !others
            .iter()
            .any(|o| o.starts_with(needle) && skel[at..].starts_with(o))
        {
            return true;
        }
        from = at + 1;
    }
    false
}

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let last = hay.len().checked_sub(needle.len())?;
    let mut i = 0;
    while i <= last {
        i += hay[i..=last].iter().position(|&b| b == first)?;
        if hay[i + 1..i + needle.len()] == *rest {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Where the line holding byte `i` starts. Searched as bytes, so `i` may fall inside a
/// character (the end of a match one byte short of a multi-byte character, say); the
/// answer is always a character boundary.
fn line_start(text: &str, i: usize) -> usize {
    let bytes = text.as_bytes();
    bytes[..i.min(bytes.len())]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1)
}

/// Where the line holding byte `i` ends (its `\n`, or the end of the text); like
/// [`line_start`], safe for any `i` and always a character boundary.
fn line_end(text: &str, i: usize) -> usize {
    let bytes = text.as_bytes();
    bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(bytes.len(), |p| i + p)
}

/// The lines of `text` holding `a..b`, at most [`EXCERPT_CHARS`] characters.
fn excerpt(text: &str, a: usize, b: usize) -> String {
    let ls = line_start(text, a);
    let le = line_end(text, b.max(a + 1).min(text.len()).saturating_sub(1));
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
