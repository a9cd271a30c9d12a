//! P6: one message checked against a group with 5,000 keywords and 50 regexes (plus the default ad pack),
//! doing what the bot does per message: normalize once, judge with the ad detector (the built-in model
//! and similarity layers, plus a group layer of 500 taught ads), evaluate the rules. Also how long compiling such a group takes (what a rule change costs
//! before it is in effect) and where the time goes.

use crate::Figure;
use groupops::features::moderation::detector::{Band, Detector, GroupLayer, Scratch};
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
            Entry {
                pattern: (0..len).map(|_| rng.pick(alphabet)).collect(),
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

const MESSAGES: [&str; 5] = [
    "大家好，今天的会议改到下午三点，请准时参加，地点还是三楼会议室。",
    "Has anyone tried the new release? The build takes 3 minutes on my laptop now.",
    "Привет всем! Кто-нибудь знает, когда будет следующая встреча?",
    "兼职刷单，日结300，加微信 abc12345 详聊",
    "ｃｒｙｐｔｏ ｐｕｍｐ signals every day, join t.me/+AbCdEf now",
];

/// A group layer as a busy group's admins would leave it: 500 taught ads of a few templates.
fn group_layer() -> GroupLayer {
    let mut layer = GroupLayer::default();
    let mut rng = Lcg(11);
    for i in 0..500 {
        let text = match i % 3 {
            0 => format!(
                "高薪诚聘在家兼职，每天两小时，薪资日结，联系 qq {}",
                rng.next()
            ),
            1 => format!(
                "limited offer: double your deposit today, dm @promo{} now",
                rng.next()
            ),
            _ => format!(
                "本群福利，扫码领取 {} 元红包，名额有限先到先得",
                rng.next() % 1000
            ),
        };
        let folded = normalize(&text).folded;
        layer.teach_spam(&folded);
    }
    layer
}

/// Nanoseconds per check of every message against `set`, sorted, and how many checks removed.
fn measure(
    set: &RuleSet,
    detector: Option<(&Detector, &GroupLayer)>,
    rounds: usize,
) -> (Vec<u64>, usize) {
    let mut samples = Vec::with_capacity(rounds * MESSAGES.len());
    let mut scratch = Scratch::default();
    let mut removed = 0usize;
    let warm = rounds / 10;
    for round in 0..rounds + warm {
        for text in MESSAGES {
            let facts = Facts {
                text,
                newcomer: true,
                ..Facts::default()
            };
            let start = Instant::now();
            let normalized = normalize(black_box(text));
            let classified = detector.is_some_and(|(detector, layer)| {
                let thresholds = detector.thresholds().for_sender(true);
                detector
                    .judge(&normalized.folded, Some(layer), thresholds, &mut scratch)
                    .band
                    == Band::Remove
            });
            let extra: &[RuleKind] = if classified {
                &[RuleKind::Classifier]
            } else {
                &[]
            };
            let verdict = black_box(set.evaluate_normalized(black_box(&facts), &normalized, extra));
            let took = start.elapsed().as_nanos() as u64;
            if round >= warm {
                samples.push(took);
                removed += usize::from(verdict.removes());
            }
        }
    }
    samples.sort_unstable();
    (samples, removed)
}

pub fn figure(quick: bool) -> Figure {
    let limits = Limits {
        regex_size: 256 * 1024,
    };
    let rules = GroupRules {
        keywords: keywords(5_000),
        regexes: regexes(50),
        default_pack: true,
        ..GroupRules::default()
    };
    let started = Instant::now();
    let (set, warnings) = RuleSet::compile(&rules, Pack::shipped(), limits);
    let compile_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert!(warnings.is_empty(), "{warnings:?}");
    let rounds = if quick { 4_000 } else { 20_000 };
    let detector = Detector::shipped();
    let layer = group_layer();
    let (samples, removed) = measure(&set, Some((&detector, &layer)), rounds);
    // The two ad lines are removed in every round, the three ordinary ones never.
    assert_eq!(
        removed,
        2 * rounds,
        "the ads, and only the ads, are removed"
    );
    let part = |rules: GroupRules| {
        let (set, _) = RuleSet::compile(&rules, &Pack::default(), limits);
        let (samples, _) = measure(&set, None, rounds / 4);
        crate::bot::percentile(&samples, 0.99)
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
    let long = long_message_p99(&detector, &layer, rounds);
    let p = |q| crate::bot::percentile(&samples, q) as f64 / 1000.0;
    Figure {
        name: "P6-p99".into(),
        value: p(0.99),
        unit: "µs",
        goal: "<= 10",
        note: format!(
            "{} checks; p50 {:.2} µs, max {:.1} µs; compile {compile_ms:.0} ms; p99 of parts: built-in checks {:.2}, keywords {:.2}, regexes {:.2} µs; a 400-character message: normalized and judged (model + similarity) p99 {:.2} µs, judged alone p99 {:.2} µs",
            samples.len(),
            p(0.50),
            p(1.0),
            builtin as f64 / 1000.0,
            keywords_only as f64 / 1000.0,
            regexes_only as f64 / 1000.0,
            long.0 as f64 / 1000.0,
            long.1 as f64 / 1000.0,
        ),
    }
}

/// The p99 (ns) of one ordinary 400-character message (the most the detector reads): normalizing it and
/// judging it with the model and every similarity layer, and judging alone (already normalized).
fn long_message_p99(detector: &Detector, layer: &GroupLayer, rounds: usize) -> (u64, u64) {
    let text =
        "这周的读书会我们讨论第三章，大家先把笔记整理好，周六下午两点在图书馆二楼见。".repeat(11);
    let text: String = text.chars().take(400).collect();
    let folded = normalize(&text).folded;
    let thresholds = detector.thresholds().for_sender(true);
    let mut scratch = Scratch::default();
    let mut both = Vec::with_capacity(rounds);
    let mut judge = Vec::with_capacity(rounds);
    for round in 0..rounds + rounds / 10 {
        let start = Instant::now();
        let normalized = normalize(black_box(&text));
        let verdict = detector.judge(&normalized.folded, Some(layer), thresholds, &mut scratch);
        let took = start.elapsed().as_nanos() as u64;
        black_box(verdict);
        let start = Instant::now();
        let verdict = detector.judge(black_box(&folded), Some(layer), thresholds, &mut scratch);
        let alone = start.elapsed().as_nanos() as u64;
        black_box(verdict);
        if round >= rounds / 10 {
            both.push(took);
            judge.push(alone);
        }
    }
    both.sort_unstable();
    judge.sort_unstable();
    (
        crate::bot::percentile(&both, 0.99),
        crate::bot::percentile(&judge, 0.99),
    )
}
