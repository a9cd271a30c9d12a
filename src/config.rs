//! Typed settings. They come from `config/groupops.toml` (or the file named by `--config`), then from
//! `GROUPOPS_*` environment variables, and are checked once at start-up: an unknown key or a bad value stops
//! the bot with a message that names the key. The bot token is never read from a file (see [`token_from_env`]).
//!
//! Environment overrides: `GROUPOPS_API_URL` (= `telegram.api_url`), `GROUPOPS_DATABASE_URL`
//! (= `storage.database_url`) and `GROUPOPS_<SECTION>__<KEY>` for any setting, e.g.
//! `GROUPOPS_LIMITS__PER_GROUP="1000/1m"`.

use crate::error::{Error, Result};
pub use crate::units::{Dur, Rate};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the bot looks for its settings when `--config` is not given.
pub const DEFAULT_CONFIG_PATH: &str = "config/groupops.toml";

/// The environment variable that carries the bot token.
pub const TOKEN_ENV: &str = "GROUPOPS_TOKEN";

/// All settings of one bot instance.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// How the bot reaches the Bot API.
    pub telegram: TelegramSettings,
    /// The SQLite database.
    pub storage: StorageSettings,
    /// How updates are spread over the shard tasks.
    pub routing: RoutingSettings,
    /// Telegram's sending limits, as the outbound queue keeps them.
    pub limits: LimitSettings,
    /// The cache of each group's administrators.
    pub admins: AdminSettings,
    /// The batched writer of message/join/leave activity.
    pub activity: ActivitySettings,
    /// Languages and wording files.
    pub i18n: I18nSettings,
    /// The periodic check of stored deadlines (captcha timeouts, packet expiry, draws).
    pub timers: TimerSettings,
    /// Graceful shutdown.
    pub shutdown: ShutdownSettings,
    /// How long the bot's short answers to members' commands stay in a group.
    pub replies: ReplySettings,
    /// Red packets: limits, expiry, edit pacing.
    pub redpacket: crate::features::redpacket::settings::RedpacketSettings,
    /// The points economy: ledger limits, sign-in, activity points.
    pub economy: crate::features::economy::settings::EconomySettings,
    /// Lotteries: sizes, draw horizon, announcement edits, default time zone.
    pub lottery: crate::features::lottery::settings::LotterySettings,
    /// Welcome, entry gate, rules and anti-raid.
    pub welcome: crate::features::welcome::settings::WelcomeSettings,
    /// The rules engine that removes ad posters.
    pub moderation: crate::features::moderation::settings::ModerationSettings,
    /// Referral and channel links: when a referral counts, its reward, how long a posted link stays.
    pub referral: crate::features::referral::settings::ReferralSettings,
    /// Scheduled posts: how late a one-time post may still go out, how many a group may have.
    pub schedule: crate::features::schedule::settings::ScheduleSettings,
}

/// `[telegram]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramSettings {
    /// The Bot API base URL. Tests and local Bot API servers point this elsewhere.
    pub api_url: String,
    /// How long one `getUpdates` long poll waits for updates.
    pub poll_timeout: Dur,
    /// How long to wait before polling again after a failed `getUpdates`.
    pub poll_retry: Dur,
    /// How much longer than `poll_timeout` a `getUpdates` may take before it is given up and asked again.
    pub poll_grace: Dur,
    /// Whether to register the command menu with `setMyCommands` at start-up.
    pub register_commands: bool,
    /// How long the oldest update in flight may hold the `getUpdates` offset back, once an answer holds
    /// 100 updates all in flight, before the updates in flight are written to the durable queue so polling
    /// goes on.
    pub durable_queue_after: Dur,
}

impl Default for TelegramSettings {
    fn default() -> Self {
        Self {
            api_url: "https://api.telegram.org".into(),
            poll_timeout: Dur::secs(30),
            poll_retry: Dur::secs(2),
            poll_grace: Dur::secs(15),
            register_commands: true,
            durable_queue_after: Dur::secs(1),
        }
    }
}

