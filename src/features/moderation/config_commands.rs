//! The commands that change a group's rules: `/filter`, `/allowdomain`, `/lock`, `/unlock`, `/locks`,
//! `/flood`, `/rulemode` and `/ladder`.

use super::enforce::action_words;
use super::rules::{self, Action, Lock, Mode, RuleKind};
use super::store::{self, FilterKind};
use super::{cache, permitted};
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
    let reply = match command {
        Command::Filter(args) => filter(&ctx, chat_id, by, args.trim(), lang).await?,
        Command::Allowdomain(args) => allow_domain(&ctx, chat_id, by, args.trim(), lang).await?,
        Command::Lock(args) => lock(&ctx, chat_id, args.trim(), true, lang).await?,
        Command::Unlock(args) => lock(&ctx, chat_id, args.trim(), false, lang).await?,
        Command::Locks => locks(&ctx, chat_id, lang).await?,
        Command::Flood(args) => flood(&ctx, chat_id, args.trim(), lang).await?,
        Command::Rulemode(args) => rule_mode(&ctx, chat_id, args.trim(), lang).await?,
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
    call.say_html(html);
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
                    text.push_str(&format!(" → {}", escape(&action)));
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
                        &fargs! {"reason" => reason},
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

fn lock_names() -> String {
    Lock::ALL.map(Lock::name).join(", ")
}

async fn lock(
    ctx: &Ctx,
    chat_id: i64,
    args: &str,
    locked: bool,
    lang: Lang,
) -> crate::Result<Reply> {
    let Some(kind) = Lock::parse(args).filter(|_| !args.is_empty()) else {
        return Ok(Reply::said(escape(&ctx.ta(
            lang,
            "moderation-lock-usage",
            &fargs! {"types" => lock_names()},
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
    let text = escape(&ctx.ta(lang, id, &fargs! {"type" => kind.name()}));
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
            &fargs! {"types" => locked.iter().map(|l| l.name()).collect::<Vec<_>>().join(", ")},
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

async fn rule_mode(ctx: &Ctx, chat_id: i64, args: &str, lang: Lang) -> crate::Result<Reply> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let names = RuleKind::ALL.map(RuleKind::name).join(", ");
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
                kind.name(),
                compiled.rules.mode(kind).name(),
                escape(&action_words(ctx, lang, compiled.rules.action(kind)))
            ));
        }
        return Ok(Reply::said(text));
    }
    let (Some(kind), Some(mode)) = (
        words.first().and_then(|w| RuleKind::parse(w)),
        words.get(1).and_then(|w| Mode::parse(w)),
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
        &fargs! {"rule" => kind.name(), "mode" => mode.name()},
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
