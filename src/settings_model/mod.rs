//! One description of every per-group setting: its key, its kind (and so its type, range or choices), its
//! default, the admin right that changes it, and its wording id. The features describe their own settings
//! with these types and read and write them through their own stores (see `features::SETTING_SOURCES`);
//! the `/settings` menu and settings files read, check and show them through this module only.
//!
//! Everything here is plain data and pure functions: no Telegram types, no SQL, no clock. A value coming
//! from a button, a typed answer or a settings file is checked by [`parse_input`], [`check`] or
//! [`from_toml`], which all end in the same checks, so a setting accepts the same values wherever it is
//! changed from.

pub mod file;

use crate::config::Config;
use crate::telegram::admins::Right;
use serde::{Deserialize, Serialize};

/// A setting's value, as the model hands it between the features, the menu and files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    /// A switch.
    Bool(bool),
    /// A whole number, or a duration in seconds.
    Int(i64),
    /// A text, a choice or a time zone name. An empty text means "the shipped default".
    Text(String),
    /// Several choices at once, in the order of the setting's choices.
    List(Vec<String>),
}

/// What kind of value a setting holds, with its allowed range or choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// On or off.
    Bool,
    /// A whole number from `min` to `max`, both included.
    Number { min: i64, max: i64 },
    /// One of the given choices.
    Choice(&'static [&'static str]),
    /// Any number of the given choices (an empty set is allowed).
    Set(&'static [&'static str]),
    /// A duration in seconds from `min` to `max`, typed like `30m` or `1天`.
    Duration { min: i64, max: i64 },
    /// A text of at most `max_chars` characters; empty means the shipped default.
    Text { max_chars: usize },
    /// An IANA time zone name, or an offset such as `UTC+8` (stored by its zone name).
    TimeZone,
}

/// The sections the menu groups settings into, in menu order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Language, time zone, day start.
    Group,
    /// Welcome, goodbye and rules.
    Welcome,
    /// The entry check and anti-raid.
    Gate,
    /// The moderation rules' modes, the ad pack and flood.
    Moderation,
    /// Locked content types.
    Locks,
    /// Who may claim red packets; the levels.
    Packets,
}

impl Section {
    /// Every section, in menu order.
    pub const ALL: [Section; 6] = [
        Section::Group,
        Section::Welcome,
        Section::Gate,
        Section::Moderation,
        Section::Locks,
        Section::Packets,
    ];

    /// The section's name in callback data and wording ids.
    pub fn name(self) -> &'static str {
        match self {
            Section::Group => "group",
            Section::Welcome => "welcome",
            Section::Gate => "gate",
            Section::Moderation => "moderation",
            Section::Locks => "locks",
            Section::Packets => "packets",
        }
    }

    /// The wording id of the section's title.
    pub fn label(self) -> String {
        format!("settings-section-{}", self.name())
    }
}

/// One per-group setting, described once.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The setting's key, also its place in a settings file: `group.language` is `language` in the
    /// `[group]` table, a key without a dot (`default_pack`) is at the top of the file.
    pub key: &'static str,
    /// Where the menu shows it.
    pub section: Section,
    /// Its type and allowed values.
    pub kind: Kind,
    /// The admin right needed to change it.
    pub right: Right,
    /// Its value in a group that never changed it, from the instance's settings.
    pub default: fn(&Config) -> Value,
    /// A further check the owning feature makes after the kind's (a welcome's placeholders, for
    /// example); [`any_value`] for none.
    pub refine: fn(&Value) -> Result<(), Invalid>,
}

/// The further check of a setting that needs none.
pub fn any_value(_: &Value) -> Result<(), Invalid> {
    Ok(())
}

impl Spec {
    /// The wording id of the setting's name (`settings-key-welcome-captcha` for `welcome.captcha`).
    pub fn label(&self) -> String {
        format!("settings-key-{}", wording_part(self.key))
    }

    /// Reads what an admin typed for this setting: [`parse_input`], then the setting's own check.
    pub fn parse_input(&self, text: &str) -> Result<Value, Invalid> {
        let value = parse_input(self.kind, text)?;
        (self.refine)(&value)?;
        Ok(value)
    }

    /// Checks a value for this setting: [`check`], then the setting's own check.
    pub fn check(&self, value: Value) -> Result<Value, Invalid> {
        let value = check(self.kind, value)?;
        (self.refine)(&value)?;
        Ok(value)
    }

