//! The check that no English leaks into a Chinese group: every text the bot sends or edits (messages,
//! captions, button labels, press answers) is recorded with the language its chat had at that moment, and
//! [`LeakLog::leaks`] lists the Chinese ones that hold a Latin word outside the allowlist.
//!
//! The harness installs the recorder on every bot it starts and runs the check when the bot stops or is
//! dropped, so every end-to-end test is covered without opting in.
//!
//! What may stay Latin in a Chinese text: commands (`/ban`, `/ban@bot`), `@usernames`, URLs, the kind
//! letter of a game id (`P17`, `L3`), hex commitments, a few words that are written the same way in
//! Chinese (`UTC`, `ID`, `CSV`…), the bot's own name, and words that came from the test's own input (member
//! names, group titles, what members typed) — except the arguments of commands that are the bot's own
//! vocabulary (durations such as `3d`, actions, lock types and modes), which must come back translated.

use groupops::i18n::Lang;
use groupops::storage::groups::GroupCache;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Words that read the same in a Chinese text (units and abbreviations members use as they are).
const SHARED_WORDS: &[&str] = &[
    "UTC",
    "GMT",
    "ID",
    "CSV",
    "PNG",
    "HTML",
    "OK",
    "VIP",
    "QQ",
    "SHA",
    "HMAC",
    "ChaCha20",
    "SHA-256",
    "HMAC-SHA-256",
    "Telegram",
    "GroupOps",
    "groupops",
    "Excel",
    "WPS",
    "IANA",
    // The gender-neutral pronoun Chinese writes in Latin letters.
    "TA",
];

/// Arguments of commands that the bot must translate when it repeats them: its own actions, lock types,
/// rule modes and switches. Typed by an admin, they still count as leaks when they come back verbatim.
const BOT_VOCABULARY: &[&str] = &[
    "ban",
    "mute",
    "warn",
    "kick",
    "delete",
    "unban",
    "unmute",
    "unwarn",
    "purge",
    "approve",
    "on",
    "off",
    "shadow",
    "enforce",
    "photo",
    "video",
    "sticker",
    "gif",
    "document",
    "voice",
    "poll",
    "contact",
    "location",
    "forward",
    "link",
    "invite",
    "url",
    "file",
    "audio",
    "animation",
    "regex",
    "error",
    "forever",
    "permanent",
];

/// One text the bot showed, with where it came from.
#[derive(Clone, Debug)]
pub struct Shown {
    /// The Bot API method that carried it.
    pub method: String,
    /// The chat, when the method names one.
    pub chat_id: Option<i64>,
    /// The language of the chat when the text was sent, or `None` when it could not be known.
    pub lang: Option<Lang>,
    /// The text as Telegram would show it (HTML tags removed, entities decoded).
    pub text: String,
    /// The press this text answers, for press answers (their chat is the pressed message's).
    pub callback: Option<String>,
}

/// A Chinese text with the Latin words it should not hold.
#[derive(Clone, Debug)]
pub struct Leak {
    /// The text.
    pub shown: Shown,
    /// The words outside the allowlist.
    pub words: Vec<String>,
}

#[derive(Default)]
struct State {
    shown: Vec<Shown>,
    groups: Option<GroupCache>,
    default_lang: Option<Lang>,
}

/// The recorded texts of one test's bot (kept across restarts).
#[derive(Clone, Default)]
pub struct LeakLog {
    state: Arc<Mutex<State>>,
}

impl LeakLog {
    /// Points the recorder at a (re)started bot's group records, to read each chat's language from.
    pub fn attach(&self, groups: GroupCache, default_lang: Lang) {
        let mut state = self.lock();
        state.groups = Some(groups);
        state.default_lang = Some(default_lang);
    }