/// `[storage]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// A sqlx SQLite URL. The file and its folder are created on first start.
    pub database_url: String,
    /// Connections in the read pool (the write pool always has exactly one).
    pub read_connections: u32,
    /// How long a statement waits for a lock before failing.
    pub busy_timeout: Dur,
    /// SQLite's `synchronous` mode: `normal` (the default: a power loss may lose the last commits, never
    /// corrupt the file) or `full` (every commit is on disk before it returns, at some cost in speed).
    pub synchronous: SyncMode,
    /// When to back up the database by itself: a cron expression (`0 4 * * *` is 04:00 UTC daily), or
    /// empty for never.
    pub backup_schedule: String,
    /// The folder the scheduled backups are written to.
    pub backup_dir: String,
    /// How many scheduled backups to keep; older ones are deleted after each new one.
    pub backup_keep: u32,
    /// How long the data of a group that removed the bot is kept before it is deleted.
    pub inactive_retention: Dur,
    /// The most units of work (the writes of one update) the writer commits in one transaction.
    pub commit_batch: usize,
    /// How long the writer waits for more units of work when fewer than `commit_batch` are waiting;
    /// `0s` commits what is waiting at once.
    pub commit_wait: Dur,
}

/// SQLite's `synchronous` setting, as `storage.synchronous` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Commits are durable once the WAL is synced at checkpoints: a power cut may lose the last
    /// second of commits, but never corrupts the database.
    Normal,
    /// Every commit syncs the WAL before it returns.
    Full,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/groupops.db?mode=rwc".into(),
            read_connections: 4,
            busy_timeout: Dur::secs(5),
            synchronous: SyncMode::Normal,
            backup_schedule: String::new(),
            backup_dir: "data/backups".into(),
            backup_keep: 7,
            inactive_retention: Dur::secs(90 * 86_400),
            commit_batch: 256,
            commit_wait: Dur::secs(0),
        }
    }
}

/// `[routing]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingSettings {
    /// Number of long-lived shard tasks; each chat always lands on the same shard.
    pub shards: usize,
    /// Updates received but not yet handled, over all shards. When reached, polling waits.
    pub max_pending: usize,
    /// Updates of one chat waiting or in progress. Beyond it that chat's further updates are dropped and
    /// counted, so one flooded group can never take every pending slot and pause polling for all groups.
    pub max_pending_per_chat: usize,
}

impl Default for RoutingSettings {
    fn default() -> Self {
        Self {
            shards: 128,
            max_pending: 10_000,
            max_pending_per_chat: 1_000,
        }
    }
}

/// `[limits]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Sends and edits to one chat.
    pub per_chat: Rate,
    /// Sends and edits to one group (negative chat id).
    pub per_group: Rate,
    /// Sends and edits over all chats.
    pub global: Rate,
    /// Requests to Telegram in flight at once.
    pub concurrency: usize,
    /// How many times one request is retried after a 429 before it is given up.
    pub max_retries: u32,
    /// Largest `retry_after` obeyed; longer waits are clamped to this.
    pub max_retry_after: Dur,
    /// Extra time added to every window, so a send that reaches Telegram a little later than it left still
    /// falls outside the window Telegram counts for the oldest send.
    pub window_margin: Dur,
    /// Sends and edits that may wait for one chat's budget; further ones are refused and counted (a gate
    /// question or moderation notice then takes the place of the newest waiting send of lower priority).
    pub max_queued_per_chat: usize,
    /// The share of each group's budget (`per_group`) kept for gate questions and moderation notices:
    /// replies, games and bulk sends use at most the rest.
    pub priority_share: f64,
    /// Immediate requests (deletes, bans, restricts, button answers) waiting or on the wire; further ones
    /// are refused and counted.
    pub max_immediate_pending: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            per_chat: Rate {
                count: 1,
                window: Duration::from_secs(1),
            },
            per_group: Rate {
                count: 20,
                window: Duration::from_secs(60),
            },
            global: Rate {
                count: 30,
                window: Duration::from_secs(1),
            },
            concurrency: 32,
            max_retries: 5,
            max_retry_after: Dur::secs(300),
            window_margin: Dur::millis(100),
            max_queued_per_chat: 200,
            priority_share: 0.25,
            max_immediate_pending: 20_000,
        }
    }
}

