//! The units settings are written in: durations (`500ms`, `30s`, `10m`, `2h`, `3d`) and rates
//! (`count/window`, e.g. `20/1m`). A leaf module, so that the crate's settings and every feature's settings
//! read them without importing each other.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::time::Duration;

/// A duration written as in commands: `30s`, `10m`, `3d`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Dur(pub Duration);

impl Dur {
    /// Whole seconds.
    pub const fn secs(secs: u64) -> Self {
        Dur(Duration::from_secs(secs))
    }
    /// Milliseconds.
    pub const fn millis(ms: u64) -> Self {
        Dur(Duration::from_millis(ms))
    }
    /// The wrapped duration.
    pub fn get(self) -> Duration {
        self.0
    }
}

impl fmt::Debug for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.subsec_millis() != 0 {
            write!(f, "{}ms", self.0.as_millis())
        } else {
            f.write_str(&crate::args::format_duration(self.0))
        }
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_dur(&text).map_err(serde::de::Error::custom)
    }
}

fn parse_dur(text: &str) -> std::result::Result<Dur, String> {
    let text = text.trim();
    if let Some(ms) = text.strip_suffix("ms") {
        if let Ok(ms) = ms.trim().parse::<u64>() {
            return Ok(Dur::millis(ms));
        }
    }
    crate::args::parse_duration(text)
        .map(Dur)
        .map_err(|_| format!("`{text}` is not a duration; write it like 500ms, 30s, 10m, 2h or 3d"))
}

/// A rate limit written `count/window`, e.g. `20/1m` or `30/1s`: at most `count` in any `window`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// How many are allowed in one window.
    pub count: u32,
    /// The length of the sliding window.
    pub window: Duration,
}

impl fmt::Debug for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:?}", self.count, Dur(self.window))
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bad = || {
            serde::de::Error::custom(format!(
                "`{text}` is not a rate; write it as count/window, like 20/1m or 30/1s"
            ))
        };
        let (count, window) = text.split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        let window = parse_dur(window).map_err(|_| bad())?.0;
        if count == 0 || window.is_zero() {
            return Err(bad());
        }
        Ok(Rate { count, window })
    }
}

/// Reads a schedule setting written as a cron expression (five fields, UTC, e.g. `0 4 * * *`), or says
/// why it can't.
pub fn parse_schedule(text: &str) -> Result<croner::Cron, String> {
    use std::str::FromStr;
    croner::Cron::from_str(text.trim()).map_err(|err| format!("not a cron expression ({err})"))
}
