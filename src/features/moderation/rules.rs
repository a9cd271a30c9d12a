//! The rules engine, pure: a message's facts plus a group's compiled rules give a verdict (which rules hit,
//! in which mode, with which action). No Telegram types, no SQL, no clock: time is passed in.
//!
//! Rule ids (as shown to admins and printed by `groupops check`): `keyword`, `regex`, `adpack`, `link`,
//! `invite`, `contact`, `mention`, `forward`, `lock:<type>`, `flood`, `flood-groups`.

use super::normalize::{is_wordy, normalize, squash, Normalized};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::LazyLock;

/// What happens to the author of a message that breaks a rule. Every action also deletes the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Delete only.
    Delete,
    /// Delete and warn (counts on the ladder).
    Warn,
    /// Delete and mute for this many seconds.
    Mute(u64),
    /// Delete and remove from the group (they may come back).
    Kick,
    /// Delete and ban.
    Ban,
    /// Delete and take the next step of the group's escalation ladder.
    Escalate,
}

/// The mute length when `mute` is written without a duration.
pub const DEFAULT_MUTE_SECS: u64 = 3_600;

impl Action {
    /// Parses `delete`, `warn`, `mute [duration]`, `kick`, `ban` or `ladder`. Returns the action and how
    /// many words it used (a mute may take the next word as its length).
    pub fn parse_words(words: &[&str]) -> Option<(Action, usize)> {
        let first = words.first()?.to_ascii_lowercase();
        let action = match first.as_str() {
            "delete" | "del" | "删除" => Action::Delete,
            "warn" | "警告" => Action::Warn,
            "kick" | "踢" | "踢出" => Action::Kick,
            "ban" | "封禁" => Action::Ban,
            "ladder" | "escalate" | "升级" => Action::Escalate,
            "mute" | "禁言" => {
                if let Some(length) = words.get(1) {
                    if let Ok(duration) = crate::args::parse_duration(length) {
                        // Telegram reads a mute under 30 s (or over 366 days) as forever: refused.
                        return crate::args::check_restriction(duration)
                            .ok()
                            .map(|d| (Action::Mute(d.as_secs()), 2));
                    }
                }
                Action::Mute(DEFAULT_MUTE_SECS)
            }
            _ => return None,
        };
        Some((action, 1))
    }

    /// Parses one stored or configured action such as `mute 1h`.
    pub fn parse(text: &str) -> Option<Action> {
        let words: Vec<&str> = text.split_whitespace().collect();
        match Action::parse_words(&words) {
            Some((action, used)) if used == words.len() => Some(action),
            _ => None,
        }
    }

    /// How severe an action is, for choosing among several hits.
    pub fn severity(self) -> u64 {
        match self {
            Action::Delete => 0,
            Action::Escalate => 1,
            Action::Warn => 2,
            Action::Mute(secs) => 10 + secs.min(u64::MAX / 2),
            Action::Kick => u64::MAX - 1,
            Action::Ban => u64::MAX,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Delete => f.write_str("delete"),
            Action::Warn => f.write_str("warn"),
            Action::Mute(secs) => write!(
                f,
                "mute {}",
                crate::args::format_duration(std::time::Duration::from_secs(*secs))
            ),
            Action::Kick => f.write_str("kick"),
            Action::Ban => f.write_str("ban"),
            Action::Escalate => f.write_str("ladder"),
        }
    }
}

/// Whether a rule acts, only records (shadow), or is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The rule acts.
    #[default]
    On,
    /// The rule is not checked.
    Off,
    /// The rule is checked and its hits recorded, but nothing happens to the message.
    Shadow,
}

impl Mode {
    /// Every mode, in display order.
    pub const ALL: [Mode; 3] = [Mode::On, Mode::Off, Mode::Shadow];

    /// Parses `on`, `off` or `shadow`.
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "on" => Some(Mode::On),
            "off" => Some(Mode::Off),
            "shadow" => Some(Mode::Shadow),
            _ => None,
        }
    }

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::On => "on",
            Mode::Off => "off",
            Mode::Shadow => "shadow",
        }
    }
}

/// A kind of content a group can lock (`/lock <type>`): locked content is removed from every member who
/// is not exempt. Newcomers meet the media, forward, link and invite locks even when they are unlocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lock {
    /// Photos.
    Photo,
    /// Videos and video notes.
    Video,
    /// Stickers.
    Sticker,
    /// Animations (GIFs).
    Gif,
    /// Files.
    Document,
    /// Voice messages and audio.
    Voice,
    /// Polls.
    Poll,
    /// Shared contacts.
    Contact,
    /// Locations and venues.
    Location,
    /// Forwards from other chats.
    Forward,
    /// Links.
    Link,
    /// Telegram invite links.
    Invite,
}

impl Lock {
    /// Every lock, in display order.
    pub const ALL: [Lock; 12] = [
        Lock::Photo,
        Lock::Video,
        Lock::Sticker,
        Lock::Gif,
        Lock::Document,
        Lock::Voice,
        Lock::Poll,
        Lock::Contact,
        Lock::Location,
        Lock::Forward,
        Lock::Link,
        Lock::Invite,
    ];

    /// The name used in commands and storage.
    pub fn name(self) -> &'static str {
        match self {
            Lock::Photo => "photo",
            Lock::Video => "video",
            Lock::Sticker => "sticker",
            Lock::Gif => "gif",
            Lock::Document => "document",
            Lock::Voice => "voice",
            Lock::Poll => "poll",
            Lock::Contact => "contact",
            Lock::Location => "location",
            Lock::Forward => "forward",
            Lock::Link => "link",
            Lock::Invite => "invite",
        }
    }

    /// Parses a lock name (a few common synonyms too).
    pub fn parse(text: &str) -> Option<Lock> {
        let text = text.trim().to_ascii_lowercase();
        let text = match text.as_str() {
            "url" | "links" => "link",
            "invitelink" | "invites" => "invite",
            "animation" => "gif",
            "file" => "document",
            "audio" => "voice",
            "photos" => "photo",
            "videos" => "video",
            "stickers" => "sticker",
            other => other,
        };
        Lock::ALL.into_iter().find(|l| l.name() == text)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    fn is_media(self) -> bool {
        !matches!(self, Lock::Forward | Lock::Link | Lock::Invite)
    }
}