/// `[admins]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSettings {
    /// How long a group's administrator list is trusted before it is fetched again.
    pub cache_ttl: Dur,
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self {
            cache_ttl: Dur::secs(600),
        }
    }
}

/// `[activity]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActivitySettings {
    /// The writer flushes at least this often.
    pub flush_interval: Dur,
    /// The writer flushes as soon as this many events are waiting.
    pub flush_events: usize,
    /// The most events one flush takes: when more wait (a backlog), the writer takes up to this many at
    /// once, so a backlog is written in larger transactions, which cost less per event.
    pub max_batch_events: usize,
    /// Events that may wait in the channel; beyond it events are dropped and counted.
    pub channel_capacity: usize,
    /// Raw activity older than this is deleted by the daily clean-up.
    pub retention: Dur,
}

impl Default for ActivitySettings {
    fn default() -> Self {
        Self {
            flush_interval: Dur::millis(100),
            flush_events: 1000,
            max_batch_events: 16000,
            channel_capacity: 65_536,
            retention: Dur::secs(180 * 86_400),
        }
    }
}

/// `[i18n]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct I18nSettings {
    /// Language of a new group when the adding admin's language is not supported: `zh-CN` or `en`.
    pub default_language: String,
    /// Folder with operator overrides of the wording (`<dir>/<lang>/*.ftl`); missing folder = shipped wording.
    pub locales_dir: PathBuf,
}

impl Default for I18nSettings {
    fn default() -> Self {
        Self {
            default_language: "zh-CN".into(),
            locales_dir: PathBuf::from("config/locales"),
        }
    }
}

/// `[timers]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimerSettings {
    /// How often stored deadlines are checked. Deadlines live in the database, so they survive restarts.
    pub tick: Dur,
    /// The most timed items (see `crate::scheduler`) one ticker pass claims and runs.
    pub batch: u32,
    /// How long a worker's claim on a timed item holds; after that another worker may take it over.
    pub lease: Dur,
}

impl Default for TimerSettings {
    fn default() -> Self {
        Self {
            tick: Dur::secs(1),
            batch: 100,
            lease: Dur::secs(300),
        }
    }
}

/// `[shutdown]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShutdownSettings {
    /// How long shutdown waits for queued messages to go out before giving up on them.
    pub drain_timeout: Dur,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self {
            drain_timeout: Dur::secs(10),
        }
    }
}

/// `[replies]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplySettings {
    /// How long the bot's answers to members' commands (profiles, rankings, usage, refusals, wrong
    /// answers) stay in a group before they are deleted, together with the command when the bot may
    /// delete it. Zero keeps them.
    pub ttl: Dur,
    /// How long a short note in a group stays, such as "sent you privately" after an admin command was
    /// answered in private. Zero keeps them.
    pub note_ttl: Dur,
    /// An answer to a member's `/me`, `/rank`, `/ledger` or `/checkin month` longer than this many lines
    /// goes to the member in private when they have started the bot there, with a short note in the
    /// group. Zero keeps every answer in the group.
    pub private_over_lines: usize,
}

impl Default for ReplySettings {
    fn default() -> Self {
        Self {
            ttl: Dur::secs(180),
            note_ttl: Dur::secs(30),
            private_over_lines: 8,
        }
    }
}

/// The longest time a reply may be kept before it is deleted: Telegram deletes messages younger than
/// 48 hours only, and an hour is left for the queue to catch up.
pub const MAX_REPLY_TTL_SECS: u64 = 47 * 3600;

