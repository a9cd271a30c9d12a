//! `groupops doctor`: checks what a running bot depends on and prints, for each problem, what to do.
//!
//! It checks, in order: the token (Telegram's `getMe` answers), the clock (the `Date` Telegram's answer
//! carries against this machine's clock), the database (it exists, opens, is sound, and its migrations
//! are all known and applied), whether a bot holds the database now, and the bot's rights in every group
//! the database records as active (`getChatMember` of the bot itself). Nothing is changed.

use super::database_file;
use super::lock::DatabaseLock;
use crate::config::Config;
use crate::telegram::admins::{AdminRights, Right};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use teloxide::prelude::*;

/// How far the machine's clock may be from Telegram's before doctor calls it a problem. Deadlines
/// (captcha time-outs, packet expiry, draws) and Telegram's `until_date` both depend on it.
pub const CLOCK_TOLERANCE_SECS: i64 = 30;

/// The rights the bot uses in a group, and what each is for.
const RIGHTS_USED: &[(Right, &str)] = &[
    (Right::Delete, "delete ads and spam"),
    (Right::Restrict, "gate newcomers, mute and ban"),
    (
        Right::Invite,
        "make referral links and approve join requests",
    ),
    (Right::Pin, "pin lottery and packet posts"),
];

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// True when something is wrong.
    pub problem: bool,
    /// What was checked and what was seen.
    pub what: String,
    /// What to do about it (empty when fine).
    pub fix: String,
}

impl Finding {
    fn ok(what: impl Into<String>) -> Finding {
        Finding {
            problem: false,
            what: what.into(),
            fix: String::new(),
        }
    }

    fn problem(what: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            problem: true,
            what: what.into(),
            fix: fix.into(),
        }
    }
}

/// Everything doctor saw.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The findings in the order they were checked.
    pub findings: Vec<Finding>,
}

impl Report {
    /// How many findings are problems.
    pub fn problems(&self) -> usize {
        self.findings.iter().filter(|f| f.problem).count()
    }

    /// The report as the command prints it: `ok` or `PROBLEM` per line, each problem followed by its fix.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for finding in &self.findings {
            let mark = if finding.problem {
                "PROBLEM"
            } else {
                "ok     "
            };
            out.push_str(&format!("{mark}  {}\n", finding.what));
            if finding.problem && !finding.fix.is_empty() {
                out.push_str(&format!("         fix: {}\n", finding.fix));
            }
        }
        let problems = self.problems();
        out.push_str(&match problems {
            0 => "no problems found\n".to_string(),
            1 => "1 problem found\n".to_string(),
            n => format!("{n} problems found\n"),
        });
        out
    }
}

/// Runs every check. `token` is `None` when the environment has none; `now` is this machine's clock in
/// unix seconds.
pub async fn run(config: &Config, token: Option<&str>, now: i64) -> Report {
    let mut report = Report::default();
    let bot = match token {
        Some(token) => check_token(config, token, now, &mut report).await,
        None => {
            report.findings.push(Finding::problem(
                "token: GROUPOPS_TOKEN is not set",
                "set GROUPOPS_TOKEN to the token @BotFather gave you",
            ));
            None
        }
    };
    let groups = check_database(config, &mut report).await;
    match (bot, groups) {
        (Some((bot, bot_id)), Some(groups)) => {
            check_groups(&bot, bot_id, &groups, &mut report).await
        }
        (None, Some(groups)) if !groups.is_empty() => report.findings.push(Finding::problem(
            format!(
                "rights in {} active groups: not checked without a working token",
                groups.len()
            ),
            "fix the token first",
        )),
        _ => {}
    }
    report
}

/// Asks `getMe` directly (to read the answer's `Date` header too); returns a bot for the group checks
/// and the bot's own id when the token works.
async fn check_token(
    config: &Config,
    token: &str,
    now: i64,
    report: &mut Report,
) -> Option<(Bot, u64)> {
    let api = config.telegram.api_url.trim_end_matches('/');
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            report.findings.push(Finding::problem(
                format!("token: no HTTP client ({err})"),
                "",
            ));
            return None;
        }
    };
    let answer = match client.get(format!("{api}/bot{token}/getMe")).send().await {
        Ok(answer) => answer,
        Err(err) => {
            report.findings.push(Finding::problem(
                format!("token: cannot reach the Bot API at {api} ({err})"),
                "check the network, a proxy, or telegram.api_url",
            ));
            return None;
        }
    };
    if let Some(date) = answer
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
    {
        let skew = now - date.timestamp();
        if skew.abs() > CLOCK_TOLERANCE_SECS {
            report.findings.push(Finding::problem(
                format!("clock: this machine is {skew:+} s off Telegram's clock"),
                "enable time synchronisation (for example `timedatectl set-ntp true`)",
            ));
        } else {
            report.findings.push(Finding::ok(format!(
                "clock: within {} s of Telegram's",
                skew.abs().max(1)
            )));
        }
    } else {
        report.findings.push(Finding::ok(
            "clock: Telegram's answer carried no date to compare with",
        ));
    }
    let status = answer.status();
    let body: serde_json::Value = answer.json().await.unwrap_or_default();
    if !status.is_success() || body["ok"] != true {
        let why = body["description"].as_str().unwrap_or("no description");
        report.findings.push(Finding::problem(
            format!("token: Telegram refused it ({status}: {why})"),
            "copy the token again from @BotFather (/mybots → API Token) into GROUPOPS_TOKEN",
        ));
        return None;
    }
    let id = body["result"]["id"].as_u64().unwrap_or_default();
    let name = body["result"]["username"].as_str().unwrap_or("?");
    report
        .findings
        .push(Finding::ok(format!("token: works for @{name} (id {id})")));
    let url = match reqwest::Url::parse(&format!("{api}/")) {
        Ok(url) => url,
        Err(_) => return None,
    };
    Some((Bot::new(token).set_api_url(url), id))
}

