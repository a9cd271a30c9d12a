//! Night mode's pure core: reading `/nightmode HH:MM-HH:MM mute|media`, whether a local time is inside the
//! night, when the next switch (start or end) comes in the group's time zone, and the permissions a night
//! sets. Nothing here reads the clock or talks to Telegram.

use chrono::{Duration, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;
use teloxide::types::ChatPermissions;

/// What the night closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nobody may send anything.
    Mute,
    /// Text only: no media, and the link lock is on (permissions cannot forbid links).
    Media,
}

impl Mode {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Mute => "mute",
            Mode::Media => "media",
        }
    }

    /// The mode with a stored or typed name (`mute`/`禁言`, `media`/`媒体`).
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim().to_lowercase().as_str() {
            "mute" | "禁言" | "全员禁言" => Some(Mode::Mute),
            "media" | "媒体" | "禁媒体" => Some(Mode::Media),
            _ => None,
        }
    }
}

/// A nightly window, in minutes after local midnight; it runs over midnight when it ends before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When the night starts.
    pub start: u16,
    /// When it ends.
    pub end: u16,
}

impl Window {
    /// Whether a local time (minutes after midnight) is inside the night.
    pub fn contains(self, minute: u16) -> bool {
        if self.start < self.end {
            (self.start..self.end).contains(&minute)
        } else {
            minute >= self.start || minute < self.end
        }
    }

    /// `22:00–07:00`.
    pub fn text(self) -> String {
        format!("{}–{}", clock(self.start), clock(self.end))
    }
}

/// Minutes after midnight as `HH:MM`.
pub fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// What `/nightmode` was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Show the current setting.
    Show,
    /// Turn night mode off.
    Off,
    /// Set a window and a mode.
    Set(Window, Mode),
}

/// Why `/nightmode`'s arguments were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NightError {
    /// Not `HH:MM-HH:MM mute|media`.
    Shape,
    /// A time that is not `HH:MM`.
    BadTime(String),
    /// A night that starts when it ends.
    Empty,
    /// A mode other than mute or media.
    BadMode(String),
}

/// Reads `/nightmode`'s arguments.
pub fn parse(args: &str) -> Result<Request, NightError> {
    let text: String = args
        .trim()
        .chars()
        .map(|c| match c {
            '：' => ':',
            '－' | '—' | '–' | '~' | '～' | '至' | '到' => '-',
            other => other,
        })
        .collect();
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [] => Ok(Request::Show),
        [off] if matches!(off.to_lowercase().as_str(), "off" | "关" | "关闭") => {
            Ok(Request::Off)
        }
        [range, mode] => {
            let (start, end) = range.split_once('-').ok_or(NightError::Shape)?;
            let start = minute_of(start)?;
            let end = minute_of(end)?;
            if start == end {
                return Err(NightError::Empty);
            }
            let mode = Mode::parse(mode).ok_or_else(|| NightError::BadMode(mode.to_string()))?;
            Ok(Request::Set(Window { start, end }, mode))
        }
        _ => Err(NightError::Shape),
    }
}

fn minute_of(text: &str) -> Result<u16, NightError> {
    let time = NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| NightError::BadTime(text.trim().to_string()))?;
    Ok((time.hour() * 60 + time.minute()) as u16)
}

/// The local minute of the day at `at` in `tz`.
pub fn local_minute(tz: Tz, at: i64) -> u16 {
    tz.timestamp_opt(at, 0)
        .single()
        .map_or(0, |time| (time.hour() * 60 + time.minute()) as u16)
}

/// The first instant after `now` at which the night starts or ends, in `tz`. A switch in a skipped hour
/// happens at the first valid minute after it; one in a doubled hour at its first occurrence.
pub fn next_switch(window: Window, tz: Tz, now: i64) -> i64 {
    let today = tz
        .timestamp_opt(now, 0)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default();
    (-1..=2)
        .flat_map(|days| {
            [window.start, window.end].map(|minute| {
                let date = today + Duration::days(days);
                let naive = date.and_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)?;
                crate::facts::zones::local_instant(tz, naive)
            })
        })
        .flatten()
        .filter(|at| *at > now)
        .min()
        .unwrap_or(now + 86_400)
}