impl Config {
    /// Reads the settings: `path` if given (it must exist), else [`DEFAULT_CONFIG_PATH`] when present,
    /// else the built-in defaults; then applies `GROUPOPS_*` overrides from `env`, then checks values.
    pub fn load(path: Option<&Path>, env: &BTreeMap<String, String>) -> Result<Config> {
        let text = match path {
            Some(path) => std::fs::read_to_string(path).map_err(|err| {
                Error::Config(format!("cannot read config file {}: {err}", path.display()))
            })?,
            None => match std::fs::read_to_string(DEFAULT_CONFIG_PATH) {
                Ok(text) => text,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(err) => {
                    return Err(Error::Config(format!(
                        "cannot read {DEFAULT_CONFIG_PATH}: {err}"
                    )))
                }
            },
        };
        Self::from_toml(&text, env)
    }

    /// Parses settings from TOML text plus environment overrides.
    pub fn from_toml(text: &str, env: &BTreeMap<String, String>) -> Result<Config> {
        let mut table: toml::Table = text
            .parse()
            .map_err(|err: toml::de::Error| Error::Config(err.to_string()))?;
        let overrides = apply_env(&mut table, env)?;
        let config: Config = loop {
            match serde_path_to_error::deserialize(toml::Value::Table(table.clone())) {
                Ok(config) => break config,
                Err(err) => {
                    // An environment value that reads as a number, boolean, date or array may be meant as
                    // text (a string setting given `123`): the setting is tried again with the raw text.
                    let path = err.path().to_string();
                    let retry = overrides.iter().find(|o| o.path.join(".") == path);
                    match retry {
                        Some(o)
                            if !matches!(
                                value_at(&table, &o.path),
                                Some(toml::Value::String(_))
                            ) =>
                        {
                            insert_at(
                                &mut table,
                                &o.path,
                                toml::Value::String(o.raw.clone()),
                                &o.name,
                            )?;
                        }
                        _ => return Err(Error::Config(format!("`{path}`: {}", err.inner()))),
                    }
                }
            }
        };
        config.validate()?;
        Ok(config)
    }

    /// The process environment as a sorted map (what [`Config::load`] expects). A `GROUPOPS_*` variable
    /// that is not UTF-8 is an error that names it; any other variable that is not UTF-8 is left out.
    pub fn process_env() -> Result<BTreeMap<String, String>> {
        let mut env = BTreeMap::new();
        for (key, value) in std::env::vars_os() {
            let Some(key) = key.to_str().map(str::to_owned) else {
                continue;
            };
            match value.into_string() {
                Ok(value) => {
                    env.insert(key, value);
                }
                Err(_) if key.starts_with("GROUPOPS_") => {
                    return Err(Error::Config(format!(
                        "the environment variable {key} is not valid UTF-8"
                    )));
                }
                // Variables that are not ours are not read; one that is not UTF-8 is left out.
                Err(_) => {}
            }
        }
        Ok(env)
    }

