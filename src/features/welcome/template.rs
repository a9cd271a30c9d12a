//! Welcome and goodbye texts written by admins: placeholders, URL button lines, and their validation.
//! The admin's text is plain text; it is escaped for HTML here and the placeholders are filled with HTML
//! the caller prepared (mentions, escaped names).

/// Every placeholder a text may use. `{first}`, `{fullname}`, `{username}`, `{id}` and `{chatname}` are
/// the names other group bots taught people.
pub const PLACEHOLDERS: &[&str] = &[
    "name", "mention", "group", "count", "rules", "first", "fullname", "username", "id", "chatname",
];

/// The longest text an admin may set, in characters (leaves room for the filled-in names).
pub const MAX_TEMPLATE_CHARS: usize = 3000;

/// The HTML each placeholder stands for.
#[derive(Debug, Clone, Default)]
pub struct Values {
    /// `{name}` and `{fullname}`: full names, escaped.
    pub name: String,
    /// `{first}`: first names, escaped.
    pub first: String,
    /// `{mention}`: clickable mentions.
    pub mention: String,
    /// `{username}`: @usernames, or mentions for those without one.
    pub username: String,
    /// `{id}`: user ids.
    pub id: String,
    /// `{group}` and `{chatname}`: the group's title, escaped.
    pub group: String,
    /// `{count}`: the member count.
    pub count: String,
    /// `{rules}`: what stands in the text for the rules (HTML): a pointer to the rules button, the rules
    /// themselves when there is no button, or a note that there are none yet. Never empty in a welcome.
    pub rules: String,
}

/// A filled-in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The HTML text.
    pub html: String,
    /// URL buttons from `[label](https://…)` lines, in order.
    pub buttons: Vec<(String, String)>,
    /// Whether `{rules}` asked for a button that opens the rules.
    pub rules_button: bool,
}

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// Nothing but spaces.
    Empty,
    /// Longer than [`MAX_TEMPLATE_CHARS`].
    TooLong,
    /// A `{placeholder}` that does not exist.
    UnknownPlaceholder(String),
    /// A `{` without its `}`.
    Unclosed,
}

/// A `[label](https://…)` line: the label and the URL.
fn button_line(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    let rest = line.strip_prefix('[')?;
    let (label, rest) = rest.split_once("](")?;
    let url = rest.strip_suffix(')')?;
    let label = label.trim();
    let ok_url =
        (url.starts_with("https://") || url.starts_with("http://") || url.starts_with("tg://"))
            && !url.contains(char::is_whitespace);
    (!label.is_empty() && ok_url).then(|| (label.to_string(), url.to_string()))
}

/// Checks a text an admin wants to set: not empty, not too long, only known placeholders.
pub fn validate(text: &str) -> Result<(), TemplateError> {
    if text.trim().is_empty() {
        return Err(TemplateError::Empty);
    }
    if text.chars().count() > MAX_TEMPLATE_CHARS {
        return Err(TemplateError::TooLong);
    }
    for line in text.lines().filter(|l| button_line(l).is_none()) {
        let mut rest = line;
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else {
                return Err(TemplateError::Unclosed);
            };
            let name = &after[..end];
            if !PLACEHOLDERS.contains(&name) {
                return Err(TemplateError::UnknownPlaceholder(name.to_string()));
            }
            rest = &after[end + 1..];
        }
    }
    Ok(())
}

