//! The commands that change a group's rules: `/filter`, `/allowdomain`, `/lock`, `/unlock`, `/locks`,
//! `/flood`, `/rulemode` (with the detector's thresholds of the group: `/rulemode classifier 0.95 0.7`)
//! and `/ladder`.

use super::enforce::action_words;
use super::log::{lock_word, mode_word, named};
use super::rules::{self, Action, Lock, Mode, RuleKind};
use super::store::{self, FilterKind};
use super::{cache, detection, log, permitted};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

/// The longest keyword or pattern `/filter add` takes, in characters.
const MAX_FILTER_CHARS: usize = 100;

crate::feature_commands! {
    /// The commands that change (or show) a group's rules.
    pub(super) enum Command in COMMANDS {
        Filter(String) = "filter", "moderation-cmd-filter", Admins;
        Allowdomain(String) = "allowdomain", "moderation-cmd-allowdomain", Admins;
        Lock(String) = "lock", "moderation-cmd-lock", Admins;
        Unlock(String) = "unlock", "moderation-cmd-unlock", Admins;
        Locks = "locks", "moderation-cmd-locks", Admins;
        Flood(String) = "flood", "moderation-cmd-flood", Admins;
        Rulemode(String) = "rulemode", "moderation-cmd-rulemode", Admins;
        Ladder(String) = "ladder", "moderation-cmd-ladder", Admins;
    }
}

/// Checks the sender may change the group's settings, runs the command, reloads the group's rules when
/// they changed (saying which rights the bot still lacks to enforce them), and answers.
pub(super) async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    let lang = call.lang;
    if message.chat.is_private() {
        call.say(call.t("group-only"));
        return Ok(());
    }
    // Every command here changes (or shows) the group's settings: the change-info right (the creator
    // has every right).
    if !permitted(&call, Right::ChangeInfo).await? {
        return Ok(());
    }
    let chat_id = message.chat.id.0;
    let by = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
    // What only admins should read (the filters, the locks, the rule mode) goes to the admin in private.
    let for_admins = match &command {
        Command::Filter(args) => args.trim().eq_ignore_ascii_case("list"),
        Command::Rulemode(args) => args.trim().is_empty(),
        Command::Locks => true,
        _ => false,
    };
    let reply = match command {
        Command::Filter(args) => filter(&ctx, chat_id, by, args.trim(), lang).await?,
        Command::Allowdomain(args) => allow_domain(&ctx, chat_id, by, args.trim(), lang).await?,
        Command::Lock(args) => lock(&ctx, chat_id, args.trim(), true, lang).await?,
        Command::Unlock(args) => lock(&ctx, chat_id, args.trim(), false, lang).await?,
        Command::Locks => locks(&ctx, chat_id, lang).await?,
        Command::Flood(args) => flood(&ctx, chat_id, args.trim(), lang).await?,
        Command::Rulemode(args) => rule_mode(&ctx, chat_id, by, args.trim(), lang).await?,
        Command::Ladder(args) => ladder(&ctx, chat_id, args.trim(), lang).await?,
    };
    let mut html = reply.text;
    if reply.changed {
        cache::reload(&ctx, chat_id).await?;
        if let Some(lacks) = ctx
            .bot_lacks(chat_id, &[Right::Delete, Right::Restrict], lang)
            .await?
        {
            html.push('\n');
            html.push_str(&escape(&lacks));
        }
    }
    if for_admins {
        call.say_html_to_admin(html).await;
    } else {
        call.say_html(html);
    }
    Ok(())
}

/// A command's answer (HTML) and whether the group's rules changed.
struct Reply {
    text: String,
    changed: bool,
}

impl Reply {
    fn said(text: String) -> Self {
        Reply {
            text,
            changed: false,
        }
    }
    fn changed(text: String) -> Self {
        Reply {
            text,
            changed: true,
        }
    }
}