    /// Records the texts of one Bot API call.
    pub fn observe(&self, method: &str, params: &Value) {
        let chat_id = params["chat_id"]
            .as_i64()
            .or_else(|| params["chat_id"].as_str().and_then(|s| s.parse().ok()));
        let html = params["parse_mode"].as_str() == Some("HTML");
        let mut texts = Vec::new();
        match method.to_ascii_lowercase().as_str() {
            "sendmessage" | "editmessagetext" => texts.push(params["text"].clone()),
            "sendphoto" | "senddocument" | "editmessagecaption" => {
                texts.push(params["caption"].clone())
            }
            "answercallbackquery" => texts.push(params["text"].clone()),
            "editmessagereplymarkup" => {}
            _ => return,
        }
        let mut labels = Vec::new();
        let markup = match &params["reply_markup"] {
            Value::String(raw) => serde_json::from_str(raw).unwrap_or(Value::Null),
            other => other.clone(),
        };
        if let Some(rows) = markup["inline_keyboard"].as_array() {
            for button in rows.iter().filter_map(Value::as_array).flatten() {
                labels.push(button["text"].clone());
            }
        }
        let callback = params["callback_query_id"].as_str().map(str::to_string);
        let mut state = self.lock();
        let lang = match chat_id {
            Some(id) if id < 0 => match state.groups.as_ref().and_then(|g| g.peek(id)) {
                Some(Some(record)) => Lang::parse(&record.language).or(state.default_lang),
                Some(None) => state.default_lang,
                None => None,
            },
            _ => None,
        };
        for (value, is_html) in texts
            .into_iter()
            .map(|t| (t, html))
            .chain(labels.into_iter().map(|l| (l, false)))
        {
            let Some(text) = value.as_str().filter(|t| !t.is_empty()) else {
                continue;
            };
            let text = if is_html {
                strip_html(text)
            } else {
                text.to_string()
            };
            state.shown.push(Shown {
                method: method.to_string(),
                chat_id,
                lang,
                text,
                callback: callback.clone(),
            });
        }
    }

    /// Every text recorded so far.
    pub fn shown(&self) -> Vec<Shown> {
        self.lock().shown.clone()
    }

    /// The Chinese texts that hold Latin words outside the allowlist, given what the test fed the fake
    /// Bot API (`inputs`, see `FakeApi::inputs`). A text counts as Chinese when its group's language was
    /// Chinese when it was sent (a press answer: its group's language at the latest text before it); in
    /// private chats, and where a group's language cannot be known at all, when it holds Chinese
    /// wording (a Chinese character, and no more than four Latin letters per Chinese character).
    pub fn leaks(&self, inputs: &[String]) -> Vec<Leak> {
        let state = self.lock();
        let allowed = input_words(inputs);
        let pressed = pressed_chats(inputs);
        // A press answer takes the language its chat had at the latest text sent there before it.
        let mut latest = std::collections::HashMap::new();
        let shown: Vec<Shown> = state
            .shown
            .iter()
            .map(|shown| {
                let mut shown = shown.clone();
                if let (Some(id), Some(lang)) = (shown.chat_id, shown.lang) {
                    latest.insert(id, lang);
                }
                if let Some(chat) = shown.callback.as_ref().and_then(|c| pressed.get(c)) {
                    shown.chat_id = Some(*chat);
                    shown.lang = latest.get(chat).copied();
                }
                // A group text sent while the group's record was not cached takes the language the
                // group had at the latest text before it (its language now may have changed since).
                if let Some(chat) = shown.chat_id.filter(|id| *id < 0 && shown.lang.is_none()) {
                    shown.lang = latest.get(&chat).copied();
                }
                shown
            })
            .collect();
        shown
            .iter()
            .filter(|shown| match shown.lang {
                Some(lang) => lang == Lang::Zh,
                // In a private chat the language is the reader's: a text counts as Chinese when it
                // holds Chinese wording, not when an English text quotes a member's Chinese message
                // (more than four Latin letters per Chinese character reads as English).
                None => {
                    let han = shown.text.chars().filter(|c| is_han(*c)).count();
                    let latin = shown
                        .text
                        .chars()
                        .filter(|c| c.is_ascii_alphabetic())
                        .count();
                    han > 0 && han * 4 >= latin
                }
            })
            .filter_map(|shown| {
                let words = latin_leaks(&shown.text, &allowed);
                (!words.is_empty()).then(|| Leak {
                    shown: shown.clone(),
                    words,
                })
            })
            .collect()
    }