    /// Reads this setting's value from a settings file: [`from_toml`], then the setting's own check.
    pub fn from_toml(&self, value: &toml::Value) -> Result<Value, Invalid> {
        let value = from_toml(self.kind, value)?;
        (self.refine)(&value)?;
        Ok(value)
    }
}

/// Two descriptions are the same setting when their keys are the same.
impl PartialEq for Spec {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Spec {}

/// The wording id of one of a setting's choices (`settings-choice-mute-10m` for `mute 10m`).
pub fn choice_label(choice: &str) -> String {
    format!("settings-choice-{}", wording_part(choice))
}

fn wording_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Why a value was refused. Each has its own wording (`settings-invalid-…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// Not on or off.
    NotBool,
    /// Not a whole number.
    NotNumber,
    /// A number outside its range.
    OutOfRange { min: i64, max: i64 },
    /// Not one of the choices.
    NotAChoice(&'static [&'static str]),
    /// Not a duration such as `30m`.
    BadDuration,
    /// A duration outside its range (seconds).
    DurationOutOfRange { min: i64, max: i64 },
    /// A text longer than allowed.
    TooLong { max: usize },
    /// Not a time zone.
    UnknownZone,
    /// Refused by the owning feature's own check; the wording id says why.
    Refused(&'static str),
}

impl Invalid {
    /// The wording id of the refusal.
    pub fn wording(&self) -> &'static str {
        match self {
            Invalid::NotBool => "settings-invalid-bool",
            Invalid::NotNumber => "settings-invalid-number",
            Invalid::OutOfRange { .. } => "settings-invalid-range",
            Invalid::NotAChoice(_) => "settings-invalid-choice",
            Invalid::BadDuration => "settings-invalid-duration",
            Invalid::DurationOutOfRange { .. } => "settings-invalid-duration-range",
            Invalid::TooLong { .. } => "settings-invalid-too-long",
            Invalid::UnknownZone => "settings-invalid-zone",
            Invalid::Refused(wording) => wording,
        }
    }
}

/// Reads what an admin typed for a setting of `kind`.
pub fn parse_input(kind: Kind, text: &str) -> Result<Value, Invalid> {
    let trimmed = text.trim();
    match kind {
        Kind::Bool => match trimmed.to_lowercase().as_str() {
            "on" | "true" | "yes" | "1" | "开" | "开启" | "是" => Ok(Value::Bool(true)),
            "off" | "false" | "no" | "0" | "关" | "关闭" | "否" => Ok(Value::Bool(false)),
            _ => Err(Invalid::NotBool),
        },
        Kind::Number { .. } => match trimmed.parse::<i64>() {
            Ok(n) => check(kind, Value::Int(n)),
            Err(_) => Err(Invalid::NotNumber),
        },
        Kind::Choice(_) => check(kind, Value::Text(trimmed.to_owned())),
        Kind::Set(_) => check(
            kind,
            Value::List(
                trimmed
                    .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
        ),
        Kind::Duration { .. } => match crate::args::parse_duration(trimmed) {
            Ok(duration) => check(kind, Value::Int(duration.as_secs() as i64)),
            Err(_) => Err(Invalid::BadDuration),
        },
        Kind::Text { .. } => check(kind, Value::Text(text.trim().to_owned())),
        Kind::TimeZone => check(kind, Value::Text(trimmed.to_owned())),
    }
}

/// Checks a value for a setting of `kind` and returns it in its one stored spelling (a choice as the
/// setting names it, a set in the setting's order without repeats, a time zone by its IANA name).
pub fn check(kind: Kind, value: Value) -> Result<Value, Invalid> {
    match (kind, value) {
        (Kind::Bool, Value::Bool(on)) => Ok(Value::Bool(on)),
        (Kind::Bool, _) => Err(Invalid::NotBool),
        (Kind::Number { min, max }, Value::Int(n)) => {
            if (min..=max).contains(&n) {
                Ok(Value::Int(n))
            } else {
                Err(Invalid::OutOfRange { min, max })
            }
        }
        (Kind::Number { .. }, _) => Err(Invalid::NotNumber),
        (Kind::Duration { min, max }, Value::Int(secs)) => {
            if (min..=max).contains(&secs) {
                Ok(Value::Int(secs))
            } else {
                Err(Invalid::DurationOutOfRange { min, max })
            }
        }
        (Kind::Duration { .. }, Value::Text(text)) => parse_input(kind, &text),
        (Kind::Duration { .. }, _) => Err(Invalid::BadDuration),
        (Kind::Choice(choices), Value::Text(text)) => choices
            .iter()
            .find(|c| c.eq_ignore_ascii_case(text.trim()))
            .map(|c| Value::Text((*c).to_owned()))
            .ok_or(Invalid::NotAChoice(choices)),
        (Kind::Choice(choices), _) => Err(Invalid::NotAChoice(choices)),
        (Kind::Set(choices), Value::List(items)) => {
            let mut wanted = Vec::new();
            for item in &items {
                let found = choices
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(item.trim()))
                    .ok_or(Invalid::NotAChoice(choices))?;
                wanted.push(*found);
            }
            Ok(Value::List(
                choices
                    .iter()
                    .filter(|c| wanted.contains(c))
                    .map(|c| (*c).to_owned())
                    .collect(),
            ))
        }
        (Kind::Set(choices), _) => Err(Invalid::NotAChoice(choices)),
        (Kind::Text { max_chars }, Value::Text(text)) => {
            if text.chars().count() > max_chars {
                Err(Invalid::TooLong { max: max_chars })
            } else {
                Ok(Value::Text(text))
            }
        }
        (Kind::Text { max_chars }, _) => Err(Invalid::TooLong { max: max_chars }),
        (Kind::TimeZone, Value::Text(text)) => crate::facts::zones::resolve(&text)
            .map(|zone| Value::Text(zone.name().to_owned()))
            .ok_or(Invalid::UnknownZone),
        (Kind::TimeZone, _) => Err(Invalid::UnknownZone),
    }
}

/// The value a button press makes: a switch flips, a choice is taken, a set gains or loses the choice.
/// `None` when the press does not fit the setting (a stale or forged button).
pub fn press(kind: Kind, current: &Value, choice: usize) -> Option<Value> {
    match (kind, current) {
        (Kind::Bool, Value::Bool(on)) => Some(Value::Bool(!on)),
        (Kind::Choice(choices), _) => choices.get(choice).map(|c| Value::Text((*c).to_owned())),
        (Kind::Set(choices), Value::List(items)) => {
            let pressed = *choices.get(choice)?;
            let mut items: Vec<String> = items.clone();
            if let Some(at) = items.iter().position(|i| i == pressed) {
                items.remove(at);
            } else {
                items.push(pressed.to_owned());
            }
            check(kind, Value::List(items)).ok()
        }
        _ => None,
    }
}

/// Reads a value for a setting of `kind` from a settings file: switches as booleans, numbers and
/// durations as integers (durations in seconds, or as text such as `"10m"`), choices, texts and time
/// zones as strings, sets as arrays of strings.
pub fn from_toml(kind: Kind, value: &toml::Value) -> Result<Value, Invalid> {
    let value = match value {
        toml::Value::Boolean(on) => Value::Bool(*on),
        toml::Value::Integer(n) => Value::Int(*n),
        toml::Value::String(text) => Value::Text(text.clone()),
        toml::Value::Array(items) => Value::List(
            items
                .iter()
                .map(|item| match item {
                    toml::Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        other => Value::Text(other.to_string()),
    };
    check(kind, value)
}

/// A value as written in a settings file.
pub fn to_toml(value: &Value) -> toml::Value {
    match value {
        Value::Bool(on) => toml::Value::Boolean(*on),
        Value::Int(n) => toml::Value::Integer(*n),
        Value::Text(text) => toml::Value::String(text.clone()),
        Value::List(items) => {
            toml::Value::Array(items.iter().cloned().map(toml::Value::String).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPTCHA: Kind = Kind::Choice(&["off", "button", "math", "quiz"]);
    const LOCKS: Kind = Kind::Set(&["photo", "video", "link"]);

    #[test]
    fn switches_accept_both_languages_and_refuse_anything_else() {
        assert_eq!(parse_input(Kind::Bool, "on"), Ok(Value::Bool(true)));
        assert_eq!(parse_input(Kind::Bool, " 关 "), Ok(Value::Bool(false)));
        assert_eq!(parse_input(Kind::Bool, "maybe"), Err(Invalid::NotBool));
        assert_eq!(check(Kind::Bool, Value::Int(1)), Err(Invalid::NotBool));
    }

    #[test]
    fn numbers_keep_to_their_range() {
        let hour = Kind::Number { min: 0, max: 23 };
        assert_eq!(parse_input(hour, "0"), Ok(Value::Int(0)));
        assert_eq!(parse_input(hour, "23"), Ok(Value::Int(23)));
        assert_eq!(
            parse_input(hour, "24"),
            Err(Invalid::OutOfRange { min: 0, max: 23 })
        );
        assert_eq!(
            parse_input(hour, "-1"),
            Err(Invalid::OutOfRange { min: 0, max: 23 })
        );
        assert_eq!(parse_input(hour, "five"), Err(Invalid::NotNumber));
    }

    #[test]
    fn choices_are_taken_in_their_own_spelling_only() {
        assert_eq!(parse_input(CAPTCHA, "Math"), Ok(Value::Text("math".into())));
        assert_eq!(
            parse_input(CAPTCHA, "slider"),
            Err(Invalid::NotAChoice(&["off", "button", "math", "quiz"]))
        );
        assert!(check(CAPTCHA, Value::Bool(true)).is_err());
    }

    #[test]
    fn sets_keep_the_settings_order_and_refuse_strangers() {
        assert_eq!(
            parse_input(LOCKS, "link, photo link"),
            Ok(Value::List(vec!["photo".into(), "link".into()]))
        );
        assert_eq!(parse_input(LOCKS, ""), Ok(Value::List(vec![])));
        assert!(parse_input(LOCKS, "photo sticker").is_err());
    }

    #[test]
    fn durations_are_typed_in_units_and_kept_to_their_range() {
        let timeout = Kind::Duration { min: 15, max: 600 };
        assert_eq!(parse_input(timeout, "2m"), Ok(Value::Int(120)));
        assert_eq!(parse_input(timeout, "90s"), Ok(Value::Int(90)));
        assert_eq!(
            parse_input(timeout, "1天"),
            Err(Invalid::DurationOutOfRange { min: 15, max: 600 })
        );
        assert_eq!(parse_input(timeout, "soon"), Err(Invalid::BadDuration));
        assert_eq!(
            from_toml(timeout, &toml::Value::String("5m".into())),
            Ok(Value::Int(300))
        );
    }

    #[test]
    fn texts_keep_to_their_length_counted_in_characters() {
        let text = Kind::Text { max_chars: 3 };
        assert_eq!(
            parse_input(text, "欢迎你"),
            Ok(Value::Text("欢迎你".into()))
        );
        assert_eq!(
            parse_input(text, "欢迎你们"),
            Err(Invalid::TooLong { max: 3 })
        );
        assert_eq!(parse_input(text, "  "), Ok(Value::Text(String::new())));
    }

    #[test]
    fn time_zones_are_stored_by_their_name() {
        assert_eq!(
            parse_input(Kind::TimeZone, "Asia/Shanghai"),
            Ok(Value::Text("Asia/Shanghai".into()))
        );
        assert_eq!(
            parse_input(Kind::TimeZone, "Mars/Olympus"),
            Err(Invalid::UnknownZone)
        );
    }

    #[test]
    fn presses_flip_take_and_toggle() {
        assert_eq!(
            press(Kind::Bool, &Value::Bool(true), 0),
            Some(Value::Bool(false))
        );
        assert_eq!(
            press(CAPTCHA, &Value::Text("off".into()), 2),
            Some(Value::Text("math".into()))
        );
        assert_eq!(press(CAPTCHA, &Value::Text("off".into()), 9), None);
        let locked = press(LOCKS, &Value::List(vec!["link".into()]), 0).unwrap();
        assert_eq!(locked, Value::List(vec!["photo".into(), "link".into()]));
        assert_eq!(
            press(LOCKS, &locked, 2),
            Some(Value::List(vec!["photo".into()]))
        );
    }

    #[test]
    fn wording_ids_are_made_from_keys_and_choices() {
        let spec = Spec {
            key: "welcome.captcha_timeout",
            section: Section::Gate,
            kind: Kind::Bool,
            right: Right::ChangeInfo,
            default: |_| Value::Bool(true),
            refine: any_value,
        };
        assert_eq!(spec.label(), "settings-key-welcome-captcha-timeout");
        assert_eq!(choice_label("mute 10m"), "settings-choice-mute-10m");
    }
}
