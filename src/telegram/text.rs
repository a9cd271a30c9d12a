//! Text helpers for what the bot writes: HTML escaping of names, mentions, and splitting long texts
//! past Telegram's 4096-character limit (plain text with [`split`], HTML with [`split_html`], which never
//! cuts inside a tag or an entity and keeps every piece's tags balanced).

use teloxide::types::User;

/// Telegram's limit for one message text, in characters.
pub const MAX_TEXT: usize = 4096;

/// Escapes `<`, `>`, `&` and `"` for Telegram's HTML parse mode.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The most characters of a name the bot shows; longer names are cut and end with "…".
pub const MAX_NAME_CHARS: usize = 64;

/// A name as the bot shows it: without the characters that reorder or hide text (bidi overrides and
/// isolates, zero-width characters, other control characters), with its runs of spaces folded, and cut
/// at [`MAX_NAME_CHARS`] characters.
pub fn clean_name(name: &str) -> String {
    let hidden = |ch: char| {
        matches!(ch, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{061C}' | '\u{FEFF}' | '\u{180E}')
            || ch.is_control()
    };
    let visible: String = name
        .chars()
        .map(|ch| if ch == '\n' || ch == '\t' { ' ' } else { ch })
        .filter(|&ch| !hidden(ch))
        .collect();
    let mut shown = String::with_capacity(visible.len());
    let mut count = 0;
    for word in visible.split_whitespace() {
        if count > 0 {
            shown.push(' ');
            count += 1;
        }
        for ch in word.chars() {
            if count == MAX_NAME_CHARS {
                shown.pop();
                shown.push('…');
                return shown;
            }
            shown.push(ch);
            count += 1;
        }
    }
    shown
}

/// A user's display name: "First Last", cleaned for showing (see [`clean_name`]).
pub fn full_name(user: &User) -> String {
    match &user.last_name {
        Some(last) if !last.is_empty() => clean_name(&format!("{} {}", user.first_name, last)),
        _ => clean_name(&user.first_name),
    }
}

/// An HTML mention that links the cleaned, escaped name to the user, whether or not they have a username.
pub fn mention_html(user_id: i64, name: &str) -> String {
    format!(
        "<a href=\"tg://user?id={user_id}\">{}</a>",
        escape(&clean_name(name))
    )
}

/// Splits a text into pieces of at most `limit` characters, preferring to cut at line ends.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(1);
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for line in text.split_inclusive('\n') {
        let line_len = line.chars().count();
        if current_len + line_len <= limit {
            current.push_str(line);
            current_len += line_len;
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if line_len <= limit {
            current.push_str(line);
            current_len = line_len;
        } else {
            let chars: Vec<char> = line.chars().collect();
            for chunk in chars.chunks(limit) {
                let piece: String = chunk.iter().collect();
                if chunk.len() == limit {
                    pieces.push(piece);
                } else {
                    current_len = chunk.len();
                    current = piece;
                }
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// One piece of Telegram HTML: a tag, an entity such as `&amp;`, or a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HtmlToken<'a> {
    /// An opening tag, with the tag's name.
    Open(&'a str, &'a str),
    /// A closing tag, with the tag's name.
    Close(&'a str, &'a str),
    /// Text that shows as one character: an entity or a character.
    Visible(&'a str),
}

impl<'a> HtmlToken<'a> {
    fn text(self) -> &'a str {
        match self {
            HtmlToken::Open(text, _) | HtmlToken::Close(text, _) | HtmlToken::Visible(text) => text,
        }
    }
}

/// Cuts Telegram HTML into tags, entities and characters. A `<` without a closing `>` and a `&` without a
/// `;` within a few characters are ordinary characters.
fn html_tokens(html: &str) -> Vec<HtmlToken<'_>> {
    let mut tokens = Vec::new();
    let mut rest = html;
    while let Some(ch) = rest.chars().next() {
        let token_len = match ch {
            '<' => rest.find('>').map(|end| end + 1),
            '&' => rest
                .char_indices()
                .take(12)
                .find(|&(_, c)| c == ';')
                .map(|(end, _)| end + 1),
            _ => None,
        };
        let (token, after) = rest.split_at(token_len.unwrap_or(ch.len_utf8()));
        tokens.push(match (ch, token_len) {
            ('<', Some(_)) => {
                let inner = &token[1..token.len() - 1];
                let closing = inner.starts_with('/');
                let name_start = usize::from(closing);
                let name_end = inner[name_start..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .map_or(inner.len(), |end| end + name_start);
                let name = &inner[name_start..name_end];
                if closing {
                    HtmlToken::Close(token, name)
                } else {
                    HtmlToken::Open(token, name)
                }
            }
            _ => HtmlToken::Visible(token),
        });
        rest = after;
    }
    tokens
}

/// The tags still open after `tokens`, starting from the open tags `stack`.
fn open_after<'a>(stack: &mut Vec<HtmlToken<'a>>, tokens: &[HtmlToken<'a>]) {
    for token in tokens {
        match token {
            HtmlToken::Open(..) => stack.push(*token),
            HtmlToken::Close(_, name) => {
                if let Some(at) = stack
                    .iter()
                    .rposition(|open| matches!(open, HtmlToken::Open(_, n) if n == name))
                {
                    stack.truncate(at);
                }
            }
            HtmlToken::Visible(_) => {}
        }
    }
}

/// Splits Telegram HTML into pieces of at most `limit` visible characters (tags count for nothing, an
/// entity for one character), preferring to cut at line ends. A cut never falls inside a tag or an
/// entity; the tags open at a cut are closed at the end of the piece and opened again at the start of
/// the next one, so every piece is valid HTML on its own.
pub fn split_html(html: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(1);
    let tokens = html_tokens(html);
    let mut pieces = Vec::new();
    let mut stack: Vec<HtmlToken<'_>> = Vec::new();
    let mut start = 0;
    while start < tokens.len() {
        let (mut end, mut visible, mut after_newline) = (start, 0, None);
        while end < tokens.len() {
            if let HtmlToken::Visible(text) = tokens[end] {
                if visible == limit {
                    break;
                }
                visible += 1;
                if text == "\n" {
                    after_newline = Some(end + 1);
                }
            }
            end += 1;
        }
        if end < tokens.len() {
            if let Some(cut) = after_newline {
                end = cut;
            }
            // A tag opened right before the cut belongs to the next piece.
            while end > start + 1 && matches!(tokens[end - 1], HtmlToken::Open(..)) {
                end -= 1;
            }
        }
        let mut piece: String = stack.iter().map(|open| open.text()).collect();
        piece.extend(tokens[start..end].iter().map(|token| token.text()));
        open_after(&mut stack, &tokens[start..end]);
        for open in stack.iter().rev() {
            if let HtmlToken::Open(_, name) = open {
                piece.push_str(&format!("</{name}>"));
            }
        }
        if tokens[start..end]
            .iter()
            .any(|token| matches!(token, HtmlToken::Visible(_)))
        {
            pieces.push(piece);
        }
        start = end;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape("<b>Tom & \"Jerry\"</b>"),
            "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;"
        );
        assert_eq!(
            mention_html(5, "<x>"),
            "<a href=\"tg://user?id=5\">&lt;x&gt;</a>"
        );
    }

    #[test]
    fn names_lose_hidden_characters_and_are_capped() {
        assert_eq!(clean_name("Ali\u{202E}ce\u{200B}"), "Alice");
        assert_eq!(clean_name("  \u{2066}Bob\u{2069}   Smith \n"), "Bob Smith");
        assert_eq!(clean_name("\u{200B}\u{200D}"), "");
        let long = "名".repeat(100);
        let shown = clean_name(&long);
        assert_eq!(shown.chars().count(), MAX_NAME_CHARS);
        assert!(shown.ends_with('…'));
        assert_eq!(
            clean_name(&"a".repeat(MAX_NAME_CHARS)),
            "a".repeat(MAX_NAME_CHARS)
        );
        assert_eq!(
            mention_html(3, "<b>\u{202E}x"),
            "<a href=\"tg://user?id=3\">&lt;b&gt;x</a>"
        );
    }

    #[test]
    fn splits_at_lines() {
        assert_eq!(split("aa\nbb\ncc", 5), vec!["aa\n", "bb\ncc"]);
        assert_eq!(split("abcdefg", 3), vec!["abc", "def", "g"]);
        assert!(split("", 10).is_empty());
    }

    /// The visible text of Telegram HTML (entities left as written), and whether its tags are balanced.
    fn visible(html: &str) -> (String, bool) {
        let tokens = html_tokens(html);
        let mut stack = Vec::new();
        let mut balanced = true;
        for token in &tokens {
            match token {
                HtmlToken::Open(..) => stack.push(*token),
                HtmlToken::Close(_, name) => {
                    balanced &= matches!(stack.pop(), Some(HtmlToken::Open(_, n)) if n == *name)
                }
                HtmlToken::Visible(_) => {}
            }
        }
        let text = tokens
            .iter()
            .filter_map(|t| match t {
                HtmlToken::Visible(text) => Some(*text),
                _ => None,
            })
            .collect();
        (text, balanced && stack.is_empty())
    }

    #[test]
    fn html_is_cut_between_tags_and_reopened() {
        let html = "<b>bold text</b> &amp; <a href=\"tg://user?id=1\">name</a>";
        let pieces = split_html(html, 6);
        assert_eq!(
            pieces,
            vec![
                "<b>bold t</b>",
                "<b>ext</b> &amp; ",
                "<a href=\"tg://user?id=1\">name</a>",
            ]
        );
        assert_eq!(
            split_html("<i>aa\nbb\ncc</i>", 5),
            vec!["<i>aa\n</i>", "<i>bb\ncc</i>"]
        );
        assert!(split_html("<b></b>", 10).is_empty());
        assert_eq!(split_html("a < b & c", 100), vec!["a < b & c"]);
    }

    proptest! {
        #[test]
        fn html_pieces_are_balanced_within_the_limit_and_lose_nothing(
            parts in proptest::collection::vec(
                prop_oneof![
                    "[a-z 一二\n]{0,12}".prop_map(|t| t),
                    "[a-z]{1,8}".prop_map(|t| format!("<b>{t}</b>")),
                    "[a-z]{1,8}".prop_map(|t| format!("<i>x<code>{t}</code>y</i>")),
                    Just("&amp;".to_string()),
                    Just("<a href=\"tg://user?id=7\">名字</a>".to_string()),
                ],
                0..30,
            ),
            limit in 1usize..40,
        ) {
            let html = parts.concat();
            let pieces = split_html(&html, limit);
            let mut text = String::new();
            for piece in &pieces {
                let (shown, balanced) = visible(piece);
                prop_assert!(balanced, "unbalanced piece {piece:?}");
                prop_assert!(html_tokens(piece).iter().filter(|t| matches!(t, HtmlToken::Visible(_))).count() <= limit);
                text.push_str(&shown);
            }
            prop_assert_eq!(text, visible(&html).0);
        }

        #[test]
        fn split_keeps_everything_within_the_limit(text in "(\\PC{0,30}\n?){0,40}", limit in 1usize..50) {
            let pieces = split(&text, limit);
            prop_assert_eq!(pieces.concat(), text);
            for piece in &pieces {
                prop_assert!(piece.chars().count() <= limit);
            }
        }
    }
}
