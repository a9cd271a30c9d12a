//! Metrics: ROC AUC, recall at a false-positive budget, recall and false-positive rate at a threshold,
//! per source, and the printed table.

use super::model::ThresholdSet;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One scored, labelled message.
#[derive(Debug, Clone)]
pub struct Scored {
    /// Spam?
    pub spam: bool,
    /// Where it came from (the TSV's source column).
    pub source: String,
    /// The detector's probability.
    pub probability: f32,
}

/// ROC AUC (ties count half); `None` without both classes.
pub fn auc(spam: &[f32], ham: &[f32]) -> Option<f64> {
    if spam.is_empty() || ham.is_empty() {
        return None;
    }
    let mut all: Vec<(f32, bool)> = spam
        .iter()
        .map(|s| (*s, true))
        .chain(ham.iter().map(|s| (*s, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of spam ranks (average rank for ties).
    let mut rank_sum = 0f64;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0;
        rank_sum += avg * all[i..j].iter().filter(|x| x.1).count() as f64;
        i = j;
    }
    let (ns, nh) = (spam.len() as f64, ham.len() as f64);
    Some((rank_sum - ns * (ns + 1.0) / 2.0) / (ns * nh))
}

/// The lowest threshold at which at most `fp` of `ham` scores at or above it: a message is flagged
/// when its score is strictly above the returned value.
pub fn threshold_at_fp(ham: &[f32], fp: f64) -> f32 {
    let mut sorted: Vec<f32> = ham.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let allowed = (fp * sorted.len() as f64).floor() as usize;
    sorted.get(allowed).copied().unwrap_or(0.0)
}

/// Recall of `spam` when at most `fp` of `ham` may be flagged (flagged = strictly above the cut).
pub fn recall_at_fp(spam: &[f32], ham: &[f32], fp: f64) -> f64 {
    let cut = threshold_at_fp(ham, fp);
    rate(spam, |s| s > cut)
}

fn rate(values: &[f32], hit: impl Fn(f32) -> bool) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().filter(|v| hit(**v)).count() as f64 / values.len() as f64
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// The source.
    pub source: String,
    /// How many spam and ordinary messages.
    pub spam: usize,
    /// How many ordinary messages.
    pub ham: usize,
    /// ROC AUC.
    pub auc: f64,
    /// Recall at 0.5 %, 1 %, 2 % false positives.
    pub recall_at: [f64; 3],
    /// Recall and FP rate at the newcomer remove threshold.
    pub remove: (f64, f64),
    /// Recall and FP rate at the newcomer suspicious threshold.
    pub suspicious: (f64, f64),
    /// FP rate at the member remove threshold.
    pub member_fp: f64,
}

/// The rows per source (sorted by name), then one for all sources together.
pub fn rows(scored: &[Scored], thresholds: &ThresholdSet) -> Vec<Row> {
    let mut by: BTreeMap<&str, (Vec<f32>, Vec<f32>)> = BTreeMap::new();
    let mut all = (Vec::new(), Vec::new());
    for s in scored {
        let entry = by.entry(&s.source).or_default();
        if s.spam {
            entry.0.push(s.probability);
            all.0.push(s.probability);
        } else {
            entry.1.push(s.probability);
            all.1.push(s.probability);
        }
    }
    let mut out: Vec<Row> = by
        .iter()
        .map(|(source, (spam, ham))| row(source, spam, ham, thresholds))
        .collect();
    if by.len() > 1 {
        out.push(row("all", &all.0, &all.1, thresholds));
    }
    out
}

fn row(source: &str, spam: &[f32], ham: &[f32], t: &ThresholdSet) -> Row {
    let at = |th: f32| (rate(spam, |s| s >= th), rate(ham, |s| s >= th));
    Row {
        source: source.to_string(),
        spam: spam.len(),
        ham: ham.len(),
        auc: auc(spam, ham).unwrap_or(f64::NAN),
        recall_at: [0.005, 0.01, 0.02].map(|fp| recall_at_fp(spam, ham, fp)),
        remove: at(t.newcomer.remove),
        suspicious: at(t.newcomer.suspicious),
        member_fp: rate(ham, |s| s >= t.member.remove),
    }
}

/// The table as Markdown.
pub fn table(rows: &[Row], thresholds: &ThresholdSet) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "thresholds: newcomer remove {:.4}, suspicious {:.4}; member remove {:.4}, suspicious {:.4}",
        thresholds.newcomer.remove,
        thresholds.newcomer.suspicious,
        thresholds.member.remove,
        thresholds.member.suspicious
    );
    let _ = writeln!(
        out,
        "| source | spam | ordinary | AUC | recall @0.5% FP | @1% FP | @2% FP | remove: recall / FP | suspicious: recall / FP | member remove FP |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.4} | {:.3} | {:.3} | {:.3} | {:.3} / {:.2}% | {:.3} / {:.2}% | {:.2}% |",
            r.source,
            r.spam,
            r.ham,
            r.auc,
            r.recall_at[0],
            r.recall_at[1],
            r.recall_at[2],
            r.remove.0,
            r.remove.1 * 100.0,
            r.suspicious.0,
            r.suspicious.1 * 100.0,
            r.member_fp * 100.0,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_and_recall_at_fp() {
        assert_eq!(auc(&[0.9, 0.8], &[0.1, 0.2]), Some(1.0));
        assert_eq!(auc(&[0.5], &[0.5]), Some(0.5));
        assert_eq!(auc(&[], &[0.5]), None);
        let ham: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        // 1 % of 1000 = 10 ham may be flagged: those above 0.989.
        assert_eq!(threshold_at_fp(&ham, 0.01), 0.989);
        assert_eq!(recall_at_fp(&[0.995, 0.5], &ham, 0.01), 0.5);
        assert_eq!(threshold_at_fp(&[], 0.01), 0.0);
    }
}
