//! Referral links (裂变), channel links (渠道码) and the review numbers (复盘).
//!
//! The rooms:
//! - [`rules`]    pure referral rules: pending / valid / void, periods, channel names
//! - [`stats`]    pure review numbers: the summary, the daily series and the CSV files
//! - [`chart`]    the PNG chart of daily joins, leaves and active members (embedded font)
//! - [`settings`] the `[referral]` settings
//! - [`store`]    the SQL of links, joins, referrals and the reads behind the review numbers
//!
//! This file is the Telegram glue: `/invite` (a member's personal link), `/invites` (own counts),
//! `/rank invites [week|month|all]` (the leaderboard of valid referrals; `/invites top …` is the same), the
//! admin commands `/channel new <name>`, `/channel list`, `/stats [7d|30d|90d]` and
//! `/export [7d|30d|90d]`; plus the ticker that attributes joins through the bot's links (read from the
//! activity writer's member_events), voids both legs of an invite ring (taking a paid reward back through the
//! ledger), settles the pending referrals that are due, pays the inviter through the ledger once, and
//! deletes links it posted in the group.

pub mod chart;
pub mod rules;
pub mod settings;
pub mod stats;
pub mod store;

use crate::fargs;
use crate::features::economy::ledger;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, mention_html};
use crate::telegram::{Handler, HandlerResult};
use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use futures::future::BoxFuture;
use futures::FutureExt;
use ledger::{Account, Move};
use rules::{Board, Resolution};
use teloxide::prelude::*;
use teloxide::types::{InputFile, MessageId};
use teloxide::utils::command::BotCommands;
use teloxide::RequestError;

/// The commands of this feature.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "invite",
        description: "referral-cmd-invite",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "invites",
        description: "referral-cmd-invites",
        audience: Audience::Everyone,
    },
    CommandInfo {
        name: "channel",
        description: "referral-cmd-channel",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "stats",
        description: "referral-cmd-stats",
        audience: Audience::Admins,
    },
    CommandInfo {
        name: "export",
        description: "referral-cmd-export",
        audience: Audience::Admins,
    },
];

#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum Command {
    Invite,
    Invites(String),
    Channel(String),
    Stats(String),
    Export(String),
}

/// `/rank`: the economy answers every `/rank` but `/rank invites …`, which comes here.
#[derive(BotCommands, Clone, Debug)]
#[command(rename_rule = "lowercase")]
enum RankCommand {
    Rank(String),
}

/// How many top talkers `/stats` lists.
const TOP_TALKERS: usize = 5;

/// This feature's branch of the handler tree: its commands, and `/rank invites …`.
pub fn handler() -> Handler {
    Update::filter_message()
        .branch(
            dptree::entry()
                .filter_command::<Command>()
                .endpoint(on_command),
        )
        .branch(
            dptree::entry()
                .filter_command::<RankCommand>()
                .filter_map(|command: RankCommand| match command {
                    RankCommand::Rank(args) => rules::parse_rank_invites(&args),
                })
                .endpoint(on_rank_invites),
        )
}

/// `/rank invites [week|month|all]`; `board` is `None` when the period was not understood.
async fn on_rank_invites(ctx: Ctx, message: Message, board: Option<Board>) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    if message.chat.id.0 >= 0 {
        ctx.reply(&message, ctx.t(lang, "group-only"));
        return Ok(());
    }
    let call = Call {
        ctx: &ctx,
        message: &message,
        lang,
        chat_id: message.chat.id.0,
    };
    match board {
        Some(board) => call.top_invites(board).await,
        None => {
            call.say(ctx.t(lang, "referral-invites-usage"));
            Ok(())
        }
    }
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    if message.chat.id.0 >= 0 {
        ctx.reply(&message, ctx.t(lang, "group-only"));
        return Ok(());
    }
    let call = Call {
        ctx: &ctx,
        message: &message,
        lang,
        chat_id: message.chat.id.0,
    };
    match command {
        Command::Invite => call.invite().await,
        Command::Invites(args) => call.invites(args.trim()).await,
        Command::Channel(args) => call.channel(args.trim()).await,
        Command::Stats(args) => call.stats(args.trim()).await,
        Command::Export(args) => call.export(args.trim()).await,
    }
}

/// One command call: where, by whom, in which language.
struct Call<'a> {
    ctx: &'a Ctx,
    message: &'a Message,
    lang: Lang,
    chat_id: i64,
}

