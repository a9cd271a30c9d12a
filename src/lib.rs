//! groupops: a self-hosted Telegram bot that runs community groups.
//!
//! The map of the modules:
//! - [`config`]   typed settings from `config/groupops.toml` and `GROUPOPS_*` environment variables
//! - [`error`]    the crate error type, and the text a caught panic carried
//! - [`units`]    the units settings are written in: durations and rates
//! - [`clock`]    the one reader of the wall clock (tests move it forward)
//! - [`args`]     shared argument parsing: targets, durations (`30m`, `1天`), amounts, quoted words
//! - [`i18n`]     Fluent wording by group language (zh-CN, en)
//! - [`fairness`] commit-reveal seeds, the deterministic stream, uniform(n) and shuffle shared by games
//! - [`storage`]  SQLite pools and pragmas, migrations, shared group/member records, the activity writer,
//!   the records of handled updates
//! - [`telegram`] the edge: polling that confirms only handled updates, shard routing, the outbound queue with its priorities and typed verbs,
//!   the admin cache, command declarations, text helpers
//! - [`facts`]    facts several features need: a group's time zone and day, a member's level, zone names
//! - [`services`] what every handler receives (settings, database, wording, queues, caches), `Call` (the one
//!   way commands answer) and `permit` (who may use a command)
//! - [`settings_model`] every per-group setting described once (key, kind, default, right, wording), the
//!   checks every change passes, and settings files (export, import, diff)
//! - [`ops`]      what an operator runs beside the bot: the database lock, backups and restore, forgetting a
//!   member, `doctor`
//! - [`scheduler`] the one scheduler: timed items stored with their due time, claimed and run once each
//! - [`app`]      builds everything once and runs it (polling, shards, dispatch, ticker, shutdown)
//! - [`features`] what members, moderators and owners use, one folder per capability (see
//!   `docs/architecture.md` for the rooms inside a folder)

pub mod app;
pub mod args;
pub mod clock;
pub mod config;
pub mod error;
pub mod facts;
pub mod fairness;
pub mod features;
pub mod i18n;
pub mod ops;
pub mod scheduler;
pub mod services;
pub mod settings_model;
pub mod storage;
pub mod telegram;
pub mod units;

pub use error::{Error, Result};
