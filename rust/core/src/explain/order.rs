//! From the entries found to the answer: one match per diagnosis, most likely root
//! cause first (the order [`super::explain`] promises).

use std::collections::BTreeSet;

use super::Match;
use super::kb::{ANY_OTHER_CAUSE, ENTRIES, Unless};
use super::verify::Found;
use crate::model::DiagnosisId;

/// `found` has one slot per [`ENTRIES`] entry. Entries whose `unless` diagnoses are
/// present are dropped, and symptoms when any cause is present; per diagnosis the strongest, then earliest, entry wins and the
/// others only lend it values it lacks.
pub(super) fn ranked(found: Vec<Option<Found>>) -> Vec<Match> {
    let all: Vec<(usize, Found)> = found
        .into_iter()
        .enumerate()
        .filter_map(|(i, f)| f.map(|f| (i, f)))
        .collect();
    let present: BTreeSet<DiagnosisId> = all.iter().map(|(i, _)| ENTRIES[*i].diagnosis).collect();
    // A symptom never stands beside a cause: any diagnosis explains it better.
    let is_symptom = |d: DiagnosisId| crate::catalogue::symptom(d).is_some();
    let has_cause = present.iter().any(|d| !is_symptom(*d));
    let dropped_by = |i: usize, unless: &Unless| match *unless {
        ANY_OTHER_CAUSE => present
            .iter()
            .any(|p| *p != ENTRIES[i].diagnosis && !is_symptom(*p)),
        Unless::Cause(d) => present.contains(&d),
    };
    let mut all: Vec<(usize, Found)> = all
        .into_iter()
        .filter(|(i, _)| !ENTRIES[*i].unless.iter().any(|d| dropped_by(*i, d)))
        .filter(|(i, _)| !(has_cause && is_symptom(ENTRIES[*i].diagnosis)))
        .collect();
    all.sort_by(|(a, fa), (b, fb)| {
        let (ea, eb) = (&ENTRIES[*a], &ENTRIES[*b]);
        // By the stable string, as before the ids were an enum: equal keys keep their order.
        ea.diagnosis
            .as_str()
            .cmp(eb.diagnosis.as_str())
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
    let rank = |d: DiagnosisId| crate::catalogue::entry(d).root_rank;
    out.sort_by(|a, b| {
        rank(a.diagnosis)
            .cmp(&rank(b.diagnosis))
            .then(b.confidence.total_cmp(&a.confidence))
            .then(a.offset.cmp(&b.offset))
    });
    out
}
