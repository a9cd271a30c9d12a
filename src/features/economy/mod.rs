//! The points economy: a double-entry ledger per group, daily sign-in with streaks and grace cards,
//! activity points and levels.
//!
//! The rooms:
//! - [`ledger`]   the only way any feature moves points: accounts, journal, balances (used by red packets
//!   and lotteries too)
//! - [`streak`]   pure sign-in rules: the local day, streaks, grace cards, the reward, the month calendar
//! - [`levels`]   pure level thresholds and titles, and the `/setlevels` parser
//! - [`settings`] the `[economy]` settings
//! - [`store`]    the SQL of sign-ins, grace cards, per-group reset hour and levels
//!
//! The Telegram glue (commands and replies) comes later in this file.

pub mod ledger;
pub mod levels;
pub mod settings;
pub mod store;
pub mod streak;
