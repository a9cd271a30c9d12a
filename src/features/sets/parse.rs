//! The pure core of `/set`: reading its verbs and arguments, and which names a set may have.

use crate::settings_model::Section;

/// The longest set name, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// One `/set` command, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetCommand {
    /// `/set` alone or `/set help`: the usage.
    Help,
    /// `/set new <name>`.
    New(String),
    /// `/set add <name>`, sent in the group to add.
    Add(String),
    /// `/set remove <name> [group id]`: the group it is sent in, or the one named in private.
    Remove(String, Option<i64>),
    /// `/set delete <name>`.
    Delete(String),
    /// `/set list`.
    List,
    /// `/set show <name>`.
    Show(String),
    /// `/set sharebans <name> on|off`.
    ShareBans(String, bool),
    /// `/set allow <name> <@user or id>`: shared bans of the set never reach the user.
    Allow(String, String),
    /// `/set apply <template group id> <name> [sections]`: copy settings from the template to the set.
    Apply {
        /// The group copied from.
        template: i64,
        /// The set.
        name: String,
        /// The sections to copy; all when empty.
        sections: Vec<Section>,
    },
    /// `/set revert <copy id>`.
    Revert(i64),
    /// `/set manager add|remove <name> <@user or id>`.
    Manager {
        /// Whether the user becomes a manager (or stops being one).
        add: bool,
        /// The set.
        name: String,
        /// The user as written: `@username` or a numeric id.
        user: String,
    },
}

/// Why a `/set` command could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Unknown verb or missing arguments: the usage is the answer.
    Usage,
    /// The set name is not one a set may have.
    BadName(String),
    /// The group id is not a group's id (groups have negative ids).
    BadGroup(String),
    /// Not a section of the settings.
    BadSection(String),
}

/// Whether `name` may name a set: 1 to [`MAX_NAME_CHARS`] characters without spaces or control
/// characters, not starting with `@` and not a number (so it is never mistaken for a user or a group).
pub fn valid_name(name: &str) -> bool {
    let count = name.chars().count();
    (1..=MAX_NAME_CHARS).contains(&count)
        && !name.chars().any(|c| c.is_whitespace() || c.is_control())
        && !name.starts_with('@')
        && name.parse::<i64>().is_err()
}

fn name(word: Option<&str>) -> Result<String, ParseError> {
    match word {
        None => Err(ParseError::Usage),
        Some(word) if valid_name(word) => Ok(word.to_string()),
        Some(word) => Err(ParseError::BadName(word.to_string())),
    }
}

/// The Chinese names of the settings' sections, in [`Section::ALL`] order.
const CHINESE_SECTIONS: [&str; 6] = ["基本", "欢迎", "入群", "管理", "锁定", "红包"];

/// A section of the settings by its English or Chinese name.
fn section(word: &str) -> Option<Section> {
    let lower = word.to_lowercase();
    Section::ALL
        .into_iter()
        .zip(CHINESE_SECTIONS)
        .find(|(section, chinese)| section.name() == lower || *chinese == word)
        .map(|(section, _)| section)
}