/// The rules every kind of check belongs to; each has a mode and an action per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// The group's own keywords.
    Keyword,
    /// The group's own regexes.
    Regex,
    /// The default ad pack.
    Adpack,
    /// Links (allowlisted domains excepted).
    Link,
    /// Telegram invite links.
    Invite,
    /// Phone numbers, WeChat ids, QQ numbers.
    Contact,
    /// Mentions of accounts that are not in the group.
    Mention,
    /// Forwards from other chats.
    Forward,
    /// Locked media.
    Media,
    /// Too many messages in a short time.
    Flood,
    /// The same text in several groups.
    FloodGroups,
    /// The trained ad detector's verdict (its score or a near-duplicate of known spam) reached the remove
    /// threshold.
    Classifier,
}

impl RuleKind {
    /// Every rule kind.
    pub const ALL: [RuleKind; 12] = [
        RuleKind::Keyword,
        RuleKind::Regex,
        RuleKind::Adpack,
        RuleKind::Link,
        RuleKind::Invite,
        RuleKind::Contact,
        RuleKind::Mention,
        RuleKind::Forward,
        RuleKind::Media,
        RuleKind::Flood,
        RuleKind::FloodGroups,
        RuleKind::Classifier,
    ];

    /// The name used in modes and explanations.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Keyword => "keyword",
            RuleKind::Regex => "regex",
            RuleKind::Adpack => "adpack",
            RuleKind::Link => "link",
            RuleKind::Invite => "invite",
            RuleKind::Contact => "contact",
            RuleKind::Mention => "mention",
            RuleKind::Forward => "forward",
            RuleKind::Media => "media",
            RuleKind::Flood => "flood",
            RuleKind::FloodGroups => "flood-groups",
            RuleKind::Classifier => "classifier",
        }
    }

    /// Parses a rule name.
    pub fn parse(text: &str) -> Option<RuleKind> {
        let text = text.trim().to_ascii_lowercase();
        RuleKind::ALL.into_iter().find(|k| k.name() == text)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A message as the engine sees it.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    /// The text or caption.
    pub text: &'a str,
    /// URLs from entities (url, text_link) and buttons; bare domains in the text are found by the engine.
    pub urls: &'a [String],
    /// The message's media, as the lock that covers it.
    pub media: Option<Lock>,
    /// Whether the message is forwarded from another chat (not the group's linked channel).
    pub foreign_forward: bool,
    /// @mentions of accounts the bot has never seen in this group. Only those that look like bots
    /// (Telegram bot usernames end in `bot`) count for the mention rule, so a newcomer naming a quiet
    /// member is not punished.
    pub unknown_mentions: Vec<String>,
    /// @mentions known to be public channels or groups that are not this group (resolved by the caller).
    pub chat_mentions: Vec<String>,
    /// Whether the author is a newcomer (stricter defaults).
    pub newcomer: bool,
}

/// One rule that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The rule kind.
    pub kind: RuleKind,
    /// The rule id (`keyword`, `lock:photo`, …).
    pub rule: String,
    /// What matched (a phrase, a domain, a number), for explanations and logs.
    pub detail: String,
    /// What to do.
    pub action: Action,
    /// Whether the rule is in shadow mode (recorded only).
    pub shadow: bool,
}

/// The engine's answer for one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Every rule that matched, in check order.
    pub hits: Vec<Hit>,
}

impl Verdict {
    /// Whether a non-shadow rule would delete the message.
    pub fn removes(&self) -> bool {
        self.hits.iter().any(|h| !h.shadow)
    }

    /// The hit that decides what happens: the most severe non-shadow action, `ladder` resolved by the
    /// caller-supplied next ladder step.
    pub fn decisive(&self, ladder_step: Action) -> Option<(&Hit, Action)> {
        self.hits
            .iter()
            .filter(|h| !h.shadow)
            .map(|h| {
                let action = if h.action == Action::Escalate {
                    ladder_step
                } else {
                    h.action
                };
                (h, action)
            })
            .max_by_key(|(_, action)| action.severity())
    }

    /// The distinct rule ids that hit.
    pub fn rule_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for hit in &self.hits {
            if !ids.contains(&hit.rule) {
                ids.push(hit.rule.clone());
            }
        }
        ids
    }
}

/// A group's rules as stored (and as written in a `--group-settings` file for `groupops check`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleSpec {
    /// Keywords with an optional action each (written like `/filter add`: `"加微信"`, `"刷单 ban"`).
    pub keywords: Vec<String>,
    /// Regex patterns (their action is the `regex` rule's action).
    pub regexes: Vec<String>,
    /// Domains whose links are allowed.
    pub allow_domains: Vec<String>,
    /// Locked content types.
    pub locks: Vec<String>,
    /// Per-rule mode (`on`, `off`, `shadow`).
    pub modes: HashMap<String, Mode>,
    /// Per-rule action override (`delete`, `warn`, `mute 1h`, `kick`, `ban`, `ladder`).
    pub actions: HashMap<String, String>,
    /// Whether the default ad pack is on.
    pub default_pack: bool,
    /// Flood limit: this many messages…
    pub flood_count: u32,
    /// …within this many seconds (0 turns flood off).
    pub flood_seconds: u32,
    /// What flood does.
    pub flood_action: String,
}

impl Default for RuleSpec {
    fn default() -> Self {
        Self {
            keywords: Vec::new(),
            regexes: Vec::new(),
            allow_domains: Vec::new(),
            locks: Vec::new(),
            modes: HashMap::new(),
            actions: HashMap::new(),
            default_pack: true,
            flood_count: 6,
            flood_seconds: 10,
            flood_action: "mute 10m".into(),
        }
    }
}

/// A keyword or regex entry with its own action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The phrase or pattern as the admin wrote it.
    pub pattern: String,
    /// Its own action, or `None` for the rule's action.
    pub action: Option<Action>,
}

/// Limits on what admins may add.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The compiled size limit of one regex, in bytes.
    pub regex_size: usize,
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The phrase has no letters or digits left after normalization.
    #[error("the phrase has no letters or digits")]
    EmptyPhrase,
    /// The regex does not compile (or is too big).
    #[error("{0}")]
    BadRegex(String),
}

/// Checks that a keyword has something to match after normalization; returns the normalized form.
pub fn check_keyword(phrase: &str) -> Result<String, PatternError> {
    let squashed = squash(phrase);
    if squashed.is_empty() {
        Err(PatternError::EmptyPhrase)
    } else {
        Ok(squashed)
    }
}