/// Every permission a member can have to send something other than text.
const MEDIA: ChatPermissions = ChatPermissions::SEND_AUDIOS
    .union(ChatPermissions::SEND_DOCUMENTS)
    .union(ChatPermissions::SEND_PHOTOS)
    .union(ChatPermissions::SEND_VIDEOS)
    .union(ChatPermissions::SEND_VIDEO_NOTES)
    .union(ChatPermissions::SEND_VOICE_NOTES)
    .union(ChatPermissions::SEND_POLLS)
    .union(ChatPermissions::SEND_OTHER_MESSAGES)
    .union(ChatPermissions::ADD_WEB_PAGE_PREVIEWS);

/// The chat's default permissions during the night, from those before it: `mute` takes every right to
/// send (the rest — inviting, changing info, pinning, topics — stays as it was); `media` takes only the
/// rights to send anything but text.
pub fn night_permissions(mode: Mode, before: &ChatPermissions) -> ChatPermissions {
    let sending = MEDIA.union(ChatPermissions::SEND_MESSAGES);
    match mode {
        Mode::Mute => before.clone().difference(sending),
        Mode::Media => before.clone().difference(MEDIA),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_read_and_bad_input_named() {
        assert_eq!(parse(""), Ok(Request::Show));
        assert_eq!(parse("off"), Ok(Request::Off));
        assert_eq!(
            parse("22:00-07:30 mute"),
            Ok(Request::Set(
                Window {
                    start: 1_320,
                    end: 450
                },
                Mode::Mute
            ))
        );
        assert_eq!(
            parse("23：00至06：00 媒体"),
            Ok(Request::Set(
                Window {
                    start: 1_380,
                    end: 360
                },
                Mode::Media
            ))
        );
        assert_eq!(
            parse("25:00-07:00 mute"),
            Err(NightError::BadTime("25:00".into()))
        );
        assert_eq!(parse("22:00-22:00 mute"), Err(NightError::Empty));
        assert_eq!(
            parse("22:00-07:00 loud"),
            Err(NightError::BadMode("loud".into()))
        );
        assert_eq!(parse("tonight"), Err(NightError::Shape));
    }

    #[test]
    fn a_night_over_midnight_contains_both_sides() {
        let night = Window {
            start: 22 * 60,
            end: 7 * 60,
        };
        assert!(night.contains(23 * 60));
        assert!(night.contains(0));
        assert!(night.contains(6 * 60 + 59));
        assert!(!night.contains(7 * 60));
        assert!(!night.contains(12 * 60));
        let afternoon = Window {
            start: 13 * 60,
            end: 14 * 60,
        };
        assert!(afternoon.contains(13 * 60 + 30) && !afternoon.contains(14 * 60));
    }

    #[test]
    fn the_next_switch_is_the_nearest_start_or_end_in_the_zone() {
        let tz = Tz::Asia__Shanghai;
        let night = Window {
            start: 22 * 60,
            end: 7 * 60,
        };
        let noon = tz
            .with_ymd_and_hms(2026, 12, 5, 12, 0, 0)
            .unwrap()
            .timestamp();
        let start = tz
            .with_ymd_and_hms(2026, 12, 5, 22, 0, 0)
            .unwrap()
            .timestamp();
        let end = tz
            .with_ymd_and_hms(2026, 12, 6, 7, 0, 0)
            .unwrap()
            .timestamp();
        assert_eq!(next_switch(night, tz, noon), start);
        assert_eq!(next_switch(night, tz, start), end);
        // Berlin, 28 March 2027: a night ending at 02:30 ends at 03:00, the first valid minute.
        let berlin = Tz::Europe__Berlin;
        let short = Window {
            start: 60,
            end: 150,
        };
        let one = berlin
            .with_ymd_and_hms(2027, 3, 28, 1, 0, 0)
            .unwrap()
            .timestamp();
        let three = berlin
            .with_ymd_and_hms(2027, 3, 28, 3, 0, 0)
            .unwrap()
            .timestamp();
        assert_eq!(next_switch(short, berlin, one), three);
    }

    #[test]
    fn a_night_takes_only_the_rights_its_mode_names_and_keeps_the_others() {
        let before = ChatPermissions::SEND_MESSAGES
            | ChatPermissions::SEND_PHOTOS
            | ChatPermissions::INVITE_USERS
            | ChatPermissions::SEND_POLLS;
        assert_eq!(
            night_permissions(Mode::Mute, &before),
            ChatPermissions::INVITE_USERS
        );
        assert_eq!(
            night_permissions(Mode::Media, &before),
            ChatPermissions::SEND_MESSAGES | ChatPermissions::INVITE_USERS
        );
    }
}
