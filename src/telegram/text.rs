//! Text helpers for what the bot writes: HTML escaping of names, mentions, and splitting long texts
//! past Telegram's 4096-character limit.

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

/// A user's display name: "First Last".
pub fn full_name(user: &User) -> String {
    match &user.last_name {
        Some(last) if !last.is_empty() => format!("{} {}", user.first_name, last),
        _ => user.first_name.clone(),
    }
}

/// An HTML mention that links the escaped name to the user, whether or not they have a username.
pub fn mention_html(user_id: i64, name: &str) -> String {
    format!("<a href=\"tg://user?id={user_id}\">{}</a>", escape(name))
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
    fn splits_at_lines() {
        assert_eq!(split("aa\nbb\ncc", 5), vec!["aa\n", "bb\ncc"]);
        assert_eq!(split("abcdefg", 3), vec!["abc", "def", "g"]);
        assert!(split("", 10).is_empty());
    }

    proptest! {
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
