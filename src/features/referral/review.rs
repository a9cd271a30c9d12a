//! `/stats [7d|30d|90d]`: the review numbers and their chart.

use super::*;

/// How many top talkers `/stats` lists.
pub(super) const TOP_TALKERS: usize = 5;

impl Call<'_> {
    /// The group's time zone (`/settz`), else the configured one.
    pub(super) async fn zone(&self) -> crate::Result<Tz> {
        crate::facts::group_zone(self.ctx, self.chat_id).await
    }

    /// The group's offset from UTC now, in seconds.
    pub(super) async fn offset(&self) -> crate::Result<i64> {
        let zone = self.zone().await?;
        let now = chrono::DateTime::from_timestamp(self.ctx.now(), 0).unwrap_or_default();
        Ok(zone
            .offset_from_utc_datetime(&now.naive_utc())
            .fix()
            .local_minus_utc() as i64)
    }

    /// Reads the period argument of `/stats` and `/export` after checking the caller; `None` when refused.
    pub(super) async fn period(&self, args: &str) -> crate::Result<Option<stats::Window>> {
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

    pub(super) async fn stats(&self, args: &str) -> HandlerResult {
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
    pub(super) fn chart_labels(&self, days: i64) -> chart::ChartLabels {
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
    pub(super) fn send_file(&self, bytes: Vec<u8>, file_name: &'static str, photo: bool) {
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
