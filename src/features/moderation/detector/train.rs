//! Offline training: read the labelled TSV, group near-duplicates into clusters, train a logistic
//! regression (Adagrad, L2, fixed seed and order, one thread: the model file is byte-identical on every
//! run), cross-validate on cluster-grouped folds, and choose thresholds on the held-aside folds.

use super::eval::{rows, table, threshold_at_fp, Row, Scored};
use super::features::{extract, mix64, Scratch};
use super::model::{Model, ThresholdSet, Thresholds};
use super::similarity::{fingerprint, MAX_DISTANCE};
use super::Detector;
use std::collections::HashMap;

/// The seed of every shuffle.
pub const SEED: u64 = 0x6772_6f75_706f_7073;

/// How a model is trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// log2 of the weight count.
    pub bits: u32,
    /// Passes over the data.
    pub epochs: usize,
    /// Adagrad learning rate.
    pub learning_rate: f32,
    /// L2 penalty per update.
    pub l2: f32,
    /// How much an ordinary message's error counts against a spam's (above 1: fewer false positives).
    pub ham_weight: f32,
    /// Average the weights over the second half of the passes.
    pub average: bool,
}

/// The parameters of the shipped model.
pub const PARAMS: Params = Params {
    bits: 19,
    epochs: 8,
    learning_rate: 0.2,
    l2: 1e-6,
    ham_weight: 1.0,
    average: false,
};

/// The most training-spam fingerprints shipped in the model.
pub const MAX_FINGERPRINTS: usize = 60_000;

/// The false-positive budgets thresholds are chosen for (per source, on held-aside folds).
pub const NEWCOMER_REMOVE_FP: f64 = 0.004;
/// See [`NEWCOMER_REMOVE_FP`].
pub const NEWCOMER_SUSPICIOUS_FP: f64 = 0.02;
/// See [`NEWCOMER_REMOVE_FP`].
pub const MEMBER_REMOVE_FP: f64 = 0.001;
/// See [`NEWCOMER_REMOVE_FP`].
pub const MEMBER_SUSPICIOUS_FP: f64 = 0.005;

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Spam?
    pub spam: bool,
    /// The source column.
    pub source: String,
    /// The text.
    pub text: String,
}

/// Parsed TSV: the examples and how many lines were skipped as broken.
#[derive(Debug, Default)]
pub struct Dataset {
    /// The good lines.
    pub examples: Vec<Example>,
    /// Broken lines skipped (not three tab-separated fields, label not 0/1, empty text).
    pub skipped: usize,
}

/// Parses `label<TAB>source<TAB>text` lines. A first line starting with `label` is a header. Blank lines
/// are ignored; broken lines are skipped and counted.
pub fn parse_tsv(data: &str) -> Dataset {
    let mut out = Dataset::default();
    for (i, line) in data.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || (i == 0 && line.starts_with("label\t")) {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(label), Some(source), Some(text)) = (parts.next(), parts.next(), parts.next())
        else {
            out.skipped += 1;
            continue;
        };
        let spam = match label.trim() {
            "1" => true,
            "0" => false,
            _ => {
                out.skipped += 1;
                continue;
            }
        };
        if text.trim().is_empty() || source.trim().is_empty() {
            out.skipped += 1;
            continue;
        }
        out.examples.push(Example {
            spam,
            source: source.trim().to_string(),
            text: text.to_string(),
        });
    }
    out
}

/// Reads bytes as a TSV; lines that are not UTF-8 are skipped and counted.
pub fn parse_tsv_bytes(bytes: &[u8]) -> Dataset {
    let mut good = String::with_capacity(bytes.len());
    let mut bad = 0;
    for line in bytes.split(|b| *b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(line) => {
                good.push_str(line);
                good.push('\n');
            }
            Err(_) => bad += 1,
        }
    }
    let mut data = parse_tsv(&good);
    data.skipped += bad;
    data
}

struct Prepared {
    feats: Vec<Vec<(u32, f32)>>,
    fingerprints: Vec<Option<u64>>,
}