impl Call<'_> {
    fn say(&self, text: String) {
        self.ctx.reply(self.message, text);
    }

    fn say_html(&self, html: String) {
        self.ctx.reply_html(self.message, html);
    }

    /// The sender as a member (not an anonymous admin, channel or bot).
    fn member(&self) -> Option<&teloxide::types::User> {
        self.message
            .from
            .as_ref()
            .filter(|user| !user.is_bot && self.message.sender_chat.is_none())
    }

    /// Whether the sender is an admin of the group; says so when not.
    async fn require_admin(&self) -> crate::Result<bool> {
        if self.ctx.admins.sender_rights(self.message).await?.is_some() {
            return Ok(true);
        }
        self.say(self.ctx.t(self.lang, "refuse-not-admin"));
        Ok(false)
    }

    /// Says that the bot lacks the right to create invite links, if it does.
    async fn bot_cannot_invite(&self) -> crate::Result<bool> {
        if let Some(text) = self
            .ctx
            .bot_lacks(self.chat_id, &[Right::Invite], self.lang)
            .await?
        {
            self.say(text);
            return Ok(true);
        }
        Ok(false)
    }

    fn say_cannot_invite(&self) {
        self.say(self.ctx.ta(
            self.lang,
            "bot-missing-right",
            &fargs! {"right" => self.ctx.t(self.lang, "right-invite")},
        ));
    }

    /// Creates an invite link named `name`; `None` (after saying why) when Telegram refuses.
    async fn create_link(&self, name: &str) -> crate::Result<Option<String>> {
        match self
            .ctx
            .bot
            .create_chat_invite_link(ChatId(self.chat_id))
            .name(name.to_string())
            .await
        {
            Ok(link) => Ok(Some(link.invite_link)),
            Err(RequestError::Api(err)) => {
                tracing::info!(chat_id = self.chat_id, %err, "invite link refused");
                self.ctx.admins.invalidate(self.chat_id);
                self.say_cannot_invite();
                Ok(None)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// The member's live personal link: the stored one while Telegram still accepts it, else a new one.
    async fn personal_link(&self, user_id: i64) -> crate::Result<Option<String>> {
        let ctx = self.ctx;
        let existing = {
            let mut conn = ctx.storage.read.acquire().await?;
            store::member_link(&mut conn, self.chat_id, user_id).await?
        };
        if let Some(link) = existing {
            // Editing the link with its own name tells whether an admin revoked it outside the bot.
            match ctx
                .bot
                .edit_chat_invite_link(ChatId(self.chat_id), link.url.clone())
                .name(link.name.clone())
                .await
            {
                Ok(current) if !current.is_revoked => return Ok(Some(link.url)),
                Ok(_) | Err(RequestError::Api(_)) => {
                    tracing::info!(
                        chat_id = self.chat_id,
                        user_id,
                        "personal link revoked; making a new one"
                    );
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::mark_revoked(&mut conn, link.id, ctx.now()).await?;
                }
                Err(err) => return Err(err.into()),
            }
        }
        let name = format!("ref:{user_id}");
        let Some(url) = self.create_link(&name).await? else {
            return Ok(None);
        };
        let mut conn = ctx.storage.write.acquire().await?;
        store::insert_link(
            &mut conn,
            self.chat_id,
            &url,
            "member",
            user_id,
            &name,
            ctx.now(),
        )
        .await?;
        Ok(Some(url))
    }

    async fn invite(&self) -> HandlerResult {
        let Some(user) = self.member() else {
            self.say(self.ctx.t(self.lang, "referral-not-a-member"));
            return Ok(());
        };
        if self.bot_cannot_invite().await? {
            return Ok(());
        }
        let user_id = user.id.0 as i64;
        let Some(url) = self.personal_link(user_id).await? else {
            return Ok(());
        };
        let group = escape(self.message.chat.title().unwrap_or_default());
        let private = self.ctx.ta(
            self.lang,
            "referral-invite-private",
            &fargs! {"group" => group, "link" => escape(&url)},
        );
        let public = self.ctx.ta(
            self.lang,
            "referral-invite-public",
            &fargs! {"member" => mention_html(user_id, &crate::telegram::text::full_name(user)), "link" => escape(&url)},
        );
        let sent_privately = self.ctx.t(self.lang, "referral-invite-sent-private");
        let ctx = self.ctx.clone();
        let message = self.message.clone();
        let chat_id = self.chat_id;
        let delete_at = ctx.now() + ctx.config.referral.group_link_lifetime.get().as_secs() as i64;
        // The member gets the link in private when they have started the bot; otherwise it is posted in
        // the group and deleted after a while. Waiting for the private send happens off the shard.
        ctx.tasks.clone().spawn(async move {
            let direct = ctx
                .outbound
                .send_text(Text::html(user_id, private))
                .wait()
                .await;
            let notice = match direct {
                Ok(_) => Text::plain(chat_id, sent_privately),
                Err(_) => Text::html(chat_id, public),
            };
            match ctx
                .outbound
                .send_text(notice.reply_to(&message))
                .wait()
                .await
            {
                Ok(sent) => {
                    let stored = async {
                        let mut conn = ctx.storage.write.acquire().await?;
                        store::schedule_delete(&mut conn, chat_id, sent.id.0, delete_at).await
                    };
                    if let Err(err) = stored.await {
                        tracing::warn!(%err, chat_id, "could not schedule the link's deletion");
                    }
                }
                Err(err) => tracing::warn!(%err, chat_id, "could not post the invite notice"),
            }
        });
        Ok(())
    }

    async fn invites(&self, args: &str) -> HandlerResult {
        let mut words = args.split_whitespace();
        match words.next() {
            None => self.own_invites().await,
            Some("top" | "rank" | "排行") => {
                let rest: Vec<&str> = words.collect();
                match Board::parse(&rest.join(" ")) {
                    Some(board) => self.top_invites(board).await,
                    None => {
                        self.say(self.ctx.t(self.lang, "referral-invites-usage"));
                        Ok(())
                    }
                }
            }
            Some(_) => {
                self.say(self.ctx.t(self.lang, "referral-invites-usage"));
                Ok(())
            }
        }
    }

    async fn own_invites(&self) -> HandlerResult {
        let Some(user) = self.member() else {
            self.say(self.ctx.t(self.lang, "referral-not-a-member"));
            return Ok(());
        };
        let mut conn = self.ctx.storage.read.acquire().await?;
        let counts = store::invite_counts(&mut conn, self.chat_id, user.id.0 as i64).await?;
        let valid_after = crate::args::format_duration(self.ctx.config.referral.valid_after.get());
        self.say(self.ctx.ta(
            self.lang,
            "referral-invites-own",
            &fargs! {
                "pending" => counts.pending, "valid" => counts.valid, "void" => counts.void,
                "reward" => counts.reward, "days" => valid_after
            },
        ));
        Ok(())
    }

    /// The leaderboard of valid referrals that became valid in `board`'s period (weeks and months as the
    /// economy's `/rank` cuts them: in the group's time zone, from its sign-in reset hour).
    async fn top_invites(&self, board: Board) -> HandlerResult {
        let ctx = self.ctx;
        let day = crate::facts::group_day(ctx, self.chat_id).await?;
        let mut conn = ctx.storage.read.acquire().await?;
        let rows = store::top_inviters(
            &mut conn,
            self.chat_id,
            board.since(ctx.now(), day.tz, day.reset_hour),
            ctx.config.referral.top as i64,
        )
        .await?;
        let title = ctx.t(self.lang, &format!("referral-top-title-{}", board.word()));
        if rows.is_empty() {
            self.say(format!(
                "{title}\n{}",
                ctx.t(self.lang, "referral-top-empty")
            ));
            return Ok(());
        }
        let mut text = format!("<b>{}</b>\n", escape(&title));
        for (place, (user_id, count)) in rows.into_iter().enumerate() {
            let name = name_of(&mut conn, user_id).await?;
            text.push_str(&ctx.ta(
                self.lang,
                "referral-top-line",
                &fargs! {"place" => place as i64 + 1, "member" => mention_html(user_id, &name), "count" => count},
            ));
            text.push('\n');
        }
        self.say_html(text);
        Ok(())
    }

    async fn channel(&self, args: &str) -> HandlerResult {
        let (word, rest) = match args.split_once(char::is_whitespace) {
            Some((word, rest)) => (word, rest.trim()),
            None => (args, ""),
        };
        match word {
            "new" | "add" | "新建" => self.channel_new(rest).await,
            "list" | "列表" if rest.is_empty() => self.channel_list().await,
            _ => {
                self.say(self.ctx.t(self.lang, "referral-channel-usage"));
                Ok(())
            }
        }
    }

    async fn channel_new(&self, name: &str) -> HandlerResult {
        let ctx = self.ctx;
        if let Some(refusal) = ctx.refusal(self.message, Right::Invite, self.lang).await? {
            self.say(refusal);
            return Ok(());
        }
        if !rules::valid_channel_name(name) {
            self.say(ctx.t(self.lang, "referral-channel-bad-name"));
            return Ok(());
        }
        {
            let mut conn = ctx.storage.read.acquire().await?;
            if store::channel_name_taken(&mut conn, self.chat_id, name).await? {
                self.say(ctx.ta(
                    self.lang,
                    "referral-channel-taken",
                    &fargs! {"name" => name.to_string()},
                ));
                return Ok(());
            }
        }
        if self.bot_cannot_invite().await? {
            return Ok(());
        }
        let Some(url) = self.create_link(name).await? else {
            return Ok(());
        };
        let creator = self
            .message
            .from
            .as_ref()
            .map_or(self.chat_id, |user| user.id.0 as i64);
        let mut conn = ctx.storage.write.acquire().await?;
        store::insert_link(
            &mut conn,
            self.chat_id,
            &url,
            "channel",
            creator,
            name,
            ctx.now(),
        )
        .await?;
        self.say_html(ctx.ta(
            self.lang,
            "referral-channel-created",
            &fargs! {"name" => escape(name), "link" => escape(&url)},
        ));
        Ok(())
    }

    async fn channel_list(&self) -> HandlerResult {
        if !self.require_admin().await? {
            return Ok(());
        }
        let ctx = self.ctx;
        // Joins the ticker has not read yet are counted too.
        ctx.activity.flush().await;
        attribute_joins(ctx).await?;
        let mut conn = ctx.storage.read.acquire().await?;
        let rows = store::channel_funnel(&mut conn, self.chat_id, ctx.now()).await?;
        if rows.is_empty() {
            self.say(ctx.t(self.lang, "referral-channel-none"));
            return Ok(());
        }
        let mut text = format!(
            "<b>{}</b>\n",
            escape(&ctx.t(self.lang, "referral-channel-title"))
        );
        for row in rows {
            text.push_str(&ctx.ta(
                self.lang,
                "referral-channel-line",
                &fargs! {
                    "name" => escape(&row.name), "link" => escape(&row.url), "joins" => row.joins,
                    "verified" => row.verified, "stayed" => row.stayed, "spoke" => row.spoke
                },
            ));
            text.push('\n');
        }
        for piece in crate::telegram::text::split(&text, crate::telegram::text::MAX_TEXT) {
            self.say_html(piece);
        }
        Ok(())
    }

    /// The group's time zone (`/settz`), else the configured one.
    async fn zone(&self) -> crate::Result<Tz> {
        crate::facts::group_zone(self.ctx, self.chat_id).await
    }

    /// The group's offset from UTC now, in seconds.
    async fn offset(&self) -> crate::Result<i64> {
        let zone = self.zone().await?;
        let now = chrono::DateTime::from_timestamp(self.ctx.now(), 0).unwrap_or_default();
        Ok(zone
            .offset_from_utc_datetime(&now.naive_utc())
            .fix()
            .local_minus_utc() as i64)
    }

    /// Reads the period argument of `/stats` and `/export` after checking the caller; `None` when refused.
    async fn period(&self, args: &str) -> crate::Result<Option<stats::Window>> {
        if !self.require_admin().await? {
            return Ok(None);
        }
        let Some(days) = rules::parse_stats_period(args) else {
            self.say(self.ctx.t(self.lang, "referral-stats-usage"));
            return Ok(None);
        };
        let offset = self.offset().await?;
        Ok(Some(stats::Window::ending_at(
            self.ctx.now(),
            offset,
            i64::from(days),
        )))
    }

    async fn stats(&self, args: &str) -> HandlerResult {
        let Some(window) = self.period(args).await? else {
            return Ok(());
        };
        let ctx = self.ctx;
        let members_now = match ctx.bot.get_chat_member_count(ChatId(self.chat_id)).await {
            Ok(count) => i64::from(count),
            Err(err) => {
                tracing::info!(%err, chat_id = self.chat_id, "member count unavailable; using the bot's own");
                let mut conn = ctx.storage.read.acquire().await?;
                store::present_members(&mut conn, self.chat_id).await?
            }
        };
        let summary = compute(ctx, self.chat_id, &window, members_now).await?;
        let mut conn = ctx.storage.read.acquire().await?;
        let mut talkers = Vec::new();
        for (user_id, messages) in &summary.top_talkers {
            let name = name_of(&mut conn, *user_id).await?;
            talkers.push(ctx.ta(
                self.lang,
                "referral-stats-talker",
                &fargs! {"member" => escape(&name), "messages" => *messages},
            ));
        }
        drop(conn);
        let (cohort, stayed) = summary.retention;
        let retention = if cohort == 0 {
            ctx.t(self.lang, "referral-stats-retention-none")
        } else {
            ctx.ta(
                self.lang,
                "referral-stats-retention",
                &fargs! {"rate" => stats::tenths(stats::per_mille(stayed, cohort)), "stayed" => stayed, "cohort" => cohort},
            )
        };
        let text = ctx.ta(
            self.lang,
            "referral-stats-summary",
            &fargs! {
                "days" => window.days,
                "start" => summary.members_start, "end" => summary.members_end,
                "joins" => summary.joins, "leaves" => summary.leaves, "net" => format!("{:+}", summary.net),
                "dau" => stats::tenths(summary.daily_active_tenths), "wau" => summary.weekly_active,
                "active" => summary.active, "messages" => summary.messages,
                "retention" => retention,
                "talkers" => if talkers.is_empty() { "—".to_string() } else { talkers.join(", ") },
                "referrals" => summary.valid_referrals,
                "multiplier" => stats::hundredths(summary.multiplier_hundredths),
                "signed" => summary.signed_in.0, "signrate" => stats::tenths(summary.signed_in.1),
                "grabbers" => summary.packet_grabbers.0, "grabrate" => stats::tenths(summary.packet_grabbers.1),
                "grabs" => summary.packet_grabs,
                "entrants" => summary.lottery_entrants.0, "entrantrate" => stats::tenths(summary.lottery_entrants.1),
                "entries" => summary.lottery_entries
            },
        );
        self.say_html(text);
        let labels = self.chart_labels(window.days);
        let daily = summary.daily.clone();
        let png = tokio::task::spawn_blocking(move || chart::render(&daily, &labels))
            .await
            .map_err(|err| std::io::Error::other(format!("chart task: {err}")))?;
        match png {
            Ok(bytes) => {
                self.send_file(bytes, "stats.png", true);
            }
            Err(err) => tracing::warn!(%err, chat_id = self.chat_id, "chart could not be drawn"),
        }
        Ok(())
    }

    /// The chart's words in the group's language when the embedded font can draw them, else in English.
    fn chart_labels(&self, days: i64) -> chart::ChartLabels {
        let make = |lang: Lang| chart::ChartLabels {
            title: self
                .ctx
                .ta(lang, "referral-chart-title", &fargs! {"days" => days}),
            joins: self.ctx.t(lang, "referral-chart-joins"),
            leaves: self.ctx.t(lang, "referral-chart-leaves"),
            active: self.ctx.t(lang, "referral-chart-active"),
        };
        let local = make(self.lang);
        let covered = [&local.title, &local.joins, &local.leaves, &local.active]
            .iter()
            .all(|text| chart::font_covers(text));
        if covered {
            local
        } else {
            make(Lang::En)
        }
    }

    /// Sends a photo or a document made in memory (budgeted like any send), in the message's topic.
    fn send_file(&self, bytes: Vec<u8>, file_name: &'static str, photo: bool) {
        let chat_id = self.chat_id;
        let thread = self
            .message
            .thread_id
            .filter(|_| self.message.is_topic_message);
        if photo {
            self.ctx
                .outbound
                .budgeted(chat_id, "sendPhoto", move |bot| {
                    let mut request = bot.send_photo(
                        ChatId(chat_id),
                        InputFile::memory(bytes.clone()).file_name(file_name),
                    );
                    if let Some(thread) = thread {
                        request = request.message_thread_id(thread);
                    }
                    request.send().boxed()
                });
        } else {
            self.ctx
                .outbound
                .budgeted(chat_id, "sendDocument", move |bot| {
                    let mut request = bot.send_document(
                        ChatId(chat_id),
                        InputFile::memory(bytes.clone()).file_name(file_name),
                    );
                    if let Some(thread) = thread {
                        request = request.message_thread_id(thread);
                    }
                    request.send().boxed()
                });
        }
    }

    async fn export(&self, args: &str) -> HandlerResult {
        let Some(window) = self.period(args).await? else {
            return Ok(());
        };
        let ctx = self.ctx;
        let summary = compute(ctx, self.chat_id, &window, 0).await?;
        let members = {
            let mut conn = ctx.storage.read.acquire().await?;
            let mut members = store::export_members(&mut conn, self.chat_id).await?;
            // Levels are the economy's (its level table, over the points earned from the mint), so the
            // file agrees with /me; what every member earned is read in one grouped query.
            let levels = crate::facts::levels(&mut conn, self.chat_id).await?;
            let earned = crate::facts::earned_by_member(&mut conn, self.chat_id).await?;
            for member in &mut members {
                let points = earned.get(&member.user_id).copied().unwrap_or(0);
                let (index, title) = levels.level_for(points);
                member.level = format!("LV{} {}", index + 1, title);
            }
            members
        };
        self.say(ctx.ta(
            self.lang,
            "referral-export-sent",
            &fargs! {"days" => window.days, "members" => members.len() as i64},
        ));
        self.send_file(
            stats::daily_csv(&summary.daily).into_bytes(),
            "daily.csv",
            false,
        );
        self.send_file(
            stats::members_csv(&members, window.offset).into_bytes(),
            "members.csv",
            false,
        );
        Ok(())
    }
}

/// A member's display name, or their id when the bot never saw them.
async fn name_of(conn: &mut sqlx::SqliteConnection, user_id: i64) -> crate::Result<String> {
    Ok(crate::storage::members::get_user(conn, user_id)
        .await?
        .map(|user| user.full_name())
        .unwrap_or_else(|| user_id.to_string()))
}

/// Reads what the summary needs and computes it.
pub async fn compute(
    ctx: &Ctx,
    chat_id: i64,
    window: &stats::Window,
    members_now: i64,
) -> crate::Result<stats::Summary> {
    // Admin commands are rare: writing what the activity writer holds first makes the numbers include
    // everything up to now (the command itself too).
    ctx.activity.flush().await;
    let now = ctx.now();
    let from = window.start();
    // The retention cohort joined in the week before the window's start at the earliest; its leaves are
    // read from then on.
    let cohort_from = from - 7 * 86_400;
    let mut conn = ctx.storage.read.acquire().await?;
    let (packet_grabbers, packet_grabs) =
        store::packet_grabs(&mut conn, chat_id, from, now).await?;
    let (lottery_entrants, lottery_entries) =
        store::lottery_entries(&mut conn, chat_id, from, now).await?;
    let input = stats::StatsInput {
        now,
        members_now,
        activity: store::activity_by_day(&mut conn, chat_id, from, now, window.offset).await?,
        events: store::member_events(&mut conn, chat_id, cohort_from, now).await?,
        new_members: store::new_member_joins(&mut conn, chat_id, cohort_from, now - 7 * 86_400)
            .await?,
        valid_referrals: store::valid_referrals(&mut conn, chat_id, from, now).await?,
        signed_in: store::signed_in(&mut conn, chat_id, from, now).await?,
        packet_grabbers,
        packet_grabs,
        lottery_entrants,
        lottery_entries,
    };
    Ok(stats::summarize(window, &input, TOP_TALKERS))
}

/// The periodic work: attribute new joins, settle pending referrals, delete expired link notices.
pub fn tick(ctx: Ctx) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        attribute_joins(&ctx).await?;
        settle_pending(&ctx).await?;
        delete_notices(&ctx).await
    }
    .boxed()
}