    /// Panics with every leak found, unless there is none.
    pub fn assert_clean(&self, inputs: &[String]) {
        let leaks = self.leaks(inputs);
        if !leaks.is_empty() {
            let listed: Vec<String> = leaks
                .iter()
                .map(|l| {
                    format!(
                        "{:?} in {} to {:?}: {:?}",
                        l.words, l.shown.method, l.shown.chat_id, l.shown.text
                    )
                })
                .collect();
            panic!(
                "English leaked into Chinese replies:\n  {}",
                listed.join("\n  ")
            );
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The chat of every press the test made (callback query id → chat id).
fn pressed_chats(inputs: &[String]) -> std::collections::HashMap<String, i64> {
    inputs
        .iter()
        .filter_map(|raw| serde_json::from_str::<Value>(raw).ok())
        .filter_map(|update| {
            let query = &update["callback_query"];
            let id = match &query["id"] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((id, query["message"]["chat"]["id"].as_i64()?))
        })
        .collect()
}

/// Whether a character is a Chinese character.
pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// The text Telegram shows for an HTML message: tags removed, entities decoded.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Whether a character continues a Latin word (letters, digits and the joiners inside names).
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '\'' || c == '-'
}

/// The Latin words of a text (runs holding at least one ASCII letter), each with the character after it.
fn latin_words(text: &str) -> Vec<(char, String)> {
    let mut words = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if word_char(c) {
            current.push(c);
        } else if !current.is_empty() {
            let word = current.trim_matches(|c| c == '\'' || c == '-').to_string();
            if word.chars().any(|c| c.is_ascii_alphabetic()) {
                words.push((c, word));
            }
            current.clear();
        }
    }
    words
}

/// Whether a whitespace-separated token is written as input for the bot rather than as wording: an
/// alternation of arguments (`on|off`), a setting key (`min_level`), a domain (`example.com`) or an IANA
/// zone name (`Asia/Shanghai`) given as an example of what to type.
fn input_syntax(token: &str) -> bool {
    let template = token.trim_end_matches(|c: char| !c.is_ascii());
    if template.starts_with('{') && template.ends_with('}') {
        // A placeholder of a template the admin writes (`{name}`).
        return true;
    }
    let token = token.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '|' && c != '_');
    let ascii = !token.is_empty() && token.is_ascii();
    // A label hashed into a commitment (`lottery:1`), shown so anyone can recompute it.
    let label = token.split_once(':').is_some_and(|(kind, id)| {
        !kind.is_empty()
            && kind.chars().all(|c| c.is_ascii_lowercase())
            && !id.is_empty()
            && id.chars().all(|c| c.is_ascii_digit())
    });
    ascii
        && (label
            || token.contains('|')
            || token.contains('_')
            || token
                .split_once('.')
                .is_some_and(|(a, b)| !a.is_empty() && b.len() >= 2)
            || token
                .split_once('/')
                .is_some_and(|(a, b)| a.starts_with(char::is_uppercase) && !b.is_empty()))
}

/// Removes what may stay Latin whatever it says: URLs, commands with the ASCII arguments written right
/// after them (`/rank checkin week`), `@usernames`, `#tags` and input syntax (see [`input_syntax`]).
fn without_free_spans(text: &str) -> String {
    let mut kept = String::new();
    for line in text.lines() {
        let mut after_command = false;
        for token in line.split_whitespace() {
            let command = token.char_indices().any(|(i, c)| {
                c == '/'
                    && token[i + 1..].starts_with(|c: char| c.is_ascii_lowercase())
                    && !token[..i].ends_with(|c: char| c.is_ascii_alphanumeric())
            });
            if command || (after_command && token.is_ascii()) {
                after_command = true;
                kept.push(' ');
                continue;
            }
            if after_command && token.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                // An argument closed by Chinese punctuation (`（/lottery help）`): the ASCII start is
                // the argument, the rest is wording.
                let at = token.find(|c: char| !c.is_ascii()).unwrap_or(token.len());
                kept.push_str(&token[at..]);
                kept.push(' ');
                after_command = false;
                continue;
            }
            after_command = false;
            if !input_syntax(token) {
                kept.push_str(token);
            }
            kept.push(' ');
        }
        kept.push('\n');
    }
    free_spans_in_tokens(&kept)
}

fn free_spans_in_tokens(text: &str) -> String {
    text.split_whitespace()
        .flat_map(|token| {
            // A command or a link may follow Chinese text or punctuation without a space.
            let mut out = String::new();
            let mut rest = token;
            loop {
                let next = ["http://", "https://", "tg://", "t.me/", "/", "@", "#"]
                    .iter()
                    .filter_map(|p| rest.find(p).map(|i| (i, *p)))
                    .min();
                let Some((at, prefix)) = next else {
                    out.push_str(rest);
                    break;
                };
                // A slash between two Latin runs (`UTC+8/UTC`) or digits (`3/5`) is no command.
                let before = rest[..at].chars().last();
                if prefix == "/" && before.is_some_and(|c| c.is_ascii_alphanumeric()) {
                    out.push_str(&rest[..=at]);
                    rest = &rest[at + 1..];
                    continue;
                }
                out.push_str(&rest[..at]);
                out.push(' ');
                let tail = &rest[at..];
                let end = tail
                    .char_indices()
                    .skip(1)
                    .find(|(_, c)| !(c.is_ascii_alphanumeric() || "_-./:?=&%+~#@".contains(*c)))
                    .map(|(i, _)| i)
                    .unwrap_or(tail.len());
                rest = &tail[end..];
            }
            [out, " ".to_string()]
        })
        .collect()
}

