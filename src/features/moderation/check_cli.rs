//! `groupops check`: runs messages from a reader through exactly the engine, default pack and ad detector
//! the bot uses and writes one JSON line per message, its keys in this order:
//! `{"index": n, "verdict": "remove"|"allow", "rules": [...], "score": 0.97}`, where `score` is the ad
//! detector's spam probability after its similarity layers (`null` when `moderation.classifier_enabled`
//! is off). The detector is the bot's own: the model the settings name, and the instance-wide layer of
//! what admins of several groups (or a trusted group) taught, read from the configured database when that
//! exists (read-only; a missing database is not created). With `--explain`, a last key `"decided"` says
//! what decided, worded as the bot's explanations and `/modlog` word it in the instance's default
//! language (`i18n.default_language`): `classifier: ` with the detector's score and the model's top
//! features or the known spam it is a near-duplicate of (its layer and Hamming distance), `rule <id>;
//! detector …` when another rule acted first, or `nothing: …`.
//!
//! Input lines are either plain text (a newcomer's message) or JSON objects
//! `{"text": "…", "newcomer": true|false}` (`newcomer` defaults to true). Blank lines are skipped; `index`
//! counts the non-blank lines from 0. A newcomer's @mentions count as unknown, as in the bot's first
//! look at a message (the mention rule then removes those that name bots; the bot itself also looks
//! names up on Telegram, which `check` does not). Input that is not UTF-8 (or cannot be read) is an
//! error.

use super::detection::{words, Detail};
use super::detector::{detector_from_settings, thresholds_from_settings, Band, Detector, Scratch};
use super::normalize::normalize;
use super::rules::{mentions_in, Facts, GroupRules, Limits, Pack, RuleKind, RuleSet, RuleSpec};
use super::settings::ModerationSettings;
use crate::config::StorageSettings;
use crate::i18n::{I18n, Lang};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::str::FromStr;

/// Why `check` stopped.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The input could not be read (or was not UTF-8).
    #[error("unreadable input at line {line}: {reason}")]
    Unreadable {
        /// The 1-based line number.
        line: usize,
        /// What went wrong.
        reason: String,
    },
    /// The group settings file is wrong.
    #[error("group settings: {0}")]
    GroupSettings(String),
    /// The output could not be written.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
    /// The configured database exists but what admins taught could not be read.
    #[error("cannot read what admins taught from {url}: {reason}")]
    Database {
        /// The database URL from the settings.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

/// One printed verdict; the fields are written in this order.
#[derive(Serialize)]
struct Verdict<'a> {
    index: usize,
    verdict: &'a str,
    rules: Vec<String>,
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decided: Option<String>,
}

/// The detector `check` judges with, as the bot has it: the model the settings name (with the warning
/// to print when an operator's file could not be used), and the instance-wide layer from the database of
/// `storage` when the file exists. The database is opened read-only and never created. `None` when the
/// detector is off.
pub fn detector_for(
    settings: &ModerationSettings,
    storage: &StorageSettings,
) -> Result<Option<(Detector, Option<String>)>, CheckError> {
    if !settings.classifier_enabled {
        return Ok(None);
    }
    let (mut detector, warning) = detector_from_settings(settings);
    let failed = |reason: String| CheckError::Database {
        url: storage.database_url.clone(),
        reason,
    };
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&storage.database_url)
        .map_err(|err| failed(err.to_string()))?;
    let path = options.get_filename();
    if path.as_os_str().is_empty() || path == std::path::Path::new(":memory:") || !path.exists() {
        return Ok(Some((detector, warning)));
    }
    let options = options.read_only(true).create_if_missing(false);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| failed(err.to_string()))?;
    let agreed = runtime
        .block_on(async {
            use sqlx::ConnectOptions;
            let mut conn = options.connect().await?;
            super::store::instance_taught(
                &mut conn,
                settings.detector_agree_groups,
                &settings.detector_trusted_groups,
                None,
            )
            .await
        })
        .map_err(|err| failed(err.to_string()))?;
    for fp in agreed {
        detector.instance.add(fp);
    }
    Ok(Some((detector, warning)))
}

#[derive(Deserialize)]
struct JsonLine {
    text: String,
    #[serde(default = "newcomer_by_default")]
    newcomer: bool,
}

fn newcomer_by_default() -> bool {
    true
}

/// Reads a group settings file (TOML with the keys of [`RuleSpec`]). The tables a `/settings export` adds
/// for the other features (`[group]`, `[welcome]`, `[economy]`) are passed over.
pub fn read_group_settings(text: &str) -> Result<RuleSpec, CheckError> {
    let failed = |err: toml::de::Error| CheckError::GroupSettings(err.to_string());
    let mut root: toml::Table = toml::from_str(text).map_err(failed)?;
    root.retain(|name, _| {
        !crate::settings_model::file::OTHER_TABLES
            .iter()
            .any(|table| **table == *name)
    });
    root.try_into().map_err(failed)
}