async fn filter(ctx: &Ctx, chat_id: i64, by: i64, args: &str, lang: Lang) -> crate::Result<Reply> {
    let words = crate::args::split_words(args);
    let usage = || Reply::said(ctx.t_html(lang, "moderation-filter-usage"));
    let Some(verb) = words.first().map(|w| w.to_ascii_lowercase()) else {
        return Ok(usage());
    };
    let settings = &ctx.config.moderation;
    match verb.as_str() {
        "list" => {
            let mut conn = ctx.storage.read.acquire().await?;
            let filters = store::list_filters(&mut conn, chat_id).await?;
            if filters.is_empty() {
                return Ok(Reply::said(ctx.t_html(lang, "moderation-filter-none")));
            }
            let mut text = format!("<b>{}</b>\n", ctx.t_html(lang, "moderation-filter-title"));
            for (kind, pattern, action) in filters {
                let shown = if kind == FilterKind::Regex {
                    format!("re:{pattern}")
                } else {
                    pattern
                };
                text.push_str(&format!("• <code>{}</code>", escape(&shown)));
                if let Some(action) = action {
                    let shown = match Action::parse(&action) {
                        Some(parsed) => action_words(ctx, lang, parsed),
                        None => action,
                    };
                    text.push_str(&format!(" → {}", escape(&shown)));
                }
                text.push('\n');
            }
            Ok(Reply::said(text))
        }
        "add" | "del" | "remove" | "rm" => {
            let Some(raw) = words.get(1) else {
                return Ok(usage());
            };
            let (kind, pattern) = match raw.strip_prefix("re:") {
                Some(pattern) => (FilterKind::Regex, pattern.trim().to_string()),
                None => (FilterKind::Keyword, raw.trim().to_string()),
            };
            if pattern.is_empty() {
                return Ok(usage());
            }
            if verb == "add" && pattern.chars().count() > MAX_FILTER_CHARS {
                return Ok(Reply::said(escape(&ctx.ta(
                    lang,
                    "moderation-filter-too-long",
                    &fargs! {"max" => MAX_FILTER_CHARS},
                ))));
            }
            let mut conn = ctx.storage.write.acquire().await?;
            if verb != "add" {
                let removed = store::del_filter(&mut conn, chat_id, kind, &pattern).await?;
                let id = if removed {
                    "moderation-filter-removed"
                } else {
                    "moderation-filter-missing"
                };
                let text = escape(&ctx.ta(lang, id, &fargs! {"pattern" => pattern}));
                return Ok(if removed {
                    Reply::changed(text)
                } else {
                    Reply::said(text)
                });
            }
            let rest: Vec<&str> = words[2..].iter().map(String::as_str).collect();
            let action = if rest.is_empty() {
                None
            } else {
                match Action::parse_words(&rest) {
                    Some((action, used)) if used == rest.len() => Some(action),
                    _ => {
                        return Ok(Reply::said(escape(&ctx.ta(
                            lang,
                            "moderation-bad-action",
                            &fargs! {"action" => rest.join(" ")},
                        ))))
                    }
                }
            };
            let (checked, limit) = if kind == FilterKind::Regex {
                (
                    rules::check_regex(&pattern, cache::limits(ctx)).map(|_| ()),
                    settings.max_regexes,
                )
            } else {
                (
                    rules::check_keyword(&pattern).map(|_| ()),
                    settings.max_keywords,
                )
            };
            if let Err(err) = checked {
                let text = match err {
                    rules::PatternError::EmptyPhrase => ctx.t(lang, "moderation-filter-empty"),
                    rules::PatternError::BadRegex(reason) => ctx.ta(
                        lang,
                        "moderation-filter-bad-regex",
                        &fargs! {"reason" => ctx.t(lang, regex_reason(&reason))},
                    ),
                };
                return Ok(Reply::said(escape(&text)));
            }
            if store::count_filters(&mut conn, chat_id, kind).await? >= limit as i64 {
                return Ok(Reply::said(escape(&ctx.ta(
                    lang,
                    "moderation-filter-full",
                    &fargs! {"max" => limit},
                ))));
            }
            let added =
                store::add_filter(&mut conn, chat_id, kind, &pattern, action, by, ctx.now())
                    .await?;
            if !added {
                return Ok(Reply::said(escape(&ctx.ta(
                    lang,
                    "moderation-filter-exists",
                    &fargs! {"pattern" => pattern},
                ))));
            }
            let action_text = action.map_or_else(
                || ctx.t(lang, "moderation-action-ladder"),
                |a| action_words(ctx, lang, a),
            );
            Ok(Reply::changed(escape(&ctx.ta(
                lang,
                "moderation-filter-added",
                &fargs! {"pattern" => pattern, "action" => action_text},
            ))))
        }
        _ => Ok(usage()),
    }
}

