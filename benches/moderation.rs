//! The moderation engine's speed: one message checked against a group with 5,000 keywords and 50 regexes
//! (plus the default ad pack), and how long compiling such a group takes (what a rule change costs before
//! it is in effect). The measured check is what the bot does per message: normalize once, score with the
//! learning classifier (shipped samples), evaluate the rules. Prints one JSON object.
//!
//! Run with `cargo bench --bench moderation`.

use groupops::features::moderation::classifier::Model;
use groupops::features::moderation::normalize::normalize;
use groupops::features::moderation::rules::{
    Entry, Facts, GroupRules, Limits, Pack, RuleKind, RuleSet,
};
use std::hint::black_box;
use std::time::Instant;

/// A small deterministic generator, so every run checks the same rules.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick(&mut self, items: &[char]) -> char {
        items[(self.next() as usize) % items.len()]
    }
}

fn keywords(count: usize) -> Vec<Entry> {
    let han: Vec<char> = "兼职刷单日结微信代理博彩贷款返利赚钱招聘推广优惠免费领取福利彩票投资理财"
        .chars()
        .collect();
    let latin: Vec<char> = "abcdefghijklmnopqrstuvwxyz".chars().collect();
    let mut rng = Lcg(7);
    (0..count)
        .map(|i| {
            let (alphabet, len) = if i % 2 == 0 {
                (&han, 3 + rng.next() as usize % 3)
            } else {
                (&latin, 6 + rng.next() as usize % 5)
            };
            let word: String = (0..len).map(|_| rng.pick(alphabet)).collect();
            Entry {
                pattern: word,
                action: None,
            }
        })
        .collect()
}

fn regexes(count: usize) -> Vec<Entry> {
    (0..count)
        .map(|i| Entry {
            pattern: match i % 5 {
                0 => format!(r"promo{i}\s*code\s*\d+"),
                1 => format!(r"(?:buy|sell)\s+item{i}(?:\s|$)"),
                2 => format!(r"win\s+{i}\s*(?:usd|usdt)"),
                3 => format!(r"ref{i}[a-z]{{4,8}}\d{{2}}"),
                _ => format!(r"group{i}\s*(?:invite|join)"),
            },
            action: None,
        })
        .collect()
}

/// The p50 and p99 of checking every message against `set`, in nanoseconds.
fn measure(set: &RuleSet, model: &Model, messages: &[&str], rounds: usize) -> (Vec<u128>, usize) {
    let mut samples = Vec::with_capacity(rounds * messages.len());
    let mut removed = 0usize;
    for round in 0..rounds + 1_000 {
        for text in messages {
            let facts = Facts {
                text,
                newcomer: true,
                ..Facts::default()
            };
            let start = Instant::now();
            let normalized = normalize(black_box(text));
            let classified = model.score(&normalized.squashed) >= 0.9;
            let extra: &[RuleKind] = if classified {
                &[RuleKind::Classifier]
            } else {
                &[]
            };
            let verdict = black_box(set.evaluate_normalized(black_box(&facts), &normalized, extra));
            let took = start.elapsed().as_nanos();
            if round >= 1_000 {
                samples.push(took);
                removed += usize::from(verdict.removes());
            }
        }
    }
    samples.sort_unstable();
    (samples, removed)
}

fn percentile(sorted: &[u128], p: f64) -> u128 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn main() {
    let rules = GroupRules {
        keywords: keywords(5_000),
        regexes: regexes(50),
        default_pack: true,
        ..GroupRules::default()
    };
    let limits = Limits {
        regex_size: 256 * 1024,
    };
    let started = Instant::now();
    let (set, warnings) = RuleSet::compile(&rules, Pack::shipped(), limits);
    let compile_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert!(warnings.is_empty(), "{warnings:?}");
    let messages = [
        "大家好，今天的会议改到下午三点，请准时参加，地点还是三楼会议室。",
        "Has anyone tried the new release? The build takes 3 minutes on my laptop now.",
        "Привет всем! Кто-нибудь знает, когда будет следующая встреча?",
        "兼职刷单，日结300，加微信 abc12345 详聊",
        "ｃｒｙｐｔｏ ｐｕｍｐ signals every day, join t.me/+AbCdEf now",
    ];
    let rounds = 20_000;
    let model = Model::shipped();
    let (samples, removed) = measure(&set, &model, &messages, rounds);
    let mut classifier_ns = Vec::new();
    let squashed: Vec<String> = messages.iter().map(|t| normalize(t).squashed).collect();
    for _ in 0..rounds {
        for text in &squashed {
            let start = Instant::now();
            black_box(model.score(black_box(text)));
            classifier_ns.push(start.elapsed().as_nanos());
        }
    }
    classifier_ns.sort_unstable();
    // Where the time goes: normalization alone, the built-in checks alone (links, contacts: an empty rule
    // set), the keywords alone and the regexes alone.
    let mut normalize_ns = Vec::new();
    for _ in 0..rounds {
        for text in &messages {
            let start = Instant::now();
            black_box(normalize(black_box(text)));
            normalize_ns.push(start.elapsed().as_nanos());
        }
    }
    normalize_ns.sort_unstable();
    let part = |rules: GroupRules| {
        let (set, _) = RuleSet::compile(&rules, &Pack::default(), limits);
        measure(&set, &Model::default(), &messages, rounds / 4).0
    };
    let builtin = part(GroupRules::default());
    let keywords_only = part(GroupRules {
        keywords: keywords(5_000),
        ..GroupRules::default()
    });
    let regexes_only = part(GroupRules {
        regexes: regexes(50),
        ..GroupRules::default()
    });
    let figures = serde_json::json!({
        "bench": "moderation_check_one_message",
        "keywords": 5_000,
        "regexes": 50,
        "default_pack": true,
        "messages_checked": samples.len(),
        "messages_removed": removed,
        "p50_ns": percentile(&samples, 0.50),
        "p99_ns": percentile(&samples, 0.99),
        "max_ns": samples.last().copied().unwrap_or_default(),
        "compile_ms": (compile_ms * 10.0).round() / 10.0,
        "p99_ns_normalize": percentile(&normalize_ns, 0.99),
        "p99_ns_classifier": percentile(&classifier_ns, 0.99),
        "p99_ns_builtin_checks": percentile(&builtin, 0.99),
        "p99_ns_keywords_only": percentile(&keywords_only, 0.99),
        "p99_ns_regexes_only": percentile(&regexes_only, 0.99),
    });
    println!("{figures}");
}