/// Whether a word is a game id (`P17`, `L3`), a hex commitment or another id-like run.
fn id_like(word: &str) -> bool {
    let mut chars = word.chars();
    let first = chars.next();
    let rest: String = chars.collect();
    if matches!(first, Some('P' | 'L' | 'R' | 'Q'))
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_digit())
    {
        return true;
    }
    // Levels are numbered `LV1`, `LV2`… in both languages.
    if word
        .strip_prefix("LV")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    {
        return true;
    }
    // Redemption codes: upper-case letters and digits; a fresh code is ten characters of the lottery's
    // code alphabet (no 0/O, 1/I/L), and one in twenty of those holds no digit at all.
    if word.len() >= 6
        && word.chars().any(|c| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return true;
    }
    // A lottery's redemption code may hold no digit at all (about one in twenty does): ten characters of
    // the codes' alphabet, which has no I, L or O.
    if word.len() == 10
        && word
            .bytes()
            .all(|b| b"23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(&b))
    {
        return true;
    }
    word.len() >= 8 && word.chars().all(|c| c.is_ascii_hexdigit())
}

/// Removes what a member typed and the bot quotes back (`「mute 5」不是有效的处理方式`): a span in
/// Chinese quotes whose words all came from the test's input.
fn without_quoted_input(text: &str, allowed: &BTreeSet<String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find(['「', '“']) {
        let close = if rest[open..].starts_with('「') {
            '」'
        } else {
            '”'
        };
        let inner_start = open + rest[open..].chars().next().map_or(0, char::len_utf8);
        let Some(len) = rest[inner_start..].find(close) else {
            break;
        };
        let inner = &rest[inner_start..inner_start + len];
        out.push_str(&rest[..inner_start]);
        let typed = latin_words(inner)
            .iter()
            .all(|(_, w)| allowed.contains(&w.to_lowercase()) || typed_vocabulary(w));
        if !typed {
            out.push_str(inner);
        }
        rest = &rest[inner_start + len..];
    }
    out.push_str(rest);
    out
}

/// Whether a word is bot vocabulary an admin may have typed (quoted back when refused).
fn typed_vocabulary(word: &str) -> bool {
    BOT_VOCABULARY.contains(&word.to_lowercase().as_str())
}

/// Removes the ad detector's explanation detail (`similar to known spam … (group layer, distance 0)`),
/// which `/modlog` shows as the detector stored it. Its wording is being localized with the detector's
/// explanations; this exemption goes once that lands.
fn without_detector_detail(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("similar to ") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(')').map_or(tail.len(), |i| i + 1);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The Latin words of a Chinese text that are not allowed.
pub fn latin_leaks(text: &str, allowed: &BTreeSet<String>) -> Vec<String> {
    let text = without_detector_detail(&without_quoted_input(text, allowed));
    let free = without_free_spans(&text);
    latin_words(&free)
        .into_iter()
        // A name cut short (`Member with a lo…`) keeps the start of a word the test gave.
        .filter(|(after, word)| {
            let lower = word.to_lowercase();
            *after != '…' || !allowed.iter().any(|w| w.starts_with(&lower))
        })
        .map(|(_, word)| word)
        .filter(|word| !id_like(word) && !word.contains('_'))
        .filter(|word| {
            !SHARED_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
                && !allowed.contains(&word.to_lowercase())
        })
        .collect()
}

/// The words the test itself supplied (lower-case): every string value of its updates and canned
/// answers, except the types and statuses Telegram names objects with, commands, and command arguments
/// that are the bot's own vocabulary or durations.
fn input_words(inputs: &[String]) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for raw in inputs {
        let Ok(value) = serde_json::from_str::<Value>(raw) else {
            continue;
        };
        collect(&value, None, &mut words);
    }
    words
}

fn collect(value: &Value, key: Option<&str>, words: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                collect(v, Some(k), words);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, key, words)),
        Value::String(text) => {
            if matches!(key, Some("type" | "status" | "data" | "callback_data")) {
                return;
            }
            let command = text.trim_start().starts_with('/');
            for (i, token) in text.split_whitespace().enumerate() {
                if token.starts_with('/') {
                    continue;
                }
                for (_, word) in latin_words(token) {
                    let lower = word.to_lowercase();
                    let vocabulary = BOT_VOCABULARY.contains(&lower.as_str())
                        || (lower.starts_with(|c: char| c.is_ascii_digit())
                            && lower.ends_with(|c: char| c.is_ascii_alphabetic()));
                    if command && i > 0 && vocabulary {
                        continue;
                    }
                    words.insert(lower);
                }
            }
        }
        _ => {}
    }
}