/// Fills in a validated text. Button lines leave the text and become buttons; `{rules}` becomes its value
/// and asks for the rules button. Anything that is not a known placeholder is kept as written.
pub fn render(text: &str, values: &Values) -> Rendered {
    let mut buttons = Vec::new();
    let mut rules_button = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if let Some(button) = button_line(line) {
            buttons.push(button);
            continue;
        }
        let mut out = String::new();
        let mut rest = line;
        while let Some(start) = rest.find('{') {
            out.push_str(&crate::telegram::text::escape(&rest[..start]));
            let after = &rest[start + 1..];
            let filled = after.find('}').and_then(|end| {
                let value = match &after[..end] {
                    "name" | "fullname" => Some(values.name.as_str()),
                    "first" => Some(values.first.as_str()),
                    "mention" => Some(values.mention.as_str()),
                    "username" => Some(values.username.as_str()),
                    "id" => Some(values.id.as_str()),
                    "group" | "chatname" => Some(values.group.as_str()),
                    "count" => Some(values.count.as_str()),
                    "rules" => {
                        rules_button = true;
                        Some(values.rules.as_str())
                    }
                    _ => None,
                }?;
                Some((value, end))
            });
            match filled {
                Some((value, end)) => {
                    out.push_str(value);
                    rest = &after[end + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(&crate::telegram::text::escape(rest));
        lines.push(out);
    }
    Rendered {
        html: lines.join("\n").trim().to_string(),
        buttons,
        rules_button,
    }
}

/// Whether a text needs the member count (which costs a call to find out).
pub fn needs_count(text: &str) -> bool {
    text.contains("{count}")
}

/// Joins names for one welcome: the first `shown` joined with `separator`, then `more(total)` when some
/// were left out.
pub fn join_names(
    names: &[String],
    shown: usize,
    separator: &str,
    more: impl Fn(usize) -> String,
) -> String {
    let listed = names[..names.len().min(shown)].join(separator);
    if names.len() > shown {
        format!("{listed}{}", more(names.len()))
    } else {
        listed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever an admin writes, the rendered text carries no markup of theirs: every `<` and `&` in
        /// it comes from the filled-in values or from escaping.
        #[test]
        fn admin_text_never_leaks_markup(text in "[a-z <>&{}\\[\\]()\n]{0,60}") {
            let values = Values {
                mention: "@m".into(),
                ..Default::default()
            };
            let out = render(&text, &values);
            prop_assert!(!out.html.contains('<'), "{:?}", out.html);
            prop_assert!(!out.html.contains("&&"), "{:?}", out.html);
        }

        /// Every text built only from known placeholders and plain words is accepted.
        #[test]
        fn known_placeholders_always_validate(
            parts in proptest::collection::vec((0..PLACEHOLDERS.len(), "[a-z ]{0,8}"), 1..8)
        ) {
            let text: String = parts
                .iter()
                .map(|(i, word)| format!("x{word}{{{}}}", PLACEHOLDERS[*i]))
                .collect();
            prop_assert_eq!(validate(&text), Ok(()));
        }
    }

    fn values() -> Values {
        Values {
            name: "Ann &amp; Bo".into(),
            first: "Ann".into(),
            mention: "<a href=\"tg://user?id=7\">Ann</a>".into(),
            username: "@ann".into(),
            id: "7".into(),
            group: "Rustaceans".into(),
            count: "42".into(),
            rules: "see the button".into(),
        }
    }

    #[test]
    fn placeholders_and_aliases_fill_in_and_literal_text_is_escaped() {
        let text = "Hi {mention} <3 ({first}/{fullname}/{name}, {username}, {id})\nWelcome to {group} = {chatname}, member #{count}";
        validate(text).unwrap();
        let out = render(text, &values());
        assert_eq!(
            out.html,
            "Hi <a href=\"tg://user?id=7\">Ann</a> &lt;3 (Ann/Ann &amp; Bo/Ann &amp; Bo, @ann, 7)\nWelcome to Rustaceans = Rustaceans, member #42"
        );
        assert!(out.buttons.is_empty());
        assert!(!out.rules_button);
    }

    #[test]
    fn button_lines_and_rules_become_buttons() {
        let text =
            "Welcome {name}! {rules}\n[Our site](https://example.org/x)\n[bad](javascript:alert)";
        validate(text).unwrap();
        let out = render(text, &values());
        assert_eq!(
            out.html,
            "Welcome Ann &amp; Bo! see the button\n[bad](javascript:alert)"
        );
        assert_eq!(
            out.buttons,
            vec![("Our site".to_string(), "https://example.org/x".to_string())]
        );
        assert!(out.rules_button);
    }

    #[test]
    fn validation_names_the_problem() {
        assert_eq!(validate("   "), Err(TemplateError::Empty));
        assert_eq!(
            validate("hi {nmae}"),
            Err(TemplateError::UnknownPlaceholder("nmae".into()))
        );
        assert_eq!(validate("hi {name"), Err(TemplateError::Unclosed));
        assert_eq!(
            validate(&"x".repeat(MAX_TEMPLATE_CHARS + 1)),
            Err(TemplateError::TooLong)
        );
        assert!(
            validate("[site](https://a.b/{x})\nhello").is_ok(),
            "button URLs are not templates"
        );
        assert!(needs_count("we are {count}"));
        assert!(!needs_count("we are many"));
    }

    #[test]
    fn names_are_listed_then_summarized() {
        let names: Vec<String> = (1..=12).map(|i| format!("@u{i}")).collect();
        let joined = join_names(&names, 2, "、", |n| format!(" 等 {n} 位新成员"));
        assert_eq!(joined, "@u1、@u2 等 12 位新成员");
        assert_eq!(
            join_names(&names[..2], 5, ", ", |_| unreachable!()),
            "@u1, @u2"
        );
    }
}