/// Reads the arguments of `/set`.
pub fn parse(args: &str) -> Result<SetCommand, ParseError> {
    let mut words = args.split_whitespace();
    let verb = words.next().map(str::to_lowercase);
    let command = match verb.as_deref() {
        None | Some("help") => SetCommand::Help,
        Some("new") => SetCommand::New(name(words.next())?),
        Some("add") => SetCommand::Add(name(words.next())?),
        Some("remove") => {
            let set = name(words.next())?;
            let group = match words.next() {
                None => None,
                Some(word) => match word.parse::<i64>() {
                    Ok(id) if id < 0 => Some(id),
                    _ => return Err(ParseError::BadGroup(word.to_string())),
                },
            };
            SetCommand::Remove(set, group)
        }
        Some("delete") => SetCommand::Delete(name(words.next())?),
        Some("list") => SetCommand::List,
        Some("show") => SetCommand::Show(name(words.next())?),
        Some("sharebans") => {
            let set = name(words.next())?;
            let on = match words.next().map(str::to_lowercase).as_deref() {
                Some("on") => true,
                Some("off") => false,
                _ => return Err(ParseError::Usage),
            };
            SetCommand::ShareBans(set, on)
        }
        Some("allow") => {
            let set = name(words.next())?;
            let user = words.next().ok_or(ParseError::Usage)?.to_string();
            SetCommand::Allow(set, user)
        }
        Some("apply") => {
            let word = words.next().ok_or(ParseError::Usage)?;
            let template = match word.parse::<i64>() {
                Ok(id) if id < 0 => id,
                _ => return Err(ParseError::BadGroup(word.to_string())),
            };
            let name = name(words.next())?;
            let mut sections = Vec::new();
            for word in words.by_ref() {
                match section(word) {
                    Some(section) if !sections.contains(&section) => sections.push(section),
                    Some(_) => {}
                    None => return Err(ParseError::BadSection(word.to_string())),
                }
            }
            SetCommand::Apply {
                template,
                name,
                sections,
            }
        }
        Some("revert") => {
            let word = words.next().ok_or(ParseError::Usage)?;
            match word.trim_start_matches('#').parse::<i64>() {
                Ok(id) if id > 0 => SetCommand::Revert(id),
                _ => return Err(ParseError::Usage),
            }
        }
        Some("manager") => {
            let add = match words.next().map(str::to_lowercase).as_deref() {
                Some("add") => true,
                Some("remove") => false,
                _ => return Err(ParseError::Usage),
            };
            let name = name(words.next())?;
            let user = words.next().ok_or(ParseError::Usage)?.to_string();
            SetCommand::Manager { add, name, user }
        }
        Some(_) => return Err(ParseError::Usage),
    };
    if words.next().is_some() {
        return Err(ParseError::Usage);
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_and_chinese_names_are_read() {
        assert_eq!(parse(""), Ok(SetCommand::Help));
        assert_eq!(
            parse("new 北京会员群"),
            Ok(SetCommand::New("北京会员群".into()))
        );
        assert_eq!(parse("ADD 课程群"), Ok(SetCommand::Add("课程群".into())));
        assert_eq!(
            parse("remove 课程群 -1001234"),
            Ok(SetCommand::Remove("课程群".into(), Some(-1_001_234)))
        );
        assert_eq!(
            parse("remove 课程群"),
            Ok(SetCommand::Remove("课程群".into(), None))
        );
        assert_eq!(parse("list"), Ok(SetCommand::List));
        assert_eq!(
            parse("sharebans 课程群 on"),
            Ok(SetCommand::ShareBans("课程群".into(), true))
        );
        assert_eq!(
            parse("allow 课程群 12345"),
            Ok(SetCommand::Allow("课程群".into(), "12345".into()))
        );
        assert_eq!(
            parse("manager add 课程群 @alice"),
            Ok(SetCommand::Manager {
                add: true,
                name: "课程群".into(),
                user: "@alice".into()
            })
        );
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(parse("new"), Err(ParseError::Usage));
        assert_eq!(parse("fly 课程群"), Err(ParseError::Usage));
        assert_eq!(parse("new a b"), Err(ParseError::Usage));
        assert_eq!(parse("new 12345"), Err(ParseError::BadName("12345".into())));
        assert_eq!(
            parse("new @alice"),
            Err(ParseError::BadName("@alice".into()))
        );
        let long = "群".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            parse(&format!("new {long}")),
            Err(ParseError::BadName(long))
        );
        assert!(valid_name(&"群".repeat(MAX_NAME_CHARS)));
        assert_eq!(
            parse("remove 课程群 55"),
            Err(ParseError::BadGroup("55".into()))
        );
        assert_eq!(parse("manager add 课程群"), Err(ParseError::Usage));
        assert_eq!(parse("sharebans 课程群 maybe"), Err(ParseError::Usage));
        assert_eq!(parse("allow 课程群"), Err(ParseError::Usage));
        assert_eq!(
            parse("apply 12 课程群"),
            Err(ParseError::BadGroup("12".into()))
        );
        assert_eq!(
            parse("apply -100 课程群 colours"),
            Err(ParseError::BadSection("colours".into()))
        );
        assert_eq!(
            parse("apply -100 课程群 welcome Gate welcome"),
            Ok(SetCommand::Apply {
                template: -100,
                name: "课程群".into(),
                sections: vec![Section::Welcome, Section::Gate]
            })
        );
        assert_eq!(
            parse("apply -100 课程群 欢迎 locks"),
            Ok(SetCommand::Apply {
                template: -100,
                name: "课程群".into(),
                sections: vec![Section::Welcome, Section::Locks]
            })
        );
        assert_eq!(parse("revert #4"), Ok(SetCommand::Revert(4)));
        assert_eq!(parse("revert x"), Err(ParseError::Usage));
        assert_eq!(parse("manager promote 课程群 @a"), Err(ParseError::Usage));
    }
}
