//! The explain engine over the corpus of real texts in `tests/explain_corpus/corpus.jsonl`
//! (each with its public source; see `build_corpus.py` there): top-1 accuracy on the texts
//! that name a cause, false positives on the unrelated ones, for the development part
//! and, separately, for the held-out part that was never used to tune the knowledge base.
//!
//! The floors are what was measured when the corpus was written, so a regression fails.
//! `EXPLAIN_CORPUS_VERBOSE=1` lists each development text's answer (never the held-out ones).

use std::io::Write;

use serde_json::Value;
use ssh_troubleshoot_core::catalogue;
use ssh_troubleshoot_core::explain::explain;

struct Row {
    id: String,
    expect: Option<String>,
    holdout: bool,
    /// The second, independent holdout (issue 13): scored on its own.
    independent: bool,
    text: String,
}

fn corpus() -> Vec<Row> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/explain_corpus/corpus.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("the corpus is in the repository");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("one JSON object a line");
            assert!(
                v["source"].as_str().is_some_and(|s| !s.is_empty()),
                "every text names its source: {line}"
            );
            Row {
                id: v["id"].as_str().unwrap().to_string(),
                expect: v["expect"].as_str().map(str::to_string),
                holdout: v["holdout"].as_bool().unwrap(),
                independent: v["independent"].as_bool().unwrap_or(false),
                text: v["text"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

#[derive(Default, Debug)]
struct Score {
    positives: usize,
    top1: usize,
    negatives: usize,
    false_positives: usize,
}

impl Score {
    fn accuracy(&self) -> f64 {
        self.top1 as f64 / self.positives.max(1) as f64
    }
    fn false_positive_rate(&self) -> f64 {
        self.false_positives as f64 / self.negatives.max(1) as f64
    }
}

/// The first answer, and whether any answer is a diagnosis (a symptom is not one).
fn answer(text: &str) -> (Option<&'static str>, bool) {
    let found = explain(text.as_bytes());
    let diagnosed = found
        .iter()
        .any(|m| catalogue::symptom(m.diagnosis).is_none());
    (found.first().map(|m| m.diagnosis.as_str()), diagnosed)
}

fn score(rows: &[&Row], verbose: bool) -> Score {
    let mut s = Score::default();
    for row in rows {
        let (first, diagnosed) = answer(&row.text);
        let ok = match &row.expect {
            Some(want) => {
                s.positives += 1;
                let ok = first == Some(want.as_str());
                s.top1 += usize::from(ok);
                ok
            }
            None => {
                s.negatives += 1;
                s.false_positives += usize::from(diagnosed);
                !diagnosed
            }
        };
        if verbose {
            let _ = writeln!(
                std::io::stderr(),
                "{} {:<34} want {:<32} got {}",
                if ok { "ok  " } else { "MISS" },
                row.id,
                row.expect.as_deref().unwrap_or("(nothing)"),
                first.unwrap_or("(nothing)")
            );
        }
    }
    s
}

#[test]
fn real_texts_are_explained_and_unrelated_ones_are_not() {
    let rows = corpus();
    assert!(rows.len() >= 60, "the corpus holds {} texts", rows.len());
    let verbose = std::env::var_os("EXPLAIN_CORPUS_VERBOSE").is_some();
    let dev: Vec<&Row> = rows.iter().filter(|r| !r.holdout).collect();
    let held: Vec<&Row> = rows
        .iter()
        .filter(|r| r.holdout && !r.independent)
        .collect();
    let independent: Vec<&Row> = rows.iter().filter(|r| r.independent).collect();
    let d = score(&dev, verbose);
    let h = score(&held, false);
    let i = score(&independent, verbose);
    let _ = writeln!(
        std::io::stderr(),
        "development: top-1 {}/{} = {:.3}, false positives {}/{} = {:.3}",
        d.top1,
        d.positives,
        d.accuracy(),
        d.false_positives,
        d.negatives,
        d.false_positive_rate()
    );
    let _ = writeln!(
        std::io::stderr(),
        "holdout:     top-1 {}/{} = {:.3}, false positives {}/{} = {:.3}",
        h.top1,
        h.positives,
        h.accuracy(),
        h.false_positives,
        h.negatives,
        h.false_positive_rate()
    );
    let _ = writeln!(
        std::io::stderr(),
        "independent: top-1 {}/{} = {:.3}, false positives {}/{} = {:.3}",
        i.top1,
        i.positives,
        i.accuracy(),
        i.false_positives,
        i.negatives,
        i.false_positive_rate()
    );
    assert!(i.top1 >= INDEPENDENT_TOP1, "independent top-1 fell: {i:?}");
    assert_eq!(
        i.false_positives, INDEPENDENT_FALSE_POSITIVES,
        "independent false positives rose: {i:?}"
    );
    // Floors: the figures measured when the corpus was added (43/44 and 0/12 on the
    // development part, 17/17 and 0/5 on the holdout), so any regression fails.
    assert!(d.top1 >= DEV_TOP1, "development top-1 fell: {d:?}");
    assert_eq!(
        d.false_positives, DEV_FALSE_POSITIVES,
        "development false positives rose: {d:?}"
    );
    assert!(h.top1 >= HOLDOUT_TOP1, "holdout top-1 fell: {h:?}");
    assert_eq!(
        h.false_positives, HOLDOUT_FALSE_POSITIVES,
        "holdout false positives rose: {h:?}"
    );
}

/// Texts answered right, and unrelated texts given a diagnosis, as measured (none: a
/// false positive is a failure, not a floor to stay under).
const DEV_TOP1: usize = 43;
const DEV_FALSE_POSITIVES: usize = 0;
const HOLDOUT_TOP1: usize = 17;
const HOLDOUT_FALSE_POSITIVES: usize = 0;
/// The independent holdout (16 texts found after the rest was built): 8/11 top-1 and 0/5
/// false positives measured before any change; 10/11 and 0/5 after the entries of
/// `explain/kb_clients.rs` (az's crash wording beside the ssh extension, a Python API
/// mismatch inside az). Az.Accounts' expired token (11/11) is left out: its anchor
/// would cost a third of the scan's throughput. Having been looked at, these texts are
/// no longer unseen: the next holdout must be new texts again.
const INDEPENDENT_TOP1: usize = 10;
const INDEPENDENT_FALSE_POSITIVES: usize = 0;