fn prepare(examples: &[Example], buckets: usize) -> Prepared {
    let mut scratch = Scratch::default();
    let mut feats = Vec::with_capacity(examples.len());
    let mut fingerprints = Vec::with_capacity(examples.len());
    for ex in examples {
        let normalized = super::super::normalize::normalize(super::features::cut(&ex.text));
        let pass = extract(&normalized.folded, buckets, &mut scratch, None);
        feats.push(scratch.feats.clone());
        fingerprints.push(pass.fingerprint);
    }
    Prepared {
        feats,
        fingerprints,
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        // The smaller index is the root, so a cluster's id is its first member.
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        parent[hi] = lo;
    }
}

/// Cluster ids (the first member's index): messages whose fingerprints are within [`MAX_DISTANCE`], or
/// whose letters and digits (digits masked) are equal, share a cluster.
pub fn clusters(examples: &[Example]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..examples.len()).collect();
    let mut exact: HashMap<String, usize> = HashMap::new();
    let mut bands: HashMap<u32, Vec<(u64, usize)>> = HashMap::new();
    for (i, ex) in examples.iter().enumerate() {
        let folded = super::super::normalize::normalize(super::features::cut(&ex.text)).folded;
        let key: String = folded
            .chars()
            .map(super::super::normalize::unconfuse)
            .filter(|c| c.is_alphanumeric())
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect();
        if !key.is_empty() {
            if let Some(&first) = exact.get(&key) {
                union(&mut parent, first, i);
            } else {
                exact.insert(key, i);
            }
        }
        if let Some(fp) = fingerprint(&folded) {
            for band in 0..4u32 {
                let k = (band << 16) | ((fp >> (band * 16)) & 0xFFFF) as u32;
                let list = bands.entry(k).or_default();
                let mut hits = Vec::new();
                for &(other, j) in list.iter() {
                    if (fp ^ other).count_ones() <= MAX_DISTANCE {
                        hits.push(j);
                    }
                }
                list.push((fp, i));
                for j in hits {
                    union(&mut parent, j, i);
                }
            }
        }
    }
    (0..examples.len()).map(|i| find(&mut parent, i)).collect()
}

/// The fold (0..k) of every example: whole clusters go to one fold, chosen by a hash of the cluster id.
pub fn folds(cluster_of: &[usize], k: usize) -> Vec<usize> {
    cluster_of
        .iter()
        .map(|c| (mix64(*c as u64 ^ SEED) % k as u64) as usize)
        .collect()
}

/// A deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }
}