async fn allow_domain(
    ctx: &Ctx,
    chat_id: i64,
    by: i64,
    args: &str,
    lang: Lang,
) -> crate::Result<Reply> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let (remove, raw) = match words.as_slice() {
        [] => {
            let mut conn = ctx.storage.read.acquire().await?;
            let domains = store::list_domains(&mut conn, chat_id).await?;
            let text = if domains.is_empty() {
                ctx.t(lang, "moderation-domains-none")
            } else {
                ctx.ta(
                    lang,
                    "moderation-domains-list",
                    &fargs! {"domains" => domains.join(", ")},
                )
            };
            return Ok(Reply::said(escape(&text)));
        }
        [domain] => (false, *domain),
        ["del" | "remove" | "rm", domain] => (true, *domain),
        _ => return Ok(Reply::said(ctx.t_html(lang, "moderation-domains-usage"))),
    };
    let domain = rules::clean_domain(raw);
    if !rules::is_domain(&domain) {
        return Ok(Reply::said(escape(&ctx.ta(
            lang,
            "moderation-domains-bad",
            &fargs! {"domain" => raw.to_string()},
        ))));
    }
    let mut conn = ctx.storage.write.acquire().await?;
    let changed = if remove {
        store::del_domain(&mut conn, chat_id, &domain).await?
    } else {
        store::add_domain(&mut conn, chat_id, &domain, by, ctx.now()).await?
    };
    let id = match (remove, changed) {
        (false, true) => "moderation-domains-added",
        (false, false) => "moderation-domains-already",
        (true, true) => "moderation-domains-removed",
        (true, false) => "moderation-domains-missing",
    };
    let text = escape(&ctx.ta(lang, id, &fargs! {"domain" => domain}));
    Ok(if changed {
        Reply::changed(text)
    } else {
        Reply::said(text)
    })
}

/// The wording of why a regex was refused, from the regex library's own (English) reason.
fn regex_reason(reason: &str) -> &'static str {
    let reason = reason.to_ascii_lowercase();
    if reason.contains("unclosed") || reason.contains("unopened") {
        "moderation-filter-regex-unbalanced"
    } else if reason.contains("size limit") || reason.contains("exceeds") {
        "moderation-filter-regex-too-big"
    } else {
        "moderation-filter-regex-invalid"
    }
}

fn lock_names(ctx: &Ctx, lang: Lang) -> String {
    Lock::ALL
        .map(|lock| lock_word(ctx, lang, lock))
        .join(&ctx.t(lang, "list-separator"))
}

fn rule_word(ctx: &Ctx, lang: Lang, kind: RuleKind) -> String {
    super::log::rule_name(ctx, lang, kind.name())
}

async fn lock(
    ctx: &Ctx,
    chat_id: i64,
    args: &str,
    locked: bool,
    lang: Lang,
) -> crate::Result<Reply> {
    let Some(kind) = Lock::parse(args)
        .or_else(|| named(ctx, &Lock::ALL, Lock::name, lock_word, args))
        .filter(|_| !args.is_empty())
    else {
        return Ok(Reply::said(escape(&ctx.ta(
            lang,
            "moderation-lock-usage",
            &fargs! {"types" => lock_names(ctx, lang)},
        ))));
    };
    let mut conn = ctx.storage.write.acquire().await?;
    let changed = store::set_lock(&mut conn, chat_id, kind, locked).await?;
    let id = match (locked, changed) {
        (true, true) => "moderation-locked",
        (true, false) => "moderation-locked-already",
        (false, true) => "moderation-unlocked",
        (false, false) => "moderation-unlocked-already",
    };
    let text = escape(&ctx.ta(lang, id, &fargs! {"type" => lock_word(ctx, lang, kind)}));
    Ok(if changed {
        Reply::changed(text)
    } else {
        Reply::said(text)
    })
}