/// Compiles one admin regex with the size limit; the error says why it was refused.
pub fn check_regex(pattern: &str, limits: Limits) -> Result<Regex, PatternError> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(limits.regex_size)
        .dfa_size_limit(limits.regex_size)
        .build()
        .map_err(|err| {
            let text = err.to_string();
            let reason = text.lines().last().unwrap_or(&text).trim().to_string();
            PatternError::BadRegex(reason)
        })
}

/// The default ad pack: phrases (keywords) and patterns (regexes), one per line in `config/adpack.txt`.
#[derive(Debug, Clone, Default)]
pub struct Pack {
    pub phrases: Vec<String>,
    pub patterns: Vec<String>,
}

/// The shipped ad pack text.
pub const SHIPPED_PACK: &str = include_str!("../../../config/adpack.txt");

impl Pack {
    /// Reads a pack: `#` starts a comment line, `re:` starts a regex, anything else is a phrase.
    pub fn parse(text: &str) -> Pack {
        let mut pack = Pack::default();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.strip_prefix("re:") {
                Some(pattern) => pack.patterns.push(pattern.trim().to_string()),
                None => pack.phrases.push(line.to_string()),
            }
        }
        pack
    }

    /// The shipped pack, parsed once.
    pub fn shipped() -> &'static Pack {
        static PACK: LazyLock<Pack> = LazyLock::new(|| Pack::parse(SHIPPED_PACK));
        &PACK
    }
}

#[derive(Debug, Clone)]
struct KeywordMeta {
    phrase: String,
    action: Option<Action>,
    from_pack: bool,
}

#[derive(Debug, Clone)]
struct RegexMeta {
    pattern: String,
    action: Option<Action>,
    from_pack: bool,
}

/// A group's rules, compiled for matching. Building one costs milliseconds for thousands of keywords, so
/// it is done when rules change (off the message path) and shared read-only.
#[derive(Debug, Clone)]
pub struct RuleSet {
    keywords: Option<AhoCorasick>,
    keyword_meta: Vec<KeywordMeta>,
    /// The regexes in two sets: those the fast engines can run on any text, and those with Unicode word
    /// boundaries (`\b`, `\B`), which need a slower engine on non-ASCII text; each with the indices of
    /// their patterns in `regex_meta`.
    regexes: Vec<(RegexSet, Vec<usize>)>,
    regex_meta: Vec<RegexMeta>,
    allow_domains: Vec<String>,
    locks: u16,
    modes: [Mode; RuleKind::ALL.len()],
    actions: [Action; RuleKind::ALL.len()],
    /// The flood limit: (messages, seconds), or `None` when off.
    pub flood: Option<(u32, u32)>,
}

/// The stored parts of a group's rules, already parsed.
#[derive(Debug, Clone, Default)]
pub struct GroupRules {
    pub keywords: Vec<Entry>,
    pub regexes: Vec<Entry>,
    pub allow_domains: Vec<String>,
    pub locks: Vec<Lock>,
    /// Modes per rule kind.
    pub modes: Vec<(RuleKind, Mode)>,
    /// Actions per rule kind.
    pub actions: Vec<(RuleKind, Action)>,
    /// Whether the default pack is on.
    pub default_pack: bool,
    /// Flood: messages, seconds (None = off).
    pub flood: Option<(u32, u32)>,
}

impl GroupRules {
    /// Reads a rule file (`groupops check --group-settings`); errors name the entry.
    pub fn from_spec(spec: &RuleSpec) -> Result<GroupRules, String> {
        let entry = |text: &String| -> Entry {
            let words: Vec<&str> = text.split_whitespace().collect();
            // A trailing action (`刷单 ban`, `加微信 mute 1h`) is split off; the rest is the phrase.
            for cut in (1..words.len()).rev() {
                if let Some((action, used)) = Action::parse_words(&words[cut..]) {
                    if cut + used == words.len() {
                        return Entry {
                            pattern: words[..cut].join(" "),
                            action: Some(action),
                        };
                    }
                }
            }
            Entry {
                pattern: text.trim().to_string(),
                action: None,
            }
        };
        let mut rules = GroupRules {
            keywords: spec.keywords.iter().map(entry).collect(),
            regexes: spec
                .regexes
                .iter()
                .map(|p| Entry {
                    pattern: p.clone(),
                    action: None,
                })
                .collect(),
            allow_domains: spec.allow_domains.iter().map(|d| clean_domain(d)).collect(),
            default_pack: spec.default_pack,
            ..GroupRules::default()
        };
        for lock in &spec.locks {
            rules
                .locks
                .push(Lock::parse(lock).ok_or(format!("locks: unknown type `{lock}`"))?);
        }
        for (rule, mode) in &spec.modes {
            let kind = RuleKind::parse(rule).ok_or(format!("modes: unknown rule `{rule}`"))?;
            rules.modes.push((kind, *mode));
        }
        for (rule, action) in &spec.actions {
            let kind = RuleKind::parse(rule).ok_or(format!("actions: unknown rule `{rule}`"))?;
            let action = Action::parse(action)
                .ok_or(format!("actions.{rule}: unknown action `{action}`"))?;
            rules.actions.push((kind, action));
        }
        if spec.flood_count > 0 && spec.flood_seconds > 0 {
            rules.flood = Some((spec.flood_count, spec.flood_seconds));
            let action = Action::parse(&spec.flood_action).ok_or(format!(
                "flood_action: unknown action `{}`",
                spec.flood_action
            ))?;
            rules.actions.push((RuleKind::Flood, action));
        }
        Ok(rules)
    }
}

/// The action each rule kind takes when the group has not chosen one.
pub fn default_action(kind: RuleKind) -> Action {
    match kind {
        RuleKind::Flood => Action::Mute(600),
        RuleKind::FloodGroups => Action::Mute(DEFAULT_MUTE_SECS),
        _ => Action::Escalate,
    }
}

/// Lower-cases a domain and strips a scheme, `www.` and any path.
pub fn clean_domain(text: &str) -> String {
    let text = text.trim().to_ascii_lowercase();
    let text = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(&text);
    let host = text.split(['/', '?', '#', ':']).next().unwrap_or_default();
    host.trim_start_matches("www.")
        .trim_end_matches('.')
        .to_string()
}