/// Trains logistic regression on the chosen examples; returns float weights and bias.
fn fit(
    prep: &Prepared,
    labels: &[bool],
    chosen: &[usize],
    buckets: usize,
    p: &Params,
) -> (Vec<f32>, f32) {
    let mut w = vec![0f32; buckets];
    let mut g2 = vec![1e-6f32; buckets];
    let (mut bias, mut bias_g2) = (0f32, 1e-6f32);
    let mut avg = vec![0f32; if p.average { buckets } else { 0 }];
    let (mut avg_bias, mut averaged) = (0f32, 0u32);
    let mut order: Vec<usize> = chosen.to_vec();
    let mut rng = Rng(SEED);
    for epoch in 0..p.epochs {
        // Fisher–Yates with the fixed generator.
        for i in (1..order.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for &i in &order {
            let feats = &prep.feats[i];
            let mut margin = bias;
            for &(b, v) in feats {
                margin += w[b as usize] * v;
            }
            let prob = super::model::sigmoid(margin);
            let err = if labels[i] {
                prob - 1.0
            } else {
                prob * p.ham_weight
            };
            for &(b, v) in feats {
                let b = b as usize;
                let g = err * v + p.l2 * w[b];
                g2[b] += g * g;
                w[b] -= p.learning_rate * g / g2[b].sqrt();
            }
            bias_g2 += err * err;
            bias -= p.learning_rate * err / bias_g2.sqrt();
        }
        if p.average && 2 * (epoch + 1) > p.epochs {
            for (a, x) in avg.iter_mut().zip(&w) {
                *a += x;
            }
            avg_bias += bias;
            averaged += 1;
        }
    }
    if p.average && averaged > 0 {
        let n = averaged as f32;
        for a in &mut avg {
            *a /= n;
        }
        return (avg, avg_bias / n);
    }
    (w, bias)
}

fn quantize(w: &[f32], bias: f32, thresholds: ThresholdSet, fingerprints: Vec<u64>) -> Model {
    let max = w.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
    Model {
        bits: w.len().trailing_zeros(),
        scale,
        bias,
        weights: w
            .iter()
            .map(|x| (x / scale).round().clamp(-32767.0, 32767.0) as i16)
            .collect(),
        thresholds,
        fingerprints,
    }
}

/// Placeholder thresholds for fold models (the scores, not the verdicts, are used).
const UNSET: ThresholdSet = ThresholdSet {
    newcomer: Thresholds {
        remove: 0.9,
        suspicious: 0.6,
    },
    member: Thresholds {
        remove: 0.97,
        suspicious: 0.8,
    },
};

fn spam_fingerprints(prep: &Prepared, labels: &[bool], chosen: &[usize]) -> Vec<u64> {
    let mut fps: Vec<u64> = chosen
        .iter()
        .filter(|i| labels[**i])
        .filter_map(|i| prep.fingerprints[*i])
        .collect();
    fps.sort_unstable();
    fps.dedup();
    fps.truncate(MAX_FINGERPRINTS);
    fps
}

/// The result of training.
#[derive(Debug)]
pub struct Trained {
    /// The model to ship (trained on every example, thresholds from the held-aside folds).
    pub model: Model,
    /// The cross-validated table rows (empty without cross-validation).
    pub cv_rows: Vec<Row>,
    /// The cross-validated table, printed.
    pub cv_table: String,
    /// How many clusters the examples formed.
    pub clusters: usize,
}

/// Chooses thresholds from out-of-fold scores: per source, the cut at the budget; the strictest source
/// decides. Settled members get the stricter budgets.
pub fn choose_thresholds(scored: &[Scored]) -> ThresholdSet {
    let mut by: HashMap<&str, Vec<f32>> = HashMap::new();
    for s in scored.iter().filter(|s| !s.spam) {
        by.entry(&s.source).or_default().push(s.probability);
    }
    let cut = |fp: f64| {
        let mut t = by
            .values()
            .map(|ham| threshold_at_fp(ham, fp))
            .fold(0f32, f32::max);
        // Flag strictly above the cut: the threshold is the next representable value.
        t = t.next_up();
        t.clamp(0.05, 0.9999)
    };
    let newcomer = Thresholds {
        remove: cut(NEWCOMER_REMOVE_FP),
        suspicious: cut(NEWCOMER_SUSPICIOUS_FP),
    };
    let member_remove = cut(MEMBER_REMOVE_FP).max(newcomer.remove);
    ThresholdSet {
        newcomer,
        member: Thresholds {
            remove: member_remove,
            suspicious: cut(MEMBER_SUSPICIOUS_FP)
                .max(newcomer.suspicious)
                .min(member_remove),
        },
    }
}

/// Trains on `examples`. With `cv_folds` ≥ 2, first cross-validates on cluster-grouped folds (scores of
/// each fold come from a model and a similarity set built without it), and chooses the thresholds on
/// those held-aside scores; without, the thresholds are those of 5 folds anyway (they need held-aside
/// scores), but no table is kept.
pub fn train(examples: &[Example], cv_folds: usize) -> Trained {
    train_with(examples, cv_folds, &PARAMS)
}

/// The held-aside scores of every example: for each of the `k` folds, a model and a fingerprint set
/// built without it score its examples (with the similarity layers, as the bot judges).
fn held_aside_scores(
    examples: &[Example],
    prep: &Prepared,
    labels: &[bool],
    fold_of: &[usize],
    k: usize,
    params: &Params,
) -> Vec<Scored> {
    let buckets = 1usize << params.bits;
    let mut scored = vec![None; examples.len()];
    let mut scratch = Scratch::default();
    for fold in 0..k {
        let chosen: Vec<usize> = (0..examples.len())
            .filter(|i| fold_of[*i] != fold)
            .collect();
        let (w, bias) = fit(prep, labels, &chosen, buckets, params);
        let fps = spam_fingerprints(prep, labels, &chosen);
        let detector = Detector::new(quantize(&w, bias, UNSET, fps));
        for i in (0..examples.len()).filter(|i| fold_of[*i] == fold) {
            let normalized =
                super::super::normalize::normalize(super::features::cut(&examples[i].text));
            let v = detector.judge_normalized(&normalized, None, true, &mut scratch);
            scored[i] = Some(Scored {
                spam: labels[i],
                source: examples[i].source.clone(),
                probability: v.probability,
            });
        }
    }
    scored.into_iter().flatten().collect()
}

/// Cross-validated scores of `examples` (cluster-grouped `k` folds), in the examples' order, for
/// experiments and error analysis.
pub fn cross_validated_scores(examples: &[Example], k: usize, params: &Params) -> Vec<Scored> {
    let prep = prepare(examples, 1usize << params.bits);
    let labels: Vec<bool> = examples.iter().map(|e| e.spam).collect();
    let fold_of = folds(&clusters(examples), k);
    held_aside_scores(examples, &prep, &labels, &fold_of, k, params)
}

/// [`train`] with other parameters.
pub fn train_with(examples: &[Example], cv_folds: usize, params: &Params) -> Trained {
    let buckets = 1usize << params.bits;
    let k = if cv_folds >= 2 { cv_folds } else { 5 };
    let prep = prepare(examples, buckets);
    let labels: Vec<bool> = examples.iter().map(|e| e.spam).collect();
    let cluster_of = clusters(examples);
    let mut distinct = cluster_of.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let fold_of = folds(&cluster_of, k);
    let scored = held_aside_scores(examples, &prep, &labels, &fold_of, k, params);
    let thresholds = choose_thresholds(&scored);
    let cv_rows = if cv_folds >= 2 {
        rows(&scored, &thresholds)
    } else {
        Vec::new()
    };
    let cv_table = if cv_rows.is_empty() {
        String::new()
    } else {
        table(&cv_rows, &thresholds)
    };
    let all: Vec<usize> = (0..examples.len()).collect();
    let (w, bias) = fit(&prep, &labels, &all, buckets, params);
    let fps = spam_fingerprints(&prep, &labels, &all);
    Trained {
        model: quantize(&w, bias, thresholds, fps),
        cv_rows,
        cv_table,
        clusters: distinct.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_tsv_lines_are_skipped_and_counted() {
        let data = "label\tsource\ttext\n1\tx\t加V看片\n\n2\tx\tbad label\nno tabs here\n0\tx\t\n0\ty\t你好\n";
        let d = parse_tsv(data);
        assert_eq!(d.examples.len(), 2);
        assert_eq!(d.skipped, 3);
        let d = parse_tsv_bytes(b"1\tx\tok text\n0\tx\t\xff\xfe\n");
        assert_eq!((d.examples.len(), d.skipped), (1, 1));
    }

    #[test]
    fn templates_share_a_cluster_and_a_fold() {
        let ex = |t: &str| Example {
            spam: true,
            source: "s".into(),
            text: t.into(),
        };
        let examples = vec![
            ex("专业代收代付，USDT秒到账，日赚三千不是梦，联系电报 @pay_king_8848 详谈"),
            ex("今天下午我们去公园跑步吧，天气预报说不会下雨"),
            ex("专业代收代付，USDT秒到账，日赚三千不是梦，联系电报 @pay_king_1234 详谈"),
            ex("加微信 123456"),
            ex("加微信 654321"),
        ];
        let c = clusters(&examples);
        assert_eq!(c[0], c[2]);
        assert_eq!(c[3], c[4]);
        assert_ne!(c[0], c[1]);
        let f = folds(&c, 5);
        assert_eq!(f[0], f[2]);
    }

    #[test]
    fn training_is_deterministic_on_a_tiny_set() {
        let mut examples = Vec::new();
        for i in 0..30 {
            examples.push(Example {
                spam: true,
                source: "s".into(),
                text: format!("兼职日赚{i}00元 加V: earn{i}x 详情私聊"),
            });
            examples.push(Example {
                spam: false,
                source: "s".into(),
                text: format!("今天第{i}次去跑步，感觉还不错"),
            });
        }
        let a = train(&examples, 0).model.to_bytes();
        let b = train(&examples, 0).model.to_bytes();
        assert_eq!(a, b);
        let m = Model::from_bytes(&a).unwrap();
        let mut s = Scratch::default();
        assert!(m.probability("兼职日赚500元 加v详情私聊", &mut s) > 0.5);
        assert!(m.probability("今天去跑步了", &mut s) < 0.5);
    }
}
