//! The knowledge base compiled once per process. Each template becomes skeleton phrases
//! with the room its variable parts may take between them, which find and verify a
//! message cheaply however it was wrapped, spaced or quoted, and a regex that takes its
//! values, built only for entries whose phrases are found.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::Regex;

use super::anchors::Anchors;
use super::kb::{ENTRIES, Entry};

pub(super) struct Compiled {
    pub(super) anchors: Anchors,
    /// Per anchor pattern: the entries that list it.
    pub(super) anchor_owner: Vec<Vec<usize>>,
    pub(super) longest_anchor: usize,
    /// The first skeleton phrase of every entry; `first_owner[pattern]` = entries.
    pub(super) first: Option<AhoCorasick>,
    pub(super) first_owner: Vec<Vec<usize>>,
    pub(super) entries: Vec<Verifier>,
}

pub(super) struct Verifier {
    /// Skeleton phrases, each with the most skeleton bytes allowed before it.
    pub(super) phrases: Vec<(Vec<u8>, usize)>,
    /// The entry, whose regexes are compiled the first time its phrases are found.
    entry: &'static Entry,
    regexes: OnceLock<Regexes>,
    /// The value that ends the message (see [`trailing_hole`]).
    pub(super) trailing: Option<String>,
    /// The most skeleton bytes the value a template opens with may take (0: it opens
    /// with fixed text).
    pub(super) leading_gap: usize,
    /// The path that ends the message's sentence (see [`ends_with_path_sentence`]).
    pub(super) sentence: Option<String>,
    /// Skeletons of the [`Entry::require`] needles, each split at `|` into alternatives.
    pub(super) require: Vec<Vec<Vec<u8>>>,
    /// Skeletons of the [`Entry::context`] needles.
    pub(super) context: Vec<Vec<u8>>,
}

pub(super) struct Regexes {
    pub(super) template: Option<Regex>,
    pub(super) extra: Vec<Regex>,
}

impl Verifier {
    pub(super) fn regexes(&self) -> &Regexes {
        self.regexes.get_or_init(|| Regexes {
            template: Regex::new(&template_regex(&pieces(self.entry.template))).ok(),
            extra: (self.entry.extra.iter())
                .filter_map(|t| Regex::new(&template_regex(&pieces(t))).ok())
                .collect(),
        })
    }
}

pub(super) fn compiled() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| {
        let anchor_set: BTreeSet<String> = ENTRIES
            .iter()
            .flat_map(|e| e.anchors.iter().map(|a| a.to_ascii_lowercase()))
            .filter(|a| !a.is_empty())
            .collect();
        let anchor_list: Vec<&String> = anchor_set.iter().collect();
        let longest_anchor = anchor_list.iter().map(|a| a.len()).max().unwrap_or(1);
        let anchors = Anchors::new(&anchor_list);

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
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(MatchKind::Standard)
            .build(&firsts)
            .ok();
        let anchor_owner = anchor_list
            .iter()
            .map(|a| {
                let owns = |e: &Entry| e.anchors.iter().any(|x| x.eq_ignore_ascii_case(a));
                (0..ENTRIES.len()).filter(|&i| owns(&ENTRIES[i])).collect()
            })
            .collect();
        Compiled {
            anchors,
            anchor_owner,
            longest_anchor,
            first,
            first_owner,
            entries,
        }
    })
}

pub(super) enum Piece<'a> {
    Text(&'a str),
    Hole(&'a str),
}

/// Splits a template into fixed text and `{key}` holes.
pub(super) fn pieces(template: &str) -> Vec<Piece<'_>> {
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
pub(super) fn max_gap(key: &str) -> usize {
    match key {
        "port" => 6,
        "code" => 40,
        "version" | "platform" => 40,
        "machine" | "resourceGroup" | "subscription" => 120,
        "user" => 160,
        "path" | "modulePath" | "folder" | "scope" => 500,
        // A value that opens a message: a program's name or path, kept short so that a
        // common phrase after it (`not found`) is cheap to rule out.
        "file" => 200,
        "command" => 48,
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
        "user" | "scope" | "code" => r#"(?:[^\s'"]\n?)+?"#,
        // A program or a path that starts a message: no spaces, and no colon but a
        // drive letter's (the shell's own `bash:` prefix ends at one).
        "file" | "command" => r#"(?:[A-Za-z]:)?(?:[^\s'":]\n?)+?"#,
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

pub(super) fn is_quote(ch: char) -> bool {
    matches!(ch, '\'' | '"' | '‘' | '’' | '“' | '”')
}

pub(super) fn skeleton_of(s: &str) -> impl Iterator<Item = u8> + '_ {
    skeleton_of_bytes(s.as_bytes())
}

/// [`skeleton_of`] for any bytes (UTF-8 or not: only ASCII letters and digits count).
pub(super) fn skeleton_of_bytes(s: &[u8]) -> impl Iterator<Item = u8> + '_ {
    s.iter()
        .copied()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_lowercase())
}

fn verifier(e: &'static Entry) -> Verifier {
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
    let leading_gap = parts
        .iter()
        .find_map(|p| match p {
            Piece::Hole(k) => Some(max_gap(k)),
            Piece::Text(t) if skeleton_of(t).count() > 0 => Some(0),
            Piece::Text(_) => None,
        })
        .unwrap_or(0);
    Verifier {
        phrases,
        leading_gap,
        entry: e,
        regexes: OnceLock::new(),
        trailing,
        sentence,
        require: e
            .require
            .iter()
            .map(|(_, n)| n.split('|').map(|a| skeleton_of(a).collect()).collect())
            .collect(),
        context: e.context.iter().map(|n| skeleton_of(n).collect()).collect(),
    }
}