async fn locks(ctx: &Ctx, chat_id: i64, lang: Lang) -> crate::Result<Reply> {
    let mut conn = ctx.storage.read.acquire().await?;
    let locked = store::list_locks(&mut conn, chat_id).await?;
    let text = if locked.is_empty() {
        ctx.t(lang, "moderation-locks-none")
    } else {
        ctx.ta(
            lang,
            "moderation-locks-list",
            &fargs! {"types" => locked
            .iter()
            .map(|l| lock_word(ctx, lang, *l))
            .collect::<Vec<_>>()
            .join(&ctx.t(lang, "list-separator"))},
        )
    };
    Ok(Reply::said(escape(&format!(
        "{text}\n{}",
        ctx.t(lang, "moderation-locks-newcomers")
    ))))
}

async fn flood(ctx: &Ctx, chat_id: i64, args: &str, lang: Lang) -> crate::Result<Reply> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let settings = &ctx.config.moderation;
    let usage = || Reply::said(ctx.t_html(lang, "moderation-flood-usage"));
    if words.is_empty() {
        let compiled = cache::rules_for(ctx, chat_id).await?;
        let text = match compiled.rules.flood {
            Some((count, seconds)) => ctx.ta(
                lang,
                "moderation-flood-current",
                &fargs! {
                    "count" => count,
                    "seconds" => seconds,
                    "action" => action_words(ctx, lang, compiled.rules.action(RuleKind::Flood)),
                },
            ),
            None => ctx.t(lang, "moderation-flood-off"),
        };
        return Ok(Reply::said(escape(&text)));
    }
    let mut conn = ctx.storage.write.acquire().await?;
    if words == ["off"] {
        store::set_flood(&mut conn, chat_id, settings, (0, 0), None, ctx.now()).await?;
        return Ok(Reply::changed(ctx.t_html(lang, "moderation-flood-off")));
    }
    let (Some(count), Some(seconds)) = (
        words.first().and_then(|w| w.parse::<u32>().ok()),
        words.get(1).and_then(|w| w.parse::<u32>().ok()),
    ) else {
        return Ok(usage());
    };
    if !(2..=100).contains(&count) || !(1..=3600).contains(&seconds) {
        return Ok(usage());
    }
    let action = if words.len() > 2 {
        match Action::parse_words(&words[2..]) {
            Some((action, used)) if used == words.len() - 2 => Some(action),
            _ => {
                return Ok(Reply::said(escape(&ctx.ta(
                    lang,
                    "moderation-bad-action",
                    &fargs! {"action" => words[2..].join(" ")},
                ))))
            }
        }
    } else {
        None
    };
    store::set_flood(
        &mut conn,
        chat_id,
        settings,
        (count, seconds),
        action,
        ctx.now(),
    )
    .await?;
    drop(conn);
    let compiled = cache::reload(ctx, chat_id).await?;
    Ok(Reply::changed(escape(&ctx.ta(
        lang,
        "moderation-flood-set",
        &fargs! {
            "count" => count,
            "seconds" => seconds,
            "action" => action_words(ctx, lang, compiled.rules.action(RuleKind::Flood)),
        },
    ))))
}