    fn validate(&self) -> Result<()> {
        let bad = |key: &str, why: &str| Err(Error::Config(format!("`{key}`: {why}")));
        if url::Url::parse(&self.telegram.api_url).is_err() {
            return bad("telegram.api_url", "not a URL");
        }
        if !self.storage.database_url.starts_with("sqlite:") {
            return bad("storage.database_url", "must be a sqlite: URL");
        }
        if self.storage.read_connections == 0 {
            return bad("storage.read_connections", "must be at least 1");
        }
        if self.storage.commit_batch == 0 {
            return bad("storage.commit_batch", "must be at least 1");
        }
        if self.storage.commit_wait.get() > std::time::Duration::from_secs(1) {
            return bad("storage.commit_wait", "must be at most 1s");
        }
        if !self.storage.backup_schedule.trim().is_empty() {
            if let Err(err) = crate::units::parse_schedule(&self.storage.backup_schedule) {
                return bad("storage.backup_schedule", &err);
            }
        }
        if self.storage.backup_keep == 0 {
            return bad("storage.backup_keep", "must be at least 1");
        }
        if self.routing.shards == 0 || self.routing.shards > 4096 {
            return bad("routing.shards", "must be between 1 and 4096");
        }
        if self.routing.max_pending < self.routing.shards {
            return bad("routing.max_pending", "must be at least routing.shards");
        }
        if self.routing.max_pending_per_chat == 0 {
            return bad("routing.max_pending_per_chat", "must be at least 1");
        }
        if self.limits.concurrency == 0 {
            return bad("limits.concurrency", "must be at least 1");
        }
        if !(0.0..=0.9).contains(&self.limits.priority_share) {
            return bad("limits.priority_share", "must be between 0 and 0.9");
        }
        if self.limits.max_queued_per_chat == 0 || self.limits.max_immediate_pending == 0 {
            return bad(
                "limits.max_queued_per_chat",
                "max_queued_per_chat and max_immediate_pending must be at least 1",
            );
        }
        if self.activity.flush_events == 0 || self.activity.channel_capacity == 0 {
            return bad(
                "activity.flush_events",
                "flush_events and channel_capacity must be at least 1",
            );
        }
        if self.activity.max_batch_events < self.activity.flush_events {
            return bad(
                "activity.max_batch_events",
                "must be at least activity.flush_events",
            );
        }
        if self.timers.tick.get().is_zero() {
            return bad("timers.tick", "must be longer than zero");
        }
        if self.timers.batch == 0 || self.timers.batch > 10_000 {
            return bad("timers.batch", "must be between 1 and 10000");
        }
        if self.timers.lease.get() < std::time::Duration::from_secs(10) {
            return bad("timers.lease", "must be at least 10s");
        }
        if self.replies.ttl.get().as_secs() > MAX_REPLY_TTL_SECS
            || self.replies.note_ttl.get().as_secs() > MAX_REPLY_TTL_SECS
        {
            return bad(
                "replies.ttl",
                "ttl and note_ttl must be at most 47h (Telegram deletes messages younger than 48h only)",
            );
        }
        self.economy.validate().map_err(Error::Config)?;
        self.lottery.validate().map_err(Error::Config)?;
        if crate::i18n::Lang::parse(&self.i18n.default_language).is_none() {
            return bad("i18n.default_language", "must be zh-CN or en");
        }
        self.redpacket.validate()?;
        self.welcome.validate().map_err(Error::Config)?;
        self.moderation.validate().map_err(Error::Config)?;
        self.referral.validate()?;
        self.schedule.validate().map_err(Error::Config)?;
        Ok(())
    }
}

/// Reads the bot token from the environment; an empty or missing token is [`Error::MissingToken`].
pub fn token_from_env(env: &BTreeMap<String, String>) -> Result<String> {
    match env.get(TOKEN_ENV) {
        Some(token) if !token.trim().is_empty() => Ok(token.trim().to_string()),
        _ => Err(Error::MissingToken),
    }
}

/// Environment variables with the `GROUPOPS_` prefix that are not settings.
const NON_SETTING_ENV: &[&str] = &["GROUPOPS_TOKEN", "GROUPOPS_CONFIG"];

/// One `GROUPOPS_*` setting taken from the environment.
struct EnvOverride {
    /// The variable's name.
    name: String,
    /// The setting's keys, section first.
    path: Vec<String>,
    /// The value as written.
    raw: String,
}