/// Whether a text looks like a domain name (`example.com`).
pub fn is_domain(text: &str) -> bool {
    let labels: Vec<&str> = text.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

impl RuleSet {
    /// Compiles a group's rules, with the default pack when it is on. Entries that fail to compile are
    /// skipped (they were checked when added) and returned as warnings.
    pub fn compile(rules: &GroupRules, pack: &Pack, limits: Limits) -> (RuleSet, Vec<String>) {
        let mut warnings = Vec::new();
        let mut phrases = Vec::new();
        let mut keyword_meta = Vec::new();
        let pack_phrases = pack.phrases.iter().filter(|_| rules.default_pack);
        let mine = rules.keywords.iter().map(|e| (e, false));
        let theirs = pack_phrases.map(|p| {
            (
                Entry {
                    pattern: p.clone(),
                    action: None,
                },
                true,
            )
        });
        let all: Vec<(Entry, bool)> = mine.map(|(e, p)| (e.clone(), p)).chain(theirs).collect();
        for (entry, from_pack) in all {
            match check_keyword(&entry.pattern) {
                Ok(squashed) => {
                    phrases.push(squashed);
                    keyword_meta.push(KeywordMeta {
                        phrase: entry.pattern.clone(),
                        action: entry.action,
                        from_pack,
                    });
                }
                Err(err) => warnings.push(format!("keyword `{}`: {err}", entry.pattern)),
            }
        }
        let keywords = if phrases.is_empty() {
            None
        } else {
            match AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&phrases)
            {
                Ok(automaton) => Some(automaton),
                Err(err) => {
                    warnings.push(format!("keywords: {err}"));
                    None
                }
            }
        };
        let mut patterns = Vec::new();
        let mut regex_meta = Vec::new();
        let pack_patterns = pack
            .patterns
            .iter()
            .filter(|_| rules.default_pack)
            .map(|p| (p.clone(), None, true));
        let own = rules
            .regexes
            .iter()
            .map(|e| (e.pattern.clone(), e.action, false));
        for (pattern, action, from_pack) in own.chain(pack_patterns) {
            match check_regex(&pattern, limits) {
                Ok(_) => {
                    patterns.push(pattern.clone());
                    regex_meta.push(RegexMeta {
                        pattern,
                        action,
                        from_pack,
                    });
                }
                Err(err) => warnings.push(format!("regex `{pattern}`: {err}")),
            }
        }
        let mut regexes = Vec::new();
        let (bounded, plain): (Vec<usize>, Vec<usize>) =
            (0..patterns.len()).partition(|i| has_word_boundary(&patterns[*i]));
        for indices in [plain, bounded] {
            if indices.is_empty() {
                continue;
            }
            let size = limits.regex_size.saturating_mul(indices.len());
            let group: Vec<&String> = indices.iter().map(|i| &patterns[*i]).collect();
            match RegexSetBuilder::new(group)
                .case_insensitive(true)
                .size_limit(size)
                .dfa_size_limit(size)
                .build()
            {
                Ok(set) => regexes.push((set, indices)),
                Err(err) => warnings.push(format!("regexes: {err}")),
            }
        }
        let mut modes = [Mode::On; RuleKind::ALL.len()];
        for (kind, mode) in &rules.modes {
            modes[kind.index()] = *mode;
        }
        let mut actions = RuleKind::ALL.map(default_action);
        for (kind, action) in &rules.actions {
            actions[kind.index()] = *action;
        }
        let locks = rules.locks.iter().fold(0u16, |bits, l| bits | l.bit());
        (
            RuleSet {
                keywords,
                keyword_meta,
                regexes,
                regex_meta,
                allow_domains: rules.allow_domains.clone(),
                locks,
                modes,
                actions,
                flood: rules.flood,
            },
            warnings,
        )
    }

    /// The mode of a rule kind.
    pub fn mode(&self, kind: RuleKind) -> Mode {
        self.modes[kind.index()]
    }

    /// The action of a rule kind.
    pub fn action(&self, kind: RuleKind) -> Action {
        self.actions[kind.index()]
    }

    /// Whether a content type is locked for everyone.
    pub fn is_locked(&self, lock: Lock) -> bool {
        self.locks & lock.bit() != 0
    }

    fn hit(
        &self,
        kind: RuleKind,
        rule: impl Into<String>,
        detail: impl Into<String>,
        action: Option<Action>,
    ) -> Option<Hit> {
        let mode = self.mode(kind);
        if mode == Mode::Off {
            return None;
        }
        Some(Hit {
            kind,
            rule: rule.into(),
            detail: detail.into(),
            action: action.unwrap_or(self.action(kind)),
            shadow: mode == Mode::Shadow,
        })
    }

    /// Checks one message. `flood` carries the flood rules' own findings (they need memory across
    /// messages, see [`FloodTracker`]).
    pub fn evaluate(&self, facts: &Facts, flood: &[RuleKind]) -> Verdict {
        let normalized = normalize(facts.text);
        self.evaluate_normalized(facts, &normalized, flood)
    }

    /// Like [`RuleSet::evaluate`] with the text already normalized.
    pub fn evaluate_normalized(
        &self,
        facts: &Facts,
        text: &Normalized,
        flood: &[RuleKind],
    ) -> Verdict {
        let mut hits = Vec::new();
        self.match_keywords(text, &mut hits);
        self.match_regexes(text, &mut hits);
        let strict = facts.newcomer;
        // Links and invite links.
        let links = find_links(facts.urls, &text.folded);
        let mut seen_link = false;
        let mut seen_invite = false;
        for link in &links {
            if link.invite {
                if !seen_invite && (strict || self.is_locked(Lock::Invite)) {
                    seen_invite = true;
                    hits.extend(self.hit(RuleKind::Invite, "invite", link.host.clone(), None));
                }
                continue;
            }
            let allowed = self
                .allow_domains
                .iter()
                .any(|d| link.host == *d || link.host.ends_with(&format!(".{d}")));
            if !allowed && !seen_link && (strict || self.is_locked(Lock::Link)) {
                seen_link = true;
                hits.extend(self.hit(RuleKind::Link, "link", link.host.clone(), None));
            }
        }
        // `/lock contact` removes contact ads (and shared contacts, below) from everyone.
        if strict || self.is_locked(Lock::Contact) {
            if let Some(contact) = find_contact(text) {
                hits.extend(self.hit(RuleKind::Contact, "contact", contact, None));
            }
        }
        if strict {
            let outside = facts
                .unknown_mentions
                .iter()
                .find(|name| looks_like_bot(name))
                .or(facts.chat_mentions.first());
            if let Some(name) = outside {
                hits.extend(self.hit(RuleKind::Mention, "mention", format!("@{name}"), None));
            }
        }
        if facts.foreign_forward && (strict || self.is_locked(Lock::Forward)) {
            hits.extend(self.hit(RuleKind::Forward, "forward", "", None));
        }
        if let Some(media) = facts.media.filter(|m| m.is_media()) {
            if strict || self.is_locked(media) {
                hits.extend(self.hit(
                    RuleKind::Media,
                    format!("lock:{}", media.name()),
                    media.name(),
                    None,
                ));
            }
        }
        for kind in flood {
            hits.extend(self.hit(*kind, kind.name(), "", None));
        }
        Verdict { hits }
    }

    fn match_keywords(&self, text: &Normalized, hits: &mut Vec<Hit>) {
        let Some(automaton) = &self.keywords else {
            return;
        };
        let mut found_own = false;
        let mut found_pack = false;
        for found in automaton.find_overlapping_iter(text.squashed.as_str()) {
            if !text.is_whole_word(found.start(), found.end()) {
                continue;
            }
            let meta = &self.keyword_meta[found.pattern().as_usize()];
            let (kind, seen) = if meta.from_pack {
                (RuleKind::Adpack, &mut found_pack)
            } else {
                (RuleKind::Keyword, &mut found_own)
            };
            if *seen {
                continue;
            }
            *seen = true;
            hits.extend(self.hit(kind, kind.name(), meta.phrase.clone(), meta.action));
            if found_own && found_pack {
                break;
            }
        }
    }

    fn match_regexes(&self, text: &Normalized, hits: &mut Vec<Hit>) {
        let matched = self
            .regexes
            .iter()
            .flat_map(|(set, indices)| set.matches(&text.folded).into_iter().map(|i| indices[i]));
        let mut found_own = false;
        let mut found_pack = false;
        for index in matched {
            let meta = &self.regex_meta[index];
            let (kind, seen) = if meta.from_pack {
                (RuleKind::Adpack, &mut found_pack)
            } else {
                (RuleKind::Regex, &mut found_own)
            };
            if *seen {
                continue;
            }
            *seen = true;
            hits.extend(self.hit(kind, kind.name(), meta.pattern.clone(), meta.action));
        }
        // A pack keyword and a pack regex on the same message make one `adpack` hit.
        let mut seen_pack = false;
        hits.retain(|h| {
            if h.kind != RuleKind::Adpack {
                return true;
            }
            let keep = !seen_pack;
            seen_pack = true;
            keep
        });
    }
}

