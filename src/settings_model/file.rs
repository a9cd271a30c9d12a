//! Settings files: a group's settings written as TOML, and read back into checked values and a diff.
//!
//! The file extends the one `groupops check --group-settings` reads: the moderation settings keep its
//! top-level keys (`default_pack`, `flood_count`, `locks`, the `[modes]` table, …), and the settings of the
//! other features are tables named after their key's first part (`[group]`, `[welcome]`, `[economy]`,
//! `[redpacket]`), which `check` passes over.

use super::{to_toml, Invalid, Spec, Value};
use serde::{Deserialize, Serialize};

/// The tables of a settings file that hold no moderation rules; `groupops check` skips them.
pub const OTHER_TABLES: &[&str] = &["group", "welcome", "economy", "redpacket"];

/// Where a key lives in the file: its table (none for the top level) and its name there.
fn place(key: &str) -> (Option<&str>, &str) {
    match key.split_once('.') {
        Some((table, name)) => (Some(table), name),
        None => (None, key),
    }
}

/// Writes settings as a settings file, in the order given.
pub fn export(values: &[(&Spec, Value)]) -> String {
    let mut root = toml::Table::new();
    for (spec, value) in values {
        let (table, name) = place(spec.key);
        let target = match table {
            None => &mut root,
            Some(table) => root
                .entry(table)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .expect("a table the file made itself"),
        };
        target.insert(name.to_owned(), to_toml(value));
    }
    let body = toml::to_string(&root).unwrap_or_default();
    format!("# groupops group settings\n{body}")
}

/// Why a settings file, or one entry of it, cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The file is not TOML.
    Unreadable(String),
    /// A key the model does not know.
    Unknown(String),
    /// A known key with a value the setting does not accept.
    Invalid(String, Invalid),
}

/// Reads a settings file into checked values, in the order of `specs`. Every problem is listed; a file
/// with any problem gives no values at all.
pub fn read(
    specs: &[&'static Spec],
    text: &str,
) -> Result<Vec<(&'static Spec, Value)>, Vec<Problem>> {
    let root: toml::Table =
        toml::from_str(text).map_err(|err| vec![Problem::Unreadable(err.message().to_owned())])?;
    let mut entries: Vec<(String, &toml::Value)> = Vec::new();
    for (name, value) in &root {
        match value {
            toml::Value::Table(table) => {
                for (inner, value) in table {
                    entries.push((format!("{name}.{inner}"), value));
                }
            }
            value => entries.push((name.clone(), value)),
        }
    }
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for (key, value) in entries {
        match specs.iter().find(|spec| spec.key == key) {
            None => problems.push(Problem::Unknown(key)),
            Some(spec) => match spec.from_toml(value) {
                Ok(value) => found.push((*spec, value)),
                Err(why) => problems.push(Problem::Invalid(key, why)),
            },
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    found.sort_by_key(|(spec, _)| specs.iter().position(|s| s.key == spec.key));
    Ok(found)
}

/// One setting an import changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The setting's key.
    pub key: String,
    /// Its value now.
    pub old: Value,
    /// Its value after the import.
    pub new: Value,
}

/// The settings whose value differs between `current` and `incoming`, in `incoming`'s order. Settings the
/// file does not name are left as they are.
pub fn diff(current: &[(&Spec, Value)], incoming: &[(&Spec, Value)]) -> Vec<Change> {
    incoming
        .iter()
        .filter_map(|(spec, new)| {
            let old = current
                .iter()
                .find(|(s, _)| s.key == spec.key)
                .map(|(_, v)| v.clone())?;
            (old != *new).then(|| Change {
                key: spec.key.to_owned(),
                old,
                new: new.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings_model::{Kind, Section};
    use crate::telegram::admins::Right;

    static SPECS: [Spec; 5] = [
        Spec {
            key: "default_pack",
            section: Section::Moderation,
            kind: Kind::Bool,
            right: Right::Delete,
            default: |_| Value::Bool(true),
            refine: crate::settings_model::any_value,
        },
        Spec {
            key: "locks",
            section: Section::Locks,
            kind: Kind::Set(&["photo", "link"]),
            right: Right::Delete,
            default: |_| Value::List(vec![]),
            refine: crate::settings_model::any_value,
        },
        Spec {
            key: "modes.link",
            section: Section::Moderation,
            kind: Kind::Choice(&["on", "off", "shadow"]),
            right: Right::Delete,
            default: |_| Value::Text("on".into()),
            refine: crate::settings_model::any_value,
        },
        Spec {
            key: "group.language",
            section: Section::Group,
            kind: Kind::Choice(&["zh-CN", "en"]),
            right: Right::ChangeInfo,
            default: |_| Value::Text("zh-CN".into()),
            refine: crate::settings_model::any_value,
        },
        Spec {
            key: "welcome.captcha_timeout",
            section: Section::Gate,
            kind: Kind::Duration { min: 15, max: 600 },
            right: Right::Restrict,
            default: |_| Value::Int(120),
            refine: crate::settings_model::any_value,
        },
    ];

    fn specs() -> Vec<&'static Spec> {
        SPECS.iter().collect()
    }

    fn values() -> Vec<(&'static Spec, Value)> {
        vec![
            (&SPECS[0], Value::Bool(false)),
            (&SPECS[1], Value::List(vec!["link".into()])),
            (&SPECS[2], Value::Text("shadow".into())),
            (&SPECS[3], Value::Text("en".into())),
            (&SPECS[4], Value::Int(90)),
        ]
    }

    #[test]
    fn an_exported_file_reads_back_to_the_same_values() {
        let text = export(&values());
        assert_eq!(read(&specs(), &text).unwrap(), values());
    }

    #[test]
    fn an_exported_file_is_still_a_file_check_reads() {
        let text = export(&values());
        let mut root: toml::Table = toml::from_str(&text).unwrap();
        root.retain(|name, _| !OTHER_TABLES.iter().any(|table| **table == *name));
        let spec: crate::features::moderation::rules::RuleSpec =
            toml::from_str(&toml::to_string(&root).unwrap()).unwrap();
        assert!(!spec.default_pack);
        assert_eq!(spec.locks, ["link"]);
        assert_eq!(
            spec.modes.get("link"),
            Some(&crate::features::moderation::rules::Mode::Shadow)
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_all_listed_and_nothing_is_read() {
        let text =
            "default_pack = \"sometimes\"\nkeywords = [\"x\"]\n[welcome]\ncaptcha_timeout = 5\n";
        let problems = read(&specs(), text).unwrap_err();
        assert_eq!(problems.len(), 3);
        assert!(problems.contains(&Problem::Unknown("keywords".into())));
        assert!(problems.contains(&Problem::Invalid("default_pack".into(), Invalid::NotBool)));
        assert!(problems.contains(&Problem::Invalid(
            "welcome.captcha_timeout".into(),
            Invalid::DurationOutOfRange { min: 15, max: 600 }
        )));
        assert!(matches!(
            read(&specs(), "= nonsense").unwrap_err()[..],
            [Problem::Unreadable(_)]
        ));
    }

    #[test]
    fn the_diff_names_only_what_changes() {
        let current = values();
        let incoming = read(
            &specs(),
            "default_pack = true\n[group]\nlanguage = \"en\"\n",
        )
        .unwrap();
        assert_eq!(
            diff(&current, &incoming),
            [Change {
                key: "default_pack".into(),
                old: Value::Bool(false),
                new: Value::Bool(true),
            }]
        );
    }
}