async fn rule_mode(
    ctx: &Ctx,
    chat_id: i64,
    by: i64,
    args: &str,
    lang: Lang,
) -> crate::Result<Reply> {
    let words: Vec<&str> = args.split_whitespace().collect();
    if words.first().and_then(|w| RuleKind::parse(w)) == Some(RuleKind::Classifier)
        && words.get(1).is_none_or(|w| Mode::parse(w).is_none())
    {
        return classifier_thresholds(ctx, chat_id, by, &words[1..], lang).await;
    }
    let names = RuleKind::ALL
        .map(|kind| rule_word(ctx, lang, kind))
        .join(&ctx.t(lang, "list-separator"));
    let usage = || {
        Reply::said(escape(&ctx.ta(
            lang,
            "moderation-rulemode-usage",
            &fargs! {"rules" => names.clone()},
        )))
    };
    if words.is_empty() {
        let compiled = cache::rules_for(ctx, chat_id).await?;
        let mut text = format!("<b>{}</b>\n", ctx.t_html(lang, "moderation-rulemode-title"));
        for kind in RuleKind::ALL {
            text.push_str(&format!(
                "{} — {} · {}\n",
                escape(&rule_word(ctx, lang, kind)),
                escape(&mode_word(ctx, lang, compiled.rules.mode(kind))),
                escape(&action_words(ctx, lang, compiled.rules.action(kind)))
            ));
        }
        text.push_str(&escape(&thresholds_words(ctx, chat_id, lang).await?));
        return Ok(Reply::said(text));
    }
    let (Some(kind), Some(mode)) = (
        words.first().and_then(|w| {
            RuleKind::parse(w).or_else(|| named(ctx, &RuleKind::ALL, RuleKind::name, rule_word, w))
        }),
        words.get(1).and_then(|w| {
            Mode::parse(w).or_else(|| named(ctx, &Mode::ALL, Mode::name, mode_word, w))
        }),
    ) else {
        return Ok(usage());
    };
    let action = if words.len() > 2 {
        match Action::parse_words(&words[2..]) {
            Some((action, used)) if used == words.len() - 2 => Some(action),
            _ => {
                return Ok(Reply::said(escape(&ctx.ta(
                    lang,
                    "moderation-bad-action",
                    &fargs! {"action" => words[2..].join(" ")},
                ))))
            }
        }
    } else {
        None
    };
    let mut conn = ctx.storage.write.acquire().await?;
    store::set_mode(&mut conn, chat_id, kind, mode, action).await?;
    Ok(Reply::changed(escape(&ctx.ta(
        lang,
        "moderation-rulemode-set",
        &fargs! {"rule" => rule_word(ctx, lang, kind), "mode" => mode_word(ctx, lang, mode)},
    ))))
}

/// What `/rulemode classifier …` asks for.
#[derive(Debug, Clone, PartialEq)]
enum ThresholdInput {
    /// Back to the instance's thresholds.
    Reset,
    /// The group's own `remove` and `suspicious` thresholds (0 < suspicious < remove ≤ 1).
    Set { remove: f64, suspicious: f64 },
    /// Not a number.
    NotNumber(String),
    /// A number outside (0, 1].
    OutOfRange(String),
    /// The suspicious threshold is not below the remove threshold.
    Order { remove: f64, suspicious: f64 },
    /// Anything else.
    Usage,
}

/// Reads the words after `/rulemode classifier`: `default` (or `默认`), two numbers (remove, then
/// suspicious), or both named in any order (`remove=0.95 suspicious=0.7`, `删除=0.95 可疑=0.7`).
fn parse_thresholds(words: &[&str]) -> ThresholdInput {
    if let [word] = words {
        if word.eq_ignore_ascii_case("default") || *word == "默认" {
            return ThresholdInput::Reset;
        }
    }
    if words.len() != 2 {
        return ThresholdInput::Usage;
    }
    let mut remove = None;
    let mut suspicious = None;
    for (i, word) in words.iter().enumerate() {
        let (slot, value) = match word.split_once(['=', '＝']) {
            Some((name, value)) => match name.to_lowercase().as_str() {
                "remove" | "删除" => (&mut remove, value),
                "suspicious" | "可疑" => (&mut suspicious, value),
                _ => return ThresholdInput::Usage,
            },
            None if i == 0 => (&mut remove, *word),
            None => (&mut suspicious, *word),
        };
        let Ok(number) = value.parse::<f64>() else {
            return ThresholdInput::NotNumber(value.to_string());
        };
        if !(number > 0.0 && number <= 1.0) {
            return ThresholdInput::OutOfRange(value.to_string());
        }
        if slot.replace(number).is_some() {
            return ThresholdInput::Usage;
        }
    }
    let (Some(remove), Some(suspicious)) = (remove, suspicious) else {
        return ThresholdInput::Usage;
    };
    if suspicious >= remove {
        return ThresholdInput::Order { remove, suspicious };
    }
    ThresholdInput::Set { remove, suspicious }
}