/// Whether a pattern uses a word boundary (`\b`, `\B`), which keeps the fast regex engines from running
/// on non-ASCII text.
fn has_word_boundary(pattern: &str) -> bool {
    let mut escaped = false;
    for ch in pattern.chars() {
        if escaped && (ch == 'b' || ch == 'B') {
            return true;
        }
        escaped = !escaped && ch == '\\';
    }
    false
}

/// Whether a username is a bot's: Telegram requires bot usernames to end in `bot`.
pub fn looks_like_bot(username: &str) -> bool {
    username.len() >= 5 && username.to_ascii_lowercase().ends_with("bot")
}

static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9_@])@([A-Za-z][A-Za-z0-9_]{4,31})")
        .expect("the mention pattern compiles")
});

/// The @usernames written in a text (without the `@`), as Telegram would mark them, for callers that
/// have no message entities (such as `groupops check`).
pub fn mentions_in(text: &str) -> Vec<String> {
    MENTION
        .captures_iter(text)
        .map(|c| c[1].to_string())
        .collect()
}

/// A link found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The host, lower case, without `www.`.
    pub host: String,
    /// Whether it is a Telegram invite link.
    pub invite: bool,
}

/// Top-level domains that count as a link when written without `http(s)://`.
const BARE_TLDS: &[&str] = &[
    "com", "net", "org", "io", "me", "cc", "xyz", "top", "vip", "info", "biz", "ru", "cn", "co",
    "app", "link", "site", "online", "shop", "club", "live", "pro", "tv", "ly", "gg", "to", "su",
    "ws", "fun", "win", "bet", "cash", "icu", "hk", "tw", "uk", "us", "de", "in", "asia", "store",
    "click",
];

static URL_PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(https?://|tg://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(/[^\s]*)?",
    )
    .expect("the URL pattern compiles")
});

/// Whether a link (host and path, lower case) is a Telegram invite link.
fn invite_path(host: &str, path: &str) -> bool {
    let telegram = matches!(host, "t.me" | "telegram.me" | "telegram.dog");
    telegram
        && (path.starts_with("/+") || path.starts_with("/joinchat") || path.starts_with("/addlist"))
}

/// Finds the links of a message: from entity and button URLs, and bare ones in the (folded) text.
pub fn find_links(urls: &[String], folded: &str) -> Vec<Link> {
    let mut links = Vec::new();
    for url in urls {
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("tg://join") {
            links.push(Link {
                host: "t.me".into(),
                invite: true,
            });
            continue;
        }
        let host = clean_domain(&lower);
        let rest = lower.split_once("://").map(|(_, r)| r).unwrap_or(&lower);
        let path = rest.find('/').map(|at| &rest[at..]).unwrap_or("");
        if host.is_empty() || !host.contains('.') {
            continue;
        }
        links.push(Link {
            invite: invite_path(&host, path),
            host,
        });
    }
    if folded.contains("tg://join") {
        links.push(Link {
            host: "t.me".into(),
            invite: true,
        });
    }
    for found in URL_PATTERN.captures_iter(folded) {
        let scheme = found.get(1).is_some();
        let host = found[2].trim_start_matches("www.").to_string();
        let start = found.get(0).map(|m| m.start()).unwrap_or(0);
        // The character before must not continue a word or an e-mail address.
        let before = folded[..start].chars().next_back();
        if !scheme && before.is_some_and(|c| c == '@' || is_wordy(c) || c == '.') {
            continue;
        }
        let tld = host.rsplit('.').next().unwrap_or_default();
        if !scheme && !BARE_TLDS.contains(&tld) {
            continue;
        }
        let path = found.get(3).map(|m| m.as_str()).unwrap_or("");
        links.push(Link {
            invite: invite_path(&host, path),
            host,
        });
    }
    links
}

static WECHAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(微信|薇信|威信|徽信|维信|v信|微心|vx|wx|weixin|wechat|加v|加微)(号)?([a-z][a-z0-9]{5,19})")
        .expect("the WeChat pattern compiles")
});
static QQ: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(qq群|q群|群号|qq|扣扣|企鹅|球球)(号|号码)?([1-9][0-9]{4,10})")
        .expect("the QQ pattern compiles")
});
static DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9]+").expect("digits"));
static INTERNATIONAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+[0-9][0-9 ()\-]{8,20}[0-9]").expect("the phone pattern compiles")
});

/// Finds a contact ad in a message: a WeChat id, a QQ (group) number or a phone number. Returns what was
/// found.
pub fn find_contact(text: &Normalized) -> Option<String> {
    let squashed = text.squashed.as_str();
    for captures in WECHAT.captures_iter(squashed) {
        let whole = captures.get(0)?;
        let trigger = captures.get(1)?;
        if text.is_whole_word(trigger.start(), trigger.end()) {
            return Some(whole.as_str().to_string());
        }
    }
    for captures in QQ.captures_iter(squashed) {
        let trigger = captures.get(1)?;
        if text.is_whole_word(trigger.start(), trigger.end()) {
            return Some(captures.get(0)?.as_str().to_string());
        }
    }
    for run in DIGITS.find_iter(squashed) {
        let digits = run.as_str();
        let mobile =
            |d: &str| d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9');
        if mobile(digits)
            || (digits.len() == 13 && digits.starts_with("86") && mobile(&digits[2..]))
        {
            return Some(digits.to_string());
        }
    }
    for found in INTERNATIONAL.find_iter(&text.folded) {
        let count = found.as_str().chars().filter(char::is_ascii_digit).count();
        if (10..=15).contains(&count) {
            return Some(found.as_str().to_string());
        }
    }
    None
}

/// Remembers recent messages per member (and per text across groups) to find floods. Bounded: when it
/// holds more than its capacity, the oldest keys are forgotten.
#[derive(Debug, Default)]
pub struct FloodTracker {
    capacity: usize,
    per_member: HashMap<(i64, i64), VecDeque<i64>>,
    per_text: HashMap<(i64, u64), Vec<(i64, i64)>>,
}

impl FloodTracker {
    /// A tracker holding at most `capacity` members and as many texts.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(16),
            ..Self::default()
        }
    }

    /// Records a message of `user` in `chat` at `now` and says whether it is one too many: at least
    /// `count` messages within `seconds`.
    pub fn message(&mut self, chat: i64, user: i64, now: i64, count: u32, seconds: u32) -> bool {
        if self.per_member.len() >= self.capacity && !self.per_member.contains_key(&(chat, user)) {
            let horizon = now - i64::from(seconds).max(60);
            self.per_member
                .retain(|_, times| times.back().is_some_and(|t| *t > horizon));
            if self.per_member.len() >= self.capacity {
                self.per_member.clear();
            }
        }
        let times = self.per_member.entry((chat, user)).or_default();
        times.push_back(now);
        while times
            .front()
            .is_some_and(|t| *t <= now - i64::from(seconds))
        {
            times.pop_front();
        }
        while times.len() > count as usize {
            times.pop_front();
        }
        count > 0 && times.len() >= count as usize
    }

    /// Records that `user` sent a text (its normalized hash) in `chat` at `now`, and says whether the same
    /// text went to at least `groups` different groups within `window` seconds.
    pub fn text(
        &mut self,
        chat: i64,
        user: i64,
        text_hash: u64,
        now: i64,
        groups: usize,
        window: i64,
    ) -> bool {
        if self.per_text.len() >= self.capacity && !self.per_text.contains_key(&(user, text_hash)) {
            self.per_text
                .retain(|_, seen| seen.iter().any(|(_, t)| *t > now - window));
            if self.per_text.len() >= self.capacity {
                self.per_text.clear();
            }
        }
        let seen = self.per_text.entry((user, text_hash)).or_default();
        seen.retain(|(c, t)| *t > now - window && *c != chat);
        seen.push((chat, now));
        groups > 1 && seen.len() >= groups
    }

    /// Forgets a member's recent messages (after acting on them, so one flood is punished once).
    pub fn reset(&mut self, chat: i64, user: i64) {
        self.per_member.remove(&(chat, user));
    }
}