/// Reads the joins the activity writer stored since the last pass and records those through the bot's
/// links: every one for the channel funnel, and a referral (pending or void from the start) for member
/// links.
async fn attribute_joins(ctx: &Ctx) -> crate::Result<()> {
    {
        // Most passes find nothing new: look on a read connection before taking the writer.
        let mut conn = ctx.storage.read.acquire().await?;
        if store::last_event_id(&mut conn).await? <= store::cursor(&mut conn).await? {
            return Ok(());
        }
    }
    let mut tx = ctx.storage.write.begin().await?;
    let after = store::cursor(&mut tx).await?;
    let upto = store::last_event_id(&mut tx).await?;
    if upto <= after {
        return Ok(());
    }
    for join in store::link_joins(&mut tx, after, upto).await? {
        store::insert_join(&mut tx, &join).await?;
        if join.kind != "member" {
            continue;
        }
        let facts = rules::JoinFacts {
            inviter: join.owner_id,
            invitee: join.user_id,
            known_before: store::known_before(
                &mut tx,
                join.chat_id,
                join.user_id,
                join.event_id,
                join.at,
            )
            .await?,
            inviter_was_invited_by_invitee: store::invited_by(
                &mut tx,
                join.chat_id,
                join.owner_id,
                join.user_id,
            )
            .await?,
        };
        let void = rules::at_join(&facts);
        store::insert_referral(&mut tx, &join, void.map(|reason| reason.as_str())).await?;
        if void == Some(rules::VoidReason::Ring) {
            undo_reverse_leg(&mut tx, &join).await?;
        }
    }
    store::set_cursor(&mut tx, upto).await?;
    tx.commit().await?;
    Ok(())
}