/// Checks the database; returns the active groups' ids and titles when it could be read.
async fn check_database(config: &Config, report: &mut Report) -> Option<Vec<(i64, String)>> {
    let file = match database_file(&config.storage.database_url) {
        Ok(Some(file)) => file,
        Ok(None) => {
            report
                .findings
                .push(Finding::ok("database: in memory (nothing to check)"));
            return None;
        }
        Err(err) => {
            report.findings.push(Finding::problem(
                format!("database: {err}"),
                "fix storage.database_url",
            ));
            return None;
        }
    };
    let shown = file.display().to_string();
    if !file.is_file() {
        report.findings.push(Finding::problem(
            format!("database: {shown} does not exist yet"),
            "run `groupops migrate`, or start the bot once; it creates the file",
        ));
        return None;
    }
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .read_only(true)
        .busy_timeout(std::time::Duration::from_secs(5));
    let mut conn = match SqliteConnection::connect_with(&options).await {
        Ok(conn) => conn,
        Err(err) => {
            report.findings.push(Finding::problem(
                format!("database: {shown} cannot be opened ({err})"),
                "check the file's owner and permissions",
            ));
            return None;
        }
    };
    let sound: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await
        .unwrap_or_else(|err| err.to_string());
    if sound != "ok" {
        report.findings.push(Finding::problem(
            format!("database: {shown} is damaged ({sound})"),
            "stop the bot and `groupops restore` the newest backup",
        ));
        return None;
    }
    report
        .findings
        .push(Finding::ok(format!("database: {shown} opens and is sound")));
    let applied: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    let known: Vec<i64> = crate::storage::MIGRATOR.iter().map(|m| m.version).collect();
    let unknown: Vec<i64> = applied
        .iter()
        .map(|(v, _)| *v)
        .filter(|v| !known.contains(v))
        .collect();
    let failed: Vec<i64> = applied
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(v, _)| *v)
        .collect();
    let pending = known
        .iter()
        .filter(|v| !applied.iter().any(|(a, _)| a == *v))
        .count();
    if !unknown.is_empty() {
        report.findings.push(Finding::problem(
            format!(
                "migrations: the database has migrations this groupops does not know ({unknown:?})"
            ),
            "run the newer groupops that wrote them, or restore a backup made by this version",
        ));
    } else if !failed.is_empty() {
        report.findings.push(Finding::problem(
            format!("migrations: {failed:?} failed part-way"),
            "restore the backup taken before the upgrade",
        ));
    } else if pending > 0 {
        report.findings.push(Finding::problem(
            format!("migrations: {pending} not applied yet"),
            "run `groupops migrate` (the bot also applies them when it starts)",
        ));
    } else {
        report.findings.push(Finding::ok(format!(
            "migrations: all {} applied",
            known.len()
        )));
    }
    if DatabaseLock::is_held(&file) {
        report.findings.push(Finding::ok(
            "bot: a groupops process holds this database now",
        ));
    } else {
        report.findings.push(Finding::ok(
            "bot: no groupops process holds this database now",
        ));
    }
    let groups: Vec<(i64, String)> =
        sqlx::query_as("SELECT chat_id, title FROM groups WHERE active = 1 ORDER BY chat_id")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    let _ = conn.close().await;
    Some(groups)
}

/// Reads the bot's own membership in each active group and names the rights it lacks.
async fn check_groups(bot: &Bot, bot_id: u64, groups: &[(i64, String)], report: &mut Report) {
    if groups.is_empty() {
        report.findings.push(Finding::ok(
            "groups: none active yet (add the bot to a group and make it an admin)",
        ));
        return;
    }
    let mut fine = 0;
    for (chat_id, title) in groups {
        let name = if title.is_empty() {
            chat_id.to_string()
        } else {
            format!("{title} ({chat_id})")
        };
        let member = match bot.get_chat_member(ChatId(*chat_id), UserId(bot_id)).await {
            Ok(member) => member,
            Err(err) => {
                report.findings.push(Finding::problem(
                    format!("group {name}: cannot read the bot's membership ({err})"),
                    "if the bot was removed, it is marked inactive when Telegram tells it; otherwise retry later",
                ));
                continue;
            }
        };
        let Some(rights) = AdminRights::from_member(&member) else {
            report.findings.push(Finding::problem(
                format!("group {name}: the bot is not an admin"),
                "make the bot an admin with the rights to delete messages, ban users, invite users and pin",
            ));
            continue;
        };
        let missing: Vec<&str> = RIGHTS_USED
            .iter()
            .filter(|(right, _)| !rights.has(*right))
            .map(|(_, why)| *why)
            .collect();
        if missing.is_empty() {
            fine += 1;
        } else {
            report.findings.push(Finding::problem(
                format!("group {name}: the bot cannot {}", missing.join(", ")),
                "give the bot those admin rights in the group's settings",
            ));
        }
    }
    if fine > 0 {
        report.findings.push(Finding::ok(format!(
            "groups: the bot has every right it uses in {fine} of {} active groups",
            groups.len()
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_each_problem_with_its_fix_and_counts_them() {
        let report = Report {
            findings: vec![
                Finding::ok("token: works"),
                Finding::problem("clock: 90 s off", "sync the clock"),
            ],
        };
        let text = report.render();
        assert!(text.contains("ok       token: works"), "{text}");
        assert!(
            text.contains("PROBLEM  clock: 90 s off\n         fix: sync the clock"),
            "{text}"
        );
        assert!(text.ends_with("1 problem found\n"), "{text}");
        assert_eq!(report.problems(), 1);
    }
}