/// The detector's newcomer thresholds in a group, and whether they are the group's own.
async fn thresholds_words(ctx: &Ctx, chat_id: i64, lang: Lang) -> crate::Result<String> {
    let own = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::group_thresholds(&mut conn, chat_id).await?
    };
    let set = detection::thresholds_for(ctx, chat_id).await?;
    let id = if own.is_some() {
        "moderation-classifier-current-own"
    } else {
        "moderation-classifier-current-default"
    };
    Ok(ctx.ta(
        lang,
        id,
        &fargs! {
            "remove" => set.newcomer.remove.to_string(),
            "suspicious" => set.newcomer.suspicious.to_string(),
        },
    ))
}

/// `/rulemode classifier …`: sets or resets the group's own detector thresholds, logs who changed them,
/// and answers with the thresholds now in use; a bad input is answered with what is wrong.
async fn classifier_thresholds(
    ctx: &Ctx,
    chat_id: i64,
    by: i64,
    words: &[&str],
    lang: Lang,
) -> crate::Result<Reply> {
    let said = |id: &str, args: fluent_bundle::FluentArgs| {
        Ok(Reply::said(escape(&ctx.ta(lang, id, &args))))
    };
    let chosen = match parse_thresholds(words) {
        ThresholdInput::Reset => None,
        ThresholdInput::Set { remove, suspicious } => Some((remove, suspicious)),
        ThresholdInput::NotNumber(value) => {
            return said(
                "moderation-classifier-bad-number",
                fargs! {"value" => value},
            )
        }
        ThresholdInput::OutOfRange(value) => {
            return said("moderation-classifier-bad-range", fargs! {"value" => value})
        }
        ThresholdInput::Order { remove, suspicious } => {
            return said(
                "moderation-classifier-bad-order",
                fargs! {"remove" => remove.to_string(), "suspicious" => suspicious.to_string()},
            )
        }
        ThresholdInput::Usage => {
            return Ok(Reply::said(ctx.t_html(lang, "moderation-classifier-usage")))
        }
    };
    let now = ctx.now();
    {
        let mut conn = ctx.storage.write.acquire().await?;
        store::set_group_thresholds(&mut conn, chat_id, chosen, by, now).await?;
    }
    detection::state(ctx).forget_thresholds(chat_id);
    let detail = match chosen {
        Some((remove, suspicious)) => format!("{remove} {suspicious}"),
        None => "default".to_string(),
    };
    log::record(
        ctx,
        &store::LogEntry {
            chat_id,
            user_id: by,
            is_channel: false,
            rule: "classifier",
            detail: &detail,
            action: "thresholds",
            excerpt: "",
            actor_id: Some(by),
            reverses_id: None,
            at: now,
            expires_at: now,
        },
    )
    .await?;
    tracing::info!(chat_id, admin = by, thresholds = %detail, "a group's detector thresholds changed");
    let set = detection::thresholds_for(ctx, chat_id).await?;
    let id = if chosen.is_some() {
        "moderation-classifier-set"
    } else {
        "moderation-classifier-reset"
    };
    Ok(Reply::said(escape(&ctx.ta(
        lang,
        id,
        &fargs! {
            "remove" => set.newcomer.remove.to_string(),
            "suspicious" => set.newcomer.suspicious.to_string(),
        },
    ))))
}

fn ladder_words(ctx: &Ctx, lang: Lang, ladder: &[Action]) -> String {
    ladder
        .iter()
        .map(|step| action_words(ctx, lang, *step))
        .collect::<Vec<_>>()
        .join(" → ")
}