/// The journal reason of a referral reward taken back because the referral turned out to be one leg of a
/// ring.
const REVERSAL_REASON: &str = "referral_reversal";

/// A join through `join.owner_id`'s link closed a ring: the new invitee had brought the link's owner in
/// earlier. That earlier referral is voided too (`ring`); when it was already valid and paid, its reward goes
/// back from the inviter's wallet to the mint through the ledger (journal reason `referral_reversal`,
/// reference `referral:<invitee>`), as much of it as the wallet still holds.
async fn undo_reverse_leg(
    conn: &mut sqlx::SqliteConnection,
    join: &store::LinkJoin,
) -> crate::Result<()> {
    let (inviter, invitee) = (join.user_id, join.owner_id);
    let Some((id, status, reward)) =
        store::referral_between(conn, join.chat_id, inviter, invitee).await?
    else {
        return Ok(());
    };
    let balance = ledger::balance(conn, join.chat_id, Account::Wallet(inviter)).await?;
    let Some(undo) = rules::undo_ring(&status, reward, balance) else {
        return Ok(());
    };
    let taken = match undo {
        rules::RingUndo::VoidPending => 0,
        rules::RingUndo::VoidValid { take_back: 0 } => 0,
        rules::RingUndo::VoidValid { take_back } => {
            let reference = format!("referral:{invitee}");
            ledger::transfer(
                conn,
                &Move {
                    chat_id: join.chat_id,
                    from: Account::Wallet(inviter),
                    to: Account::Mint,
                    amount: take_back,
                    reason: REVERSAL_REASON,
                    actor: None,
                    reference: Some(&reference),
                    at: join.at,
                },
            )
            .await?;
            take_back
        }
    };
    store::void_for_ring(conn, id, reward - taken, join.at).await?;
    tracing::info!(
        chat_id = join.chat_id,
        inviter,
        invitee,
        taken,
        "invite ring: the earlier referral is void too"
    );
    Ok(())
}