/// Writes the environment's settings into `table`, each read as a TOML value when it is one (see
/// [`env_value`]); returns what it wrote, so a setting that fails its type can be tried again as text.
fn apply_env(table: &mut toml::Table, env: &BTreeMap<String, String>) -> Result<Vec<EnvOverride>> {
    let mut applied = Vec::new();
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix("GROUPOPS_") else {
            continue;
        };
        if NON_SETTING_ENV.contains(&name.as_str()) {
            continue;
        }
        let path: Vec<String> = match rest {
            "API_URL" => vec!["telegram".into(), "api_url".into()],
            "DATABASE_URL" => vec!["storage".into(), "database_url".into()],
            _ if rest.contains("__") => rest.split("__").map(|part| part.to_ascii_lowercase()).collect(),
            _ => {
                return Err(Error::Config(format!(
                    "unknown environment setting `{name}`; nested settings are written GROUPOPS_<SECTION>__<KEY>"
                )))
            }
        };
        insert_at(table, &path, env_value(raw), name)?;
        applied.push(EnvOverride {
            name: name.clone(),
            path,
            raw: raw.clone(),
        });
    }
    Ok(applied)
}

/// Sets the value at `path` (section keys, then the setting), creating sections as needed.
fn insert_at(
    table: &mut toml::Table,
    path: &[String],
    value: toml::Value,
    name: &str,
) -> Result<()> {
    let mut node = table;
    for key in &path[..path.len() - 1] {
        let entry = node
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(Default::default()));
        node = match entry {
            toml::Value::Table(inner) => inner,
            _ => return Err(Error::Config(format!("`{name}`: `{key}` is not a section"))),
        };
    }
    node.insert(path[path.len() - 1].clone(), value);
    Ok(())
}

/// The value at `path`, if there is one.
fn value_at<'a>(table: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (last, sections) = path.split_last()?;
    let mut node = table;
    for key in sections {
        node = node.get(key)?.as_table()?;
    }
    node.get(last)
}