async fn ladder(ctx: &Ctx, chat_id: i64, args: &str, lang: Lang) -> crate::Result<Reply> {
    let settings = &ctx.config.moderation;
    if args.is_empty() {
        let compiled = cache::rules_for(ctx, chat_id).await?;
        return Ok(Reply::said(escape(&ctx.ta(
            lang,
            "moderation-ladder-current",
            &fargs! {"ladder" => ladder_words(ctx, lang, &compiled.ladder)},
        ))));
    }
    let steps = if args.eq_ignore_ascii_case("reset") {
        None
    } else {
        let mut steps = Vec::new();
        for step in args.split([',', '，']).map(str::trim) {
            match Action::parse(step) {
                Some(action) if action != Action::Escalate => steps.push(action),
                _ => {
                    return Ok(Reply::said(escape(&ctx.ta(
                        lang,
                        "moderation-ladder-bad",
                        &fargs! {"step" => step.to_string()},
                    ))))
                }
            }
        }
        if steps.is_empty() || steps.len() > 10 {
            return Ok(Reply::said(ctx.t_html(lang, "moderation-ladder-usage")));
        }
        Some(steps)
    };
    {
        let mut conn = ctx.storage.write.acquire().await?;
        store::set_ladder(&mut conn, chat_id, settings, steps.as_deref(), ctx.now()).await?;
    }
    let compiled = cache::reload(ctx, chat_id).await?;
    Ok(Reply::changed(escape(&ctx.ta(
        lang,
        "moderation-ladder-set",
        &fargs! {"ladder" => ladder_words(ctx, lang, &compiled.ladder)},
    ))))
}

#[cfg(test)]
mod tests {
    use super::{parse_thresholds, ThresholdInput};

    #[test]
    fn thresholds_are_read_by_position_or_by_name_and_checked() {
        let set = ThresholdInput::Set {
            remove: 0.95,
            suspicious: 0.7,
        };
        assert_eq!(parse_thresholds(&["0.95", "0.7"]), set);
        assert_eq!(parse_thresholds(&["remove=0.95", "suspicious=0.7"]), set);
        assert_eq!(parse_thresholds(&["可疑=0.7", "删除=0.95"]), set);
        assert_eq!(parse_thresholds(&["删除＝0.95", "可疑＝0.7"]), set);
        assert_eq!(parse_thresholds(&["default"]), ThresholdInput::Reset);
        assert_eq!(parse_thresholds(&["默认"]), ThresholdInput::Reset);
        assert_eq!(
            parse_thresholds(&["1", "0.5"]).clone(),
            ThresholdInput::Set {
                remove: 1.0,
                suspicious: 0.5
            }
        );
        assert_eq!(
            parse_thresholds(&["high", "0.7"]),
            ThresholdInput::NotNumber("high".into())
        );
        assert_eq!(
            parse_thresholds(&["1.5", "0.7"]),
            ThresholdInput::OutOfRange("1.5".into())
        );
        assert_eq!(
            parse_thresholds(&["0.9", "0"]),
            ThresholdInput::OutOfRange("0".into())
        );
        assert_eq!(
            parse_thresholds(&["0.9", "NaN"]),
            ThresholdInput::OutOfRange("NaN".into())
        );
        assert_eq!(
            parse_thresholds(&["0.7", "0.9"]),
            ThresholdInput::Order {
                remove: 0.7,
                suspicious: 0.9
            }
        );
        assert_eq!(
            parse_thresholds(&["0.7", "0.7"]),
            ThresholdInput::Order {
                remove: 0.7,
                suspicious: 0.7
            }
        );
        for bad in [
            &["0.9"][..],
            &["0.9", "0.5", "0.1"],
            &["remove=0.9", "remove=0.8"],
            &["limit=0.9", "0.5"],
        ] {
            assert_eq!(parse_thresholds(bad), ThresholdInput::Usage, "{bad:?}");
        }
    }
}