/// Settles the pending referrals that are due.
async fn settle_pending(ctx: &Ctx) -> crate::Result<()> {
    settle_due(&ctx.storage, &ctx.config.referral, ctx.now())
        .await
        .map(|_| ())
}

/// Settles the pending referrals that can be decided at `now` (the waiting time is over, or the invitee
/// left); the others are not even read. Each is settled in its own short transaction, and a valid one pays
/// the inviter once, in the transaction that marks it. A referral that fails (say its ledger move is refused)
/// stays pending for the next pass and does not hold up the others; the first failure is returned after
/// the pass. Returns how many referrals were settled.
async fn settle_due(
    storage: &crate::storage::Storage,
    settings: &settings::ReferralSettings,
    now: i64,
) -> crate::Result<usize> {
    let valid_after = settings.valid_after.get().as_secs() as i64;
    let rows = {
        let mut conn = storage.read.acquire().await?;
        store::due_pending(&mut conn, now, valid_after).await?
    };
    let mut settled = 0;
    let mut first_failure = None;
    for row in rows {
        match settle_one(storage, settings, &row, now, valid_after).await {
            Ok(true) => settled += 1,
            Ok(false) => {}
            Err(err) => {
                tracing::error!(
                    referral = row.id,
                    chat_id = row.chat_id,
                    %err,
                    "could not settle a referral; retrying next pass"
                );
                first_failure.get_or_insert(err);
            }
        }
    }
    match first_failure {
        Some(err) => Err(err),
        None => Ok(settled),
    }
}