/// The rules `check` uses: the group settings when given, else a new group's defaults.
pub fn rules_for(
    settings: &ModerationSettings,
    spec: Option<&RuleSpec>,
) -> Result<RuleSet, CheckError> {
    let spec = match spec {
        Some(spec) => spec.clone(),
        None => RuleSpec {
            default_pack: settings.default_pack,
            ..RuleSpec::default()
        },
    };
    let rules = GroupRules::from_spec(&spec).map_err(CheckError::GroupSettings)?;
    let limits = Limits {
        regex_size: settings.regex_size_limit,
    };
    let (set, warnings) = RuleSet::compile(&rules, Pack::shipped(), limits);
    if let Some(first) = warnings.first() {
        return Err(CheckError::GroupSettings(first.clone()));
    }
    Ok(set)
}

/// How many features `--explain` names.
const TOP_FEATURES: usize = 3;

/// The wording `--explain` uses: the bot's, in one language (the instance's default).
#[derive(Clone, Copy)]
pub struct Explain<'a> {
    /// The loaded wording.
    pub i18n: &'a I18n,
    /// The language of the explanations.
    pub lang: Lang,
}

/// Checks every non-blank line of `input` and writes the verdicts to `output` (with what decided each
/// one, in the wording's language, when `explain` is given).
pub fn run(
    input: impl BufRead,
    mut output: impl Write,
    settings: &ModerationSettings,
    spec: Option<&RuleSpec>,
    detector: Option<&Detector>,
    explain: Option<Explain<'_>>,
) -> Result<usize, CheckError> {
    let rules = rules_for(settings, spec)?;
    let detector = detector.map(|d| (d, thresholds_from_settings(settings, d.thresholds())));
    let mut scratch = Scratch::default();
    let mut index = 0;
    let mut input = input;
    let mut raw = Vec::new();
    let mut line_number = 0;
    loop {
        raw.clear();
        let read = input
            .read_until(b'\n', &mut raw)
            .map_err(|err| CheckError::Unreadable {
                line: line_number + 1,
                reason: err.to_string(),
            })?;
        if read == 0 {
            break;
        }
        line_number += 1;
        let line = std::str::from_utf8(&raw).map_err(|err| CheckError::Unreadable {
            line: line_number,
            reason: err.to_string(),
        })?;
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let (text, newcomer) = match line
            .trim_start()
            .starts_with('{')
            .then(|| serde_json::from_str::<JsonLine>(line).ok())
            .flatten()
        {
            Some(parsed) => (parsed.text, parsed.newcomer),
            None => (line.to_string(), true),
        };
        let facts = Facts {
            text: &text,
            newcomer,
            unknown_mentions: if newcomer {
                mentions_in(&text)
            } else {
                Vec::new()
            },
            ..Facts::default()
        };
        let normalized = normalize(&text);
        let detected = detector.map(|(d, thresholds)| {
            let t = thresholds.for_sender(newcomer);
            if explain.is_some() {
                d.judge_explained(&normalized.folded, None, t, TOP_FEATURES)
            } else {
                d.judge(&normalized.folded, None, t, &mut scratch)
            }
        });
        let classified = detected.as_ref().is_some_and(|v| v.band == Band::Remove)
            && (newcomer || !settings.classifier_newcomers_only);
        let extra: &[RuleKind] = if classified {
            &[RuleKind::Classifier]
        } else {
            &[]
        };
        let verdict = rules.evaluate_normalized(&facts, &normalized, extra);
        let rule_ids = verdict.rule_ids();
        let decided = explain.map(|wording| {
            let detector_said = detected
                .as_ref()
                .map(|v| words(wording.i18n, wording.lang, &Detail::of(v, None)));
            match (rule_ids.first(), detector_said) {
                (Some(rule), Some(said)) if rule == "classifier" => format!("classifier: {said}"),
                (Some(rule), Some(said)) => format!("rule {rule}; detector {said}"),
                (Some(rule), None) => format!("rule {rule}"),
                (None, Some(said)) => format!("nothing: {said}"),
                (None, None) => "nothing".to_string(),
            }
        });
        let answer = Verdict {
            index,
            verdict: if verdict.removes() { "remove" } else { "allow" },
            rules: rule_ids,
            score: detected
                .as_ref()
                .map(|v| (f64::from(v.probability) * 1000.0).round() / 1000.0),
            decided,
        };
        let line = serde_json::to_string(&answer).map_err(std::io::Error::other)?;
        writeln!(output, "{line}")?;
        index += 1;
    }
    output.flush()?;
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    fn check(input: &[u8], spec: Option<&RuleSpec>) -> Result<Vec<serde_json::Value>, CheckError> {
        let mut out = Vec::new();
        let detector = Detector::shipped();
        run(
            input,
            &mut out,
            &ModerationSettings::default(),
            spec,
            Some(&detector),
            None,
        )?;
        Ok(String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect())
    }

    #[test]
    fn plain_and_json_lines_get_one_verdict_each() {
        let input = "兼职刷单日结，加微信 abc12345 详聊\n\n今天吃什么\n{\"text\": \"see spam.xyz\", \"newcomer\": false}\n{\"text\": \"see spam.xyz\"}\n";
        let out = check(input.as_bytes(), None).unwrap();
        assert_eq!(out.len(), 4);
        assert_eq!(out[0]["index"], 0);
        assert_eq!(out[0]["verdict"], "remove");
        assert_eq!(out[0]["rules"], json!(["adpack", "contact", "classifier"]));
        assert_eq!(out[1]["verdict"], "allow");
        assert!(
            out[1]["score"].as_f64().unwrap() < 0.5,
            "{}",
            out[1]["score"]
        );
        assert!(
            out[0]["score"].as_f64().unwrap() > 0.9,
            "{}",
            out[0]["score"]
        );
        assert_eq!(out[2]["verdict"], "allow", "an established member's link");
        assert_eq!(out[3]["rules"], json!(["link"]));
        assert_eq!(out[3]["index"], 3);
    }

    #[test]
    fn group_settings_add_rules_and_shadow_modes_allow() {
        let spec = read_group_settings(
            "keywords = [\"秘密暗号\"]\ndefault_pack = false\n[modes]\nlink = \"shadow\"\n",
        )
        .unwrap();
        let out = check(
            "秘密 暗号\nUSDT 稳赚 每日返利 10% 私聊 @earnfast\nspam.xyz\n".as_bytes(),
            Some(&spec),
        )
        .unwrap();
        assert_eq!(out[0]["rules"], json!(["keyword"]));
        assert_eq!(
            out[1]["rules"],
            json!(["classifier"]),
            "pack off, the detector still knows the ad"
        );
        assert_eq!(out[2]["verdict"], "allow", "shadow only records");
        assert_eq!(out[2]["rules"], json!(["link"]));
        assert!(read_group_settings("nonsense = 1").is_err());
    }

    #[test]
    fn lines_keep_the_documented_key_order_and_mentions_count() {
        let mut out = Vec::new();
        run(
            "今天天气不错\n".as_bytes(),
            &mut out,
            &ModerationSettings::default(),
            None,
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"index\":0,\"verdict\":\"allow\",\"rules\":[],\"score\":null}\n"
        );
        let out = check(
            "try @free_money_bot now\nask @quiet_anna\n{\"text\": \"try @free_money_bot\", \"newcomer\": false}\n"
                .as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(out[0]["rules"], json!(["mention"]));
        assert_eq!(out[1]["rules"], json!([]), "a person is not an outside bot");
        assert_eq!(
            out[2]["rules"],
            json!([]),
            "settled members may mention bots"
        );
    }

    #[test]
    fn a_missing_database_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.db");
        let storage = StorageSettings {
            database_url: format!("sqlite://{}?mode=rwc", path.display()),
            ..StorageSettings::default()
        };
        let (detector, warning) = detector_for(&ModerationSettings::default(), &storage)
            .unwrap()
            .unwrap();
        assert!(warning.is_none());
        assert!(detector.instance.is_empty());
        assert!(!path.exists(), "check never creates a database");
        let off = ModerationSettings {
            classifier_enabled: false,
            ..ModerationSettings::default()
        };
        assert!(detector_for(&off, &storage).unwrap().is_none());
    }

    #[test]
    fn explain_says_what_decided_in_the_chosen_language() {
        let i18n = I18n::load(std::path::Path::new("config/locales")).unwrap();
        let detector = Detector::shipped();
        let explained = |lang: Lang| {
            let mut out = Vec::new();
            run(
                "USDT 稳赚 每日返利 10% 私聊 @earnfast\nhttps://spam.xyz/a\n今天天气不错\n"
                    .as_bytes(),
                &mut out,
                &ModerationSettings::default(),
                None,
                Some(&detector),
                Some(Explain { i18n: &i18n, lang }),
            )
            .unwrap();
            String::from_utf8(out)
                .unwrap()
                .lines()
                .map(|l| {
                    serde_json::from_str::<serde_json::Value>(l).unwrap()["decided"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect::<Vec<_>>()
        };
        let english = explained(Lang::En);
        assert!(
            english[0].starts_with("classifier: model score 0.9")
                && english[0].contains("top features: "),
            "the model's score with its top features: {}",
            english[0]
        );
        let chinese = explained(Lang::Zh);
        assert!(
            chinese[0].starts_with("classifier: 模型评分 0.9") && chinese[0].contains("主要特征："),
            "{}",
            chinese[0]
        );
        let decided = |i: usize| english[i].clone();
        assert!(
            decided(1).starts_with("rule link; detector "),
            "{}",
            decided(1)
        );
        assert!(
            decided(2).starts_with("nothing: model score 0.0"),
            "{}",
            decided(2)
        );
    }

    #[test]
    fn invalid_utf8_is_unreadable() {
        let err = check(b"fine\n\xff\xfe\n", None).unwrap_err();
        assert!(
            matches!(err, CheckError::Unreadable { line: 2, .. }),
            "{err}"
        );
    }
}