/// An environment value is read as a TOML value when it is one (numbers, booleans, arrays), else as a string.
/// A string setting whose value happens to read as something else is tried again as text by
/// [`Config::from_toml`].
fn env_value(raw: &str) -> toml::Value {
    let probe = format!("v = {raw}");
    match probe.parse::<toml::Table>() {
        Ok(mut table) => table
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_valid() {
        let config = Config::from_toml("", &env(&[])).unwrap();
        assert_eq!(
            config.limits.per_group,
            Rate {
                count: 20,
                window: Duration::from_secs(60)
            }
        );
        assert_eq!(
            config.storage.database_url,
            "sqlite://data/groupops.db?mode=rwc"
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Config::from_toml("[limits]\nper_groop = \"1/1s\"\n", &env(&[])).unwrap_err();
        assert!(err.to_string().contains("per_groop"), "{err}");
        let err = Config::from_toml("[nonsense]\n", &env(&[])).unwrap_err();
        assert!(err.to_string().contains("nonsense"), "{err}");
    }

    #[test]
    fn bad_value_is_named() {
        let err = Config::from_toml("[limits]\nper_group = \"fast\"\n", &env(&[])).unwrap_err();
        assert!(err.to_string().contains("limits.per_group"), "{err}");
        let err = Config::from_toml(
            "[activity]\nflush_events = 500\nmax_batch_events = 100\n",
            &env(&[]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("activity.max_batch_events"),
            "{err}"
        );
        let err = Config::from_toml("[routing]\nshards = 0\n", &env(&[])).unwrap_err();
        assert!(err.to_string().contains("routing.shards"), "{err}");
        let err = Config::from_toml("[admins]\ncache_ttl = \"soon\"\n", &env(&[])).unwrap_err();
        assert!(err.to_string().contains("admins.cache_ttl"), "{err}");
    }

    #[test]
    fn environment_overrides() {
        let config = Config::from_toml(
            "[routing]\nshards = 8\n",
            &env(&[
                ("GROUPOPS_API_URL", "http://127.0.0.1:9/"),
                ("GROUPOPS_DATABASE_URL", "sqlite://x.db"),
                ("GROUPOPS_LIMITS__PER_GROUP", "1000/1m"),
                ("GROUPOPS_ROUTING__SHARDS", "16"),
                ("GROUPOPS_TOKEN", "secret"),
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(config.telegram.api_url, "http://127.0.0.1:9/");
        assert_eq!(config.storage.database_url, "sqlite://x.db");
        assert_eq!(config.limits.per_group.count, 1000);
        assert_eq!(config.routing.shards, 16);
    }

    #[test]
    fn a_string_setting_takes_any_text_from_the_environment() {
        for raw in ["123", "true", "1979-05-27", "[1, 2]", "3.5"] {
            let config = Config::from_toml(
                "",
                &env(&[
                    ("GROUPOPS_I18N__LOCALES_DIR", raw),
                    ("GROUPOPS_ROUTING__SHARDS", "16"),
                ]),
            )
            .unwrap_or_else(|err| panic!("{raw}: {err}"));
            assert_eq!(config.i18n.locales_dir, PathBuf::from(raw));
            assert_eq!(config.routing.shards, 16, "numbers still read as numbers");
        }
        // The same text in the settings file is a type error, as TOML says it is a number.
        let err = Config::from_toml("[i18n]\nlocales_dir = 123\n", &env(&[])).unwrap_err();
        assert!(err.to_string().contains("i18n.locales_dir"), "{err}");
    }

    #[test]
    fn a_bad_environment_value_is_still_named() {
        let err = Config::from_toml("", &env(&[("GROUPOPS_ROUTING__SHARDS", "many")])).unwrap_err();
        assert!(err.to_string().contains("routing.shards"), "{err}");
        let err = Config::from_toml("", &env(&[("GROUPOPS_TELEGRAM__REGISTER_COMMANDS", "7")]))
            .unwrap_err();
        assert!(
            err.to_string().contains("telegram.register_commands"),
            "{err}"
        );
    }

    #[test]
    fn unknown_environment_setting_is_named() {
        let err = Config::from_toml("", &env(&[("GROUPOPS_ROUTING__SHARDZ", "3")])).unwrap_err();
        assert!(err.to_string().contains("shardz"), "{err}");
        let err = Config::from_toml("", &env(&[("GROUPOPS_SHARDS", "3")])).unwrap_err();
        assert!(err.to_string().contains("GROUPOPS_SHARDS"), "{err}");
    }

    #[test]
    fn token_comes_only_from_env() {
        assert!(matches!(
            token_from_env(&env(&[])),
            Err(Error::MissingToken)
        ));
        assert!(matches!(
            token_from_env(&env(&[("GROUPOPS_TOKEN", " ")])),
            Err(Error::MissingToken)
        ));
        assert_eq!(
            token_from_env(&env(&[("GROUPOPS_TOKEN", "1:abc")])).unwrap(),
            "1:abc"
        );
        let err = Config::from_toml("[telegram]\ntoken = \"x\"\n", &env(&[])).unwrap_err();
        assert!(err.to_string().contains("token"), "{err}");
    }

    #[test]
    fn durations_and_rates_parse() {
        let config = Config::from_toml(
            "[activity]\nflush_interval = \"250ms\"\n[limits]\nglobal = \"5/2s\"\n",
            &env(&[]),
        )
        .unwrap();
        assert_eq!(config.activity.flush_interval, Dur::millis(250));
        assert_eq!(
            config.limits.global,
            Rate {
                count: 5,
                window: Duration::from_secs(2)
            }
        );
    }
}

#[cfg(test)]
mod shipped_file_tests {
    use super::*;

    /// The shipped settings file must parse and must say exactly what the built-in defaults are.
    #[test]
    fn shipped_file_matches_the_defaults() {
        let text = include_str!("../config/groupops.toml");
        let from_file = Config::from_toml(text, &BTreeMap::new()).unwrap();
        let defaults = Config::from_toml("", &BTreeMap::new()).unwrap();
        assert_eq!(format!("{from_file:?}"), format!("{defaults:?}"));
    }
}