/// Settles one due referral; false when it was still pending after all (or settled meanwhile).
async fn settle_one(
    storage: &crate::storage::Storage,
    settings: &settings::ReferralSettings,
    row: &store::PendingRow,
    now: i64,
    valid_after: i64,
) -> crate::Result<bool> {
    let resolution = rules::resolve(&rules::PendingFacts {
        joined_at: row.joined_at,
        left_since_join: row.left,
        verified: row.verified,
        now,
        valid_after,
    });
    let (status, reason, reward) = match resolution {
        Resolution::StillPending => return Ok(false),
        Resolution::Void(reason) => ("void", Some(reason.as_str()), 0),
        Resolution::Valid => ("valid", None, settings.reward),
    };
    let mut tx = storage.write.begin().await?;
    let settled = store::settle(&mut tx, row.id, status, reason, reward, now).await?;
    if settled && reward > 0 {
        let reference = format!("referral:{}", row.invitee_id);
        ledger::transfer(
            &mut tx,
            &Move {
                chat_id: row.chat_id,
                from: Account::Mint,
                to: Account::Wallet(row.inviter_id),
                amount: reward,
                reason: "referral",
                actor: None,
                reference: Some(&reference),
                at: now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    if settled {
        tracing::info!(
            chat_id = row.chat_id,
            inviter = row.inviter_id,
            invitee = row.invitee_id,
            status,
            reason,
            "referral settled"
        );
    }
    Ok(settled)
}

/// Deletes the `/invite` notices whose time in the group is over.
async fn delete_notices(ctx: &Ctx) -> crate::Result<()> {
    let due = {
        let mut conn = ctx.storage.read.acquire().await?;
        if !store::any_delete_due(&mut conn, ctx.now()).await? {
            return Ok(());
        }
        drop(conn);
        let mut conn = ctx.storage.write.acquire().await?;
        store::take_due_deletes(&mut conn, ctx.now()).await?
    };
    for (chat_id, message_id) in due {
        ctx.outbound.delete(chat_id, MessageId(message_id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    /// A verified member `invitee` who joined group -1 at 100 through a link of `inviter`.
    async fn referred(conn: &mut sqlx::SqliteConnection, inviter: i64, invitee: i64) {
        let url = format!("https://t.me/+{inviter}");
        let link = match store::member_link(conn, -1, inviter).await.unwrap() {
            Some(link) => link.id,
            None => store::insert_link(conn, -1, &url, "member", inviter, "ref", 10)
                .await
                .unwrap(),
        };
        let event_id: i64 = sqlx::query_scalar(
            "INSERT INTO member_events (chat_id, user_id, at, kind, invite_link) VALUES (-1, ?, 100, 'join', ?)
             RETURNING id",
        )
        .bind(invitee)
        .bind(&url)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        crate::storage::members::record_join(conn, -1, invitee, 100)
            .await
            .unwrap();
        crate::storage::members::mark_verified(conn, -1, invitee, 101)
            .await
            .unwrap();
        let join = store::LinkJoin {
            event_id,
            chat_id: -1,
            user_id: invitee,
            at: 100,
            link_id: link,
            kind: "member".into(),
            owner_id: inviter,
        };
        store::insert_referral(conn, &join, None).await.unwrap();
    }

    async fn status_of(pool: &SqlitePool, invitee: i64) -> String {
        sqlx::query_scalar("SELECT status FROM referrals WHERE invitee_id = ?")
            .bind(invitee)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[sqlx::test]
    async fn one_refused_reward_does_not_stop_the_pass(pool: SqlitePool) {
        let storage = crate::storage::Storage::from_pool(pool.clone());
        let settings = settings::ReferralSettings::default();
        let mut conn = pool.acquire().await.unwrap();
        referred(&mut conn, 7, 8).await;
        referred(&mut conn, 9, 10).await;
        // Inviter 7's wallet is so full that the reward would overflow it: the ledger refuses that move.
        sqlx::query(
            "INSERT INTO economy_accounts (chat_id, kind, ref, balance) VALUES (-1, 'wallet', 7, ?)",
        )
        .bind(i64::MAX - 5)
        .execute(&mut *conn)
        .await
        .unwrap();
        drop(conn);
        let wait = settings.valid_after.get().as_secs() as i64;

        // Nothing is due before the waiting time is over.
        assert_eq!(
            settle_due(&storage, &settings, 100 + wait - 1)
                .await
                .unwrap(),
            0
        );
        let failed = settle_due(&storage, &settings, 100 + wait).await;
        assert!(failed.is_err(), "the refused move is reported");
        assert_eq!(status_of(&pool, 8).await, "pending", "retried next pass");
        assert_eq!(status_of(&pool, 10).await, "valid", "the other one settled");
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            ledger::balance(&mut conn, -1, Account::Wallet(9))
                .await
                .unwrap(),
            settings.reward
        );
        assert_eq!(
            ledger::economy_sum(&mut conn, -1).await.unwrap(),
            i64::MAX - 5
        );
        // Once the wallet has room, the next pass pays it, once.
        sqlx::query("UPDATE economy_accounts SET balance = 0 WHERE kind = 'wallet' AND ref = 7")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(
            settle_due(&storage, &settings, 100 + wait + 1)
                .await
                .unwrap(),
            1
        );
        assert_eq!(status_of(&pool, 8).await, "valid");
        assert_eq!(
            settle_due(&storage, &settings, 100 + wait + 2)
                .await
                .unwrap(),
            0
        );
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            ledger::balance(&mut conn, -1, Account::Wallet(7))
                .await
                .unwrap(),
            settings.reward
        );
    }

    #[sqlx::test]
    async fn a_leaver_is_settled_before_the_wait_is_over(pool: SqlitePool) {
        let storage = crate::storage::Storage::from_pool(pool.clone());
        let settings = settings::ReferralSettings::default();
        let mut conn = pool.acquire().await.unwrap();
        referred(&mut conn, 7, 8).await;
        referred(&mut conn, 7, 9).await;
        crate::storage::members::record_leave(&mut conn, -1, 9, 150)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(settle_due(&storage, &settings, 200).await.unwrap(), 1);
        assert_eq!(status_of(&pool, 8).await, "pending");
        assert_eq!(status_of(&pool, 9).await, "void");
    }
}