/// The escalation ladder: the action for a member with `live` unexpired violations before this one.
pub fn ladder_step(ladder: &[Action], live: usize) -> Action {
    match ladder.len() {
        0 => Action::Warn,
        len => ladder[live.min(len - 1)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        regex_size: 1 << 20,
    };

    fn rules_with(keywords: &[&str], regexes: &[&str]) -> RuleSet {
        let rules = GroupRules {
            keywords: keywords
                .iter()
                .map(|k| Entry {
                    pattern: k.to_string(),
                    action: None,
                })
                .collect(),
            regexes: regexes
                .iter()
                .map(|k| Entry {
                    pattern: k.to_string(),
                    action: None,
                })
                .collect(),
            ..GroupRules::default()
        };
        let (set, warnings) = RuleSet::compile(&rules, &Pack::default(), LIMITS);
        assert!(warnings.is_empty(), "{warnings:?}");
        set
    }

    fn pack_rules() -> RuleSet {
        let rules = GroupRules {
            default_pack: true,
            ..GroupRules::default()
        };
        let (set, warnings) = RuleSet::compile(&rules, Pack::shipped(), LIMITS);
        assert!(warnings.is_empty(), "{warnings:?}");
        set
    }

    fn check(set: &RuleSet, text: &str, newcomer: bool) -> Vec<String> {
        let facts = Facts {
            text,
            newcomer,
            ..Facts::default()
        };
        set.evaluate(&facts, &[]).rule_ids()
    }

    #[test]
    fn keywords_match_through_evasions_in_three_languages() {
        let set = rules_with(&["加微信", "crypto pump", "заработок"], &[]);
        for text in [
            "快来加微信",
            "加.微.信 领红包",
            "加 微 信",
            "best CRYPTO PUMP today",
            "c r y p t o p u m p",
            "ｃｒｙｐｔｏ　ｐｕｍｐ",
            "Лёгкий ЗАРАБОТОК дома",
            "легкий з а р а б о т о к",
        ] {
            assert_eq!(check(&set, text, false), vec!["keyword"], "{text}");
        }
        for text in ["微信群里聊天", "cryptography pumps", "работа"] {
            assert!(check(&set, text, false).is_empty(), "{text}");
        }
    }

    #[test]
    fn latin_keywords_need_word_boundaries() {
        let set = rules_with(&["earn"], &[]);
        assert!(check(&set, "I learn Rust", false).is_empty());
        assert_eq!(check(&set, "earn now", false), vec!["keyword"]);
        assert_eq!(check(&set, "想earn钱", false), vec!["keyword"]);
    }

    #[test]
    fn regexes_match_folded_text_and_bad_ones_say_why() {
        let set = rules_with(&[], &[r"earn\s*\$?\d+\s*(per|a)\s*day"]);
        assert_eq!(check(&set, "EARN $500 per day!", false), vec!["regex"]);
        assert_eq!(check(&set, "ｅａｒｎ ３００ a day", false), vec!["regex"]);
        assert!(check(&set, "learned a lot today", false).is_empty());
        match check_regex("(unclosed", LIMITS) {
            Err(PatternError::BadRegex(reason)) => assert!(reason.contains("unclosed"), "{reason}"),
            other => panic!("{other:?}"),
        }
        let tiny = Limits { regex_size: 100 };
        assert!(matches!(
            check_regex(r"\w{1000}", tiny),
            Err(PatternError::BadRegex(_))
        ));
    }

    #[test]
    fn regexes_with_and_without_word_boundaries_both_match() {
        assert!(has_word_boundary(r"\bfree\b"));
        assert!(
            !has_word_boundary(r"free\\b"),
            "an escaped backslash before b"
        );
        assert!(!has_word_boundary(r"\d+ bonus"));
        let set = rules_with(&[], &[r"\bfree\s+spins\b", r"bonus\s*\d+"]);
        assert_eq!(check(&set, "免费 free spins 今天", false), vec!["regex"]);
        assert_eq!(check(&set, "get bonus 100", false), vec!["regex"]);
        assert!(check(&set, "carefree spinster", false).is_empty());
    }

    #[test]
    fn links_hit_newcomers_unless_allowlisted_and_everyone_when_locked() {
        let mut rules = GroupRules {
            allow_domains: vec!["github.com".into()],
            ..GroupRules::default()
        };
        let (set, _) = RuleSet::compile(&rules, &Pack::default(), LIMITS);
        assert_eq!(check(&set, "see spam-site.xyz now", true), vec!["link"]);
        assert_eq!(check(&set, "看 https://example.org/x", true), vec!["link"]);
        assert!(check(&set, "https://github.com/rust-lang", true).is_empty());
        assert!(check(&set, "docs.github.com is fine", true).is_empty());
        assert!(
            check(&set, "see spam-site.xyz now", false).is_empty(),
            "established members may post links"
        );
        assert!(check(&set, "my file.txt and e.g. this", true).is_empty());
        assert!(check(&set, "mail me at bob@example.com", true).is_empty());
        rules.locks.push(Lock::Link);
        let (set, _) = RuleSet::compile(&rules, &Pack::default(), LIMITS);
        assert_eq!(check(&set, "see spam-site.xyz now", false), vec!["link"]);
        let urls = vec!["https://t.me/+AbCdEf".to_string()];
        let facts = Facts {
            text: "join",
            urls: &urls,
            newcomer: true,
            ..Facts::default()
        };
        assert_eq!(set.evaluate(&facts, &[]).rule_ids(), vec!["invite"]);
        assert_eq!(check(&set, "t.me/joinchat/AAAA", true), vec!["invite"]);
    }

    #[test]
    fn contact_ads_are_found_through_evasions() {
        for (text, found) in [
            ("加 V：abc123", true),
            ("薇信 abc_12345 联系", true),
            ("vx: hello888", true),
            ("QQ：１２３４５６７８", true),
            ("QQ群 87654321 欢迎", true),
            ("电话 138 0013 8000", true),
            ("call +7 (912) 345-67-89", true),
            ("call me at +44 20 7946 0958", true),
            ("new xylophone shop", false),
            ("我们一共 12 个人，3 点见", false),
            ("微信群里聊天", false),
        ] {
            assert_eq!(find_contact(&normalize(text)).is_some(), found, "{text}");
        }
        let set = rules_with(&[], &[]);
        assert_eq!(check(&set, "加 V：abc123", true), vec!["contact"]);
        assert!(check(&set, "加 V：abc123", false).is_empty());
    }

    #[test]
    fn forwards_media_and_mentions_follow_newcomer_status_and_locks() {
        let rules = GroupRules {
            locks: vec![Lock::Sticker],
            ..GroupRules::default()
        };
        let (set, _) = RuleSet::compile(&rules, &Pack::default(), LIMITS);
        let facts = |media, forward, newcomer| Facts {
            text: "",
            media,
            foreign_forward: forward,
            newcomer,
            ..Facts::default()
        };
        let ids = |f: Facts| set.evaluate(&f, &[]).rule_ids();
        assert_eq!(
            ids(facts(Some(Lock::Photo), false, true)),
            vec!["lock:photo"]
        );
        assert!(ids(facts(Some(Lock::Photo), false, false)).is_empty());
        assert_eq!(
            ids(facts(Some(Lock::Sticker), false, false)),
            vec!["lock:sticker"]
        );
        assert_eq!(ids(facts(None, true, true)), vec!["forward"]);
        assert!(ids(facts(None, true, false)).is_empty());
        let mentions = Facts {
            text: "join @spam_channel",
            unknown_mentions: vec!["spam_channel".into()],
            chat_mentions: vec!["spam_channel".into()],
            newcomer: true,
            ..Facts::default()
        };
        assert_eq!(set.evaluate(&mentions, &[]).rule_ids(), vec!["mention"]);
        let bot = Facts {
            text: "try @free_money_bot",
            unknown_mentions: vec!["free_money_bot".into()],
            newcomer: true,
            ..Facts::default()
        };
        assert_eq!(set.evaluate(&bot, &[]).rule_ids(), vec!["mention"]);
        let quiet_member = Facts {
            text: "ask @quiet_anna",
            unknown_mentions: vec!["quiet_anna".into()],
            newcomer: true,
            ..Facts::default()
        };
        assert!(
            set.evaluate(&quiet_member, &[]).hits.is_empty(),
            "a person nobody heard from yet is not an outside channel or bot"
        );
        assert_eq!(
            mentions_in("hi @Anna_b, see @x and mail@example.com or @spam_bot!"),
            vec!["Anna_b", "spam_bot"]
        );
    }

    #[test]
    fn the_contact_lock_removes_contact_ads_from_everyone() {
        let settled = |set: &RuleSet| {
            set.evaluate(
                &Facts {
                    text: "有事加微信 abc12345",
                    newcomer: false,
                    ..Facts::default()
                },
                &[],
            )
            .rule_ids()
        };
        let (open, _) = RuleSet::compile(&GroupRules::default(), &Pack::default(), LIMITS);
        assert!(
            settled(&open).is_empty(),
            "settled members may share contacts"
        );
        let locked = GroupRules {
            locks: vec![Lock::Contact],
            ..GroupRules::default()
        };
        let (locked, _) = RuleSet::compile(&locked, &Pack::default(), LIMITS);
        assert_eq!(settled(&locked), vec!["contact"]);
    }

    #[test]
    fn modes_and_actions_shape_the_verdict() {
        let rules = GroupRules {
            keywords: vec![Entry {
                pattern: "刷单".into(),
                action: Some(Action::Ban),
            }],
            modes: vec![(RuleKind::Adpack, Mode::Shadow)],
            default_pack: true,
            ..GroupRules::default()
        };
        let (set, _) = RuleSet::compile(&rules, Pack::shipped(), LIMITS);
        let verdict = set.evaluate(
            &Facts {
                text: "兼职刷单日结",
                ..Facts::default()
            },
            &[],
        );
        assert!(verdict.removes());
        let (hit, action) = verdict.decisive(Action::Warn).unwrap();
        assert_eq!((hit.rule.as_str(), action), ("keyword", Action::Ban));
        let verdict = set.evaluate(
            &Facts {
                text: "招聘兼职日结",
                ..Facts::default()
            },
            &[],
        );
        assert_eq!(verdict.rule_ids(), vec!["adpack"]);
        assert!(!verdict.removes(), "shadow hits only record");
        let off = GroupRules {
            modes: vec![(RuleKind::Adpack, Mode::Off)],
            default_pack: true,
            ..GroupRules::default()
        };
        let (set, _) = RuleSet::compile(&off, Pack::shipped(), LIMITS);
        assert!(check(&set, "招聘兼职日结", false).is_empty());
    }

    #[test]
    fn the_default_pack_catches_ads_in_three_languages_and_spares_chat() {
        let set = pack_rules();
        for text in [
            "兼职刷单，日结300",
            "加微信领取博彩彩金",
            "无抵押贷款，秒到账",
            "Earn $500 per day from home, DM me",
            "Crypto pump signals, 100x guaranteed",
            "Заработок в интернете от 5000 рублей в день",
        ] {
            assert_eq!(check(&set, text, false), vec!["adpack"], "{text}");
        }
        for text in [
            "今天天气不错",
            "我们周末去爬山吧",
            "Rust 1.80 is out",
            "Привет, как дела?",
        ] {
            assert!(check(&set, text, false).is_empty(), "{text}");
        }
    }

    #[test]
    fn actions_parse_with_durations() {
        assert_eq!(Action::parse("mute 1h"), Some(Action::Mute(3600)));
        assert_eq!(Action::parse("mute"), Some(Action::Mute(DEFAULT_MUTE_SECS)));
        assert_eq!(Action::parse("ban"), Some(Action::Ban));
        assert_eq!(Action::parse("explode"), None);
        assert_eq!(Action::parse("mute 1h extra"), None);
        assert_eq!(
            Action::parse("mute 10"),
            None,
            "ten seconds would be a mute forever"
        );
        assert_eq!(Action::parse("mute 400d"), None);
        let spec = RuleSpec {
            keywords: vec!["加 微信 mute 1d".into(), "刷单".into()],
            ..RuleSpec::default()
        };
        let rules = GroupRules::from_spec(&spec).unwrap();
        assert_eq!(rules.keywords[0].pattern, "加 微信");
        assert_eq!(rules.keywords[0].action, Some(Action::Mute(86_400)));
        assert_eq!(rules.keywords[1].action, None);
    }

    #[test]
    fn flood_counts_within_the_window_and_across_groups() {
        let mut tracker = FloodTracker::new(100);
        let hits: Vec<bool> = (0..5)
            .map(|i| tracker.message(-1, 7, 100 + i, 5, 10))
            .collect();
        assert_eq!(hits, vec![false, false, false, false, true]);
        tracker.reset(-1, 7);
        let spaced: Vec<bool> = (0..6)
            .map(|i| tracker.message(-1, 7, 200 + i * 5, 5, 10))
            .collect();
        assert!(spaced.iter().all(|h| !h), "two per window is not a flood");
        assert!(!tracker.text(-1, 7, 42, 100, 3, 600));
        assert!(
            !tracker.text(-1, 7, 42, 101, 3, 600),
            "the same group twice is one group"
        );
        assert!(!tracker.text(-2, 7, 42, 102, 3, 600));
        assert!(tracker.text(-3, 7, 42, 103, 3, 600));
        assert!(
            !tracker.text(-4, 7, 42, 2000, 3, 600),
            "old sightings expire"
        );
    }

    #[test]
    fn the_tracker_stays_bounded() {
        let mut tracker = FloodTracker::new(16);
        for user in 0..1000 {
            tracker.message(-1, user, 100, 5, 10);
            tracker.text(-1, user, 1, 100, 3, 600);
        }
        assert!(tracker.per_member.len() <= 16);
        assert!(tracker.per_text.len() <= 16);
    }

    #[test]
    fn the_ladder_climbs_and_stays_on_its_last_step() {
        let ladder = [
            Action::Warn,
            Action::Warn,
            Action::Mute(3600),
            Action::Mute(86_400),
            Action::Ban,
        ];
        let steps: Vec<Action> = (0..7).map(|n| ladder_step(&ladder, n)).collect();
        assert_eq!(
            steps,
            vec![
                Action::Warn,
                Action::Warn,
                Action::Mute(3600),
                Action::Mute(86_400),
                Action::Ban,
                Action::Ban,
                Action::Ban
            ]
        );
    }
}
