//! The entry gate's pure core: who is admitted how ([`admit`]), the gate modes, arithmetic questions,
//! the owner's quiz, the buttons' order, the callback data, and the raid detector. No Telegram, no database, no clock: randomness and
//! time are passed in.

use rand::Rng;

/// The shortest gate timeout an admin may set, in seconds.
pub const MIN_TIMEOUT: u64 = 15;
/// The longest gate timeout an admin may set, in seconds.
pub const MAX_TIMEOUT: u64 = 600;
/// Telegram lets a bot write to a join requester for five minutes, so their gate never lasts longer.
pub const MAX_REQUEST_TIMEOUT: u64 = 300;
/// The most answers a quiz may offer (right one included), so the buttons fit on a phone.
pub const MAX_QUIZ_OPTIONS: usize = 6;
/// The longest quiz answer, in characters (a button label).
pub const MAX_ANSWER_CHARS: usize = 40;
/// The longest quiz question, in characters.
pub const MAX_QUESTION_CHARS: usize = 300;

/// How a group checks newcomers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No gate.
    Off,
    /// One "I'm human" button.
    Button,
    /// A small sum with four options.
    Math,
    /// The owner's own question.
    Quiz,
}

impl Mode {
    /// Reads a mode as written in a command or a setting.
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => Some(Mode::Off),
            "button" => Some(Mode::Button),
            "math" => Some(Mode::Math),
            "quiz" => Some(Mode::Quiz),
            _ => None,
        }
    }

    /// The name stored in the database and shown to admins.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::Button => "button",
            Mode::Math => "math",
            Mode::Quiz => "quiz",
        }
    }
}

/// A question with its buttons, ready to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The question text (empty for the button gate, whose wording comes from the caller).
    pub question: String,
    /// The button labels in the order shown.
    pub options: Vec<String>,
    /// The index of the right button.
    pub answer: usize,
}

/// An arithmetic question: `a + b` or `a − b` (never negative) or `a × b` with small numbers, its right
/// answer and three distinct wrong answers close to it, shuffled.
pub fn math_challenge(rng: &mut impl Rng) -> Challenge {
    let (question, right) = match rng.random_range(0..3u8) {
        0 => {
            let (a, b) = (rng.random_range(2..=20i64), rng.random_range(2..=20i64));
            (format!("{a} + {b} = ?"), a + b)
        }
        1 => {
            let (a, b) = (rng.random_range(10..=30i64), rng.random_range(1..=9i64));
            (format!("{a} − {b} = ?"), a - b)
        }
        _ => {
            let (a, b) = (rng.random_range(2..=9i64), rng.random_range(2..=9i64));
            (format!("{a} × {b} = ?"), a * b)
        }
    };
    let mut wrong = Vec::new();
    while wrong.len() < 3 {
        let offset = rng.random_range(1..=5i64) * if rng.random_bool(0.5) { 1 } else { -1 };
        let candidate = right + offset;
        if candidate >= 0 && candidate != right && !wrong.contains(&candidate) {
            wrong.push(candidate);
        }
    }
    let mut options = vec![right.to_string()];
    options.extend(wrong.iter().map(|n| n.to_string()));
    shuffled(question, options, rng)
}

/// Shuffles `options` (the right one first) and remembers where the right one went.
pub fn shuffled(question: String, options: Vec<String>, rng: &mut impl Rng) -> Challenge {
    let mut order: Vec<usize> = (0..options.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    let answer = order.iter().position(|&i| i == 0).unwrap_or(0);
    Challenge {
        question,
        options: order.into_iter().map(|i| options[i].clone()).collect(),
        answer,
    }
}

/// The owner's quiz.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quiz {
    /// The question.
    pub question: String,
    /// The right answer.
    pub right: String,
    /// The wrong answers.
    pub wrong: Vec<String>,
}

/// Why a quiz was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuizError {
    /// No question before the first `|`.
    NoQuestion,
    /// No right answer after the question.
    NoRightAnswer,
    /// Only a right answer: nothing to choose from.
    NoWrongAnswer,
    /// More answers than fit as buttons.
    TooManyAnswers,
    /// An answer longer than a button label may be.
    AnswerTooLong,
    /// A question longer than allowed.
    QuestionTooLong,
    /// The same answer given twice.
    DuplicateAnswer,
}

/// Reads `question | right | wrong 1 | wrong 2 …`.
pub fn parse_quiz(text: &str) -> Result<Quiz, QuizError> {
    let mut parts = text.split('|').map(str::trim);
    let question = parts.next().unwrap_or_default().to_string();
    if question.is_empty() {
        return Err(QuizError::NoQuestion);
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(QuizError::QuestionTooLong);
    }
    let right = match parts.next() {
        Some(right) if !right.is_empty() => right.to_string(),
        _ => return Err(QuizError::NoRightAnswer),
    };
    let wrong: Vec<String> = parts.filter(|p| !p.is_empty()).map(String::from).collect();
    if wrong.is_empty() {
        return Err(QuizError::NoWrongAnswer);
    }
    if wrong.len() + 1 > MAX_QUIZ_OPTIONS {
        return Err(QuizError::TooManyAnswers);
    }
    let all: Vec<&String> = std::iter::once(&right).chain(wrong.iter()).collect();
    if all.iter().any(|a| a.chars().count() > MAX_ANSWER_CHARS) {
        return Err(QuizError::AnswerTooLong);
    }
    for (i, a) in all.iter().enumerate() {
        if all[..i]
            .iter()
            .any(|b| b.to_lowercase() == a.to_lowercase())
        {
            return Err(QuizError::DuplicateAnswer);
        }
    }
    Ok(Quiz {
        question,
        right,
        wrong,
    })
}

impl Quiz {
    /// The quiz as a challenge with its answers shuffled.
    pub fn challenge(&self, rng: &mut impl Rng) -> Challenge {
        let mut options = vec![self.right.clone()];
        options.extend(self.wrong.iter().cloned());
        shuffled(self.question.clone(), options, rng)
    }

    /// The answers as stored: the right one first, one per line.
    pub fn stored_answers(&self) -> String {
        std::iter::once(self.right.as_str())
            .chain(self.wrong.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Rebuilds a stored quiz.
    pub fn from_stored(question: &str, answers: &str) -> Option<Quiz> {
        let mut lines = answers.lines();
        let right = lines.next()?.to_string();
        let wrong: Vec<String> = lines.map(String::from).collect();
        (!question.is_empty() && !wrong.is_empty()).then(|| Quiz {
            question: question.to_string(),
            right,
            wrong,
        })
    }
}

/// The callback data of a gate button: `wg:<gate id>:<option index>`.
pub fn callback_data(gate_id: i64, option: usize) -> String {
    format!("wg:{gate_id}:{option}")
}

/// Reads gate callback data; `None` for anything else.
pub fn parse_callback(data: &str) -> Option<(i64, usize)> {
    let rest = data.strip_prefix("wg:")?;
    let (gate, option) = rest.split_once(':')?;
    Some((gate.parse().ok()?, option.parse().ok()?))
}

/// The callback data of a button under a captcha message that asks several members at once:
/// `wb:<batch id>:<option index>`. A press counts only for the members the message lists.
pub fn batch_callback_data(batch_id: i64, option: usize) -> String {
    format!("wb:{batch_id}:{option}")
}

/// Reads batch callback data; `None` for anything else.
pub fn parse_batch_callback(data: &str) -> Option<(i64, usize)> {
    let rest = data.strip_prefix("wb:")?;
    let (batch, option) = rest.split_once(':')?;
    Some((batch.parse().ok()?, option.parse().ok()?))
}

/// The most members one captcha message asks (their mentions must fit one message).
pub const MAX_PER_BATCH: usize = 30;

/// The shortest time, in seconds, between two captcha messages (and between two welcomes) of one group:
/// each kind may use at most a quarter of the group's send budget of `count` messages per `window_secs`,
/// and never less than `floor` seconds apart. Joins in between wait and are asked (or greeted) together.
pub fn message_gap(count: u32, window_secs: u64, floor: u64) -> u64 {
    let share = (window_secs.saturating_mul(4)).div_ceil(u64::from(count.max(1)));
    share.max(floor)
}

/// The callback data of the one button that lets members held during a raid answer the group's check
/// (in a private chat with the bot).
pub const RELEASE_DATA: &str = "wh";

/// The deep-link payload prefix (`/start gate_<group id>`) that asks a member held during a raid the
/// group's check in a private chat.
pub const RELEASE_PAYLOAD: &str = "gate_";

/// Whether the joins seen at `join_times` (unix seconds) reach `threshold` within the `window` seconds
/// ending at `now`.
pub fn is_raid(join_times: &[i64], now: i64, threshold: u32, window: i64) -> bool {
    let recent = join_times
        .iter()
        .filter(|&&at| at > now - window && at <= now)
        .count();
    recent >= threshold as usize
}

/// Reads the time to answer as `/captcha` takes it (`90`, `90s`, `2m`, `2分钟`): 15 seconds to 10 minutes.
pub fn parse_timeout(text: &str) -> Option<u64> {
    let secs = crate::args::parse_duration(text).ok()?.as_secs();
    (MIN_TIMEOUT..=MAX_TIMEOUT).contains(&secs).then_some(secs)
}

/// What is known about a join when it is decided: gathered by the joins flow, so nothing here reads
/// Telegram, the database or the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinFacts {
    /// The newcomer is a bot.
    pub is_bot: bool,
    /// The group removes bots that a member who is not an admin added.
    pub remove_bots: bool,
    /// Someone else added the newcomer, and that was the bot itself or an admin.
    pub added_by_admin: bool,
    /// The newcomer passed their join request's check in a private chat (asked only for people).
    pub passed_request: bool,
    /// The newcomer is an admin of the group (asked only for people neither of the above exempts).
    pub is_admin: bool,
    /// Raid mode is on in the group.
    pub raid: bool,
    /// Raid mode removes newcomers rather than holding them restricted.
    pub raid_kicks: bool,
    /// The group is a supergroup; a basic group cannot restrict anyone.
    pub supergroup: bool,
    /// How the group checks newcomers.
    pub mode: Mode,
}

/// What happens to a newcomer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Nothing: a bot that may stay, or a newcomer during a raid in a basic group (which cannot restrict
    /// anyone, so the raid only silences the welcomes there).
    Ignore,
    /// A bot that a member who is not an admin added is removed.
    RemoveBot,
    /// Raid mode: restricted silently and held until it ends.
    Hold,
    /// Raid mode: removed.
    Kick,
    /// Let in and greeted with the next welcome.
    Welcome,
    /// The group checks newcomers but is a basic group, which cannot restrict anyone: the newcomer is let
    /// in and greeted, and the admins are told (once in a while) that the check needs a supergroup.
    Unguarded,
    /// Restricted until they answer the group's check in this mode.
    Gate(Mode),
}

impl Admission {
    /// Whether acting on it needs the bot's right to restrict members, which the flow checks first.
    pub fn needs_restrict_right(self) -> bool {
        matches!(self, Admission::RemoveBot | Admission::Gate(_))
    }

    /// What happens instead when the bot lacks the right to restrict (the admins are told): a bot stays,
    /// and a newcomer is let in unchecked.
    pub fn without_restrict_right(self) -> Admission {
        match self {
            Admission::RemoveBot => Admission::Ignore,
            Admission::Gate(_) => Admission::Welcome,
            other => other,
        }
    }
}

/// Decides what happens to a newcomer. Bots are only looked at to remove those a member added. People
/// whom an admin (or the bot) added, who passed their join request's check or who are admins are exempt
/// from raid mode and from the check. Raid mode holds (or removes) everyone else; otherwise they are
/// checked in the group's mode, or simply let in when the group has no check.
pub fn admit(facts: &JoinFacts) -> Admission {
    if facts.is_bot {
        return if facts.remove_bots && !facts.added_by_admin {
            Admission::RemoveBot
        } else {
            Admission::Ignore
        };
    }
    let exempt = facts.added_by_admin || facts.passed_request || facts.is_admin;
    if facts.raid && !exempt {
        return match (facts.supergroup, facts.raid_kicks) {
            (false, _) => Admission::Ignore,
            (true, false) => Admission::Hold,
            (true, true) => Admission::Kick,
        };
    }
    if exempt || facts.mode == Mode::Off {
        return Admission::Welcome;
    }
    if !facts.supergroup {
        return Admission::Unguarded;
    }
    Admission::Gate(facts.mode)
}

/// A newcomer's restriction from before the gate, as saved: the permissions it left them (the bits of
/// Telegram's chat permissions) and its end (a unix time, 0 for "until lifted").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prior {
    pub permissions: u16,
    pub until: i64,
}

/// How the gate's restriction ends when a newcomer passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lift {
    /// Every permission true, so the group's defaults apply to them like to any member.
    Free,
    /// The earlier restriction again, with its own end (0: until lifted), in place of the gate's.
    Restore { permissions: u16, until: i64 },
}

/// Telegram reads a restriction that ends sooner than this as one for ever.
pub const SHORTEST_RESTRICTION_SECS: i64 = 30;

/// How a pass lifts the gate's restriction: a live earlier restriction (one that takes away any of `all`,
/// the bits of every permission) is applied again with its original end; one that is over, or ends so
/// soon that Telegram would read the end as "for ever", is not.
pub fn lift(prior: Option<Prior>, all: u16, now: i64) -> Lift {
    match prior {
        Some(Prior { permissions, until })
            if permissions & all != all
                && (until == 0 || until - now >= SHORTEST_RESTRICTION_SECS) =>
        {
            Lift::Restore { permissions, until }
        }
        _ => Lift::Free,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn solve(question: &str) -> i64 {
        let words: Vec<&str> = question.split_whitespace().collect();
        let (a, b): (i64, i64) = (words[0].parse().unwrap(), words[2].parse().unwrap());
        match words[1] {
            "+" => a + b,
            "−" => a - b,
            "×" => a * b,
            other => panic!("unknown operator {other}"),
        }
    }

    #[test]
    fn math_questions_have_one_right_answer_among_four_distinct_options() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut answer_positions = [0usize; 4];
        for _ in 0..500 {
            let challenge = math_challenge(&mut rng);
            assert_eq!(challenge.options.len(), 4);
            let right = solve(&challenge.question);
            assert_eq!(challenge.options[challenge.answer], right.to_string());
            let mut sorted = challenge.options.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 4, "distinct options: {challenge:?}");
            assert!(challenge
                .options
                .iter()
                .all(|o| o.parse::<i64>().unwrap() >= 0));
            answer_positions[challenge.answer] += 1;
        }
        assert!(
            answer_positions.iter().all(|&n| n > 60),
            "the right answer moves around: {answer_positions:?}"
        );
    }

    #[test]
    fn quiz_parses_and_refuses_bad_input() {
        let quiz = parse_quiz(" 本群讨论什么？ | Rust | Python | 炒股 ").unwrap();
        assert_eq!(quiz.question, "本群讨论什么？");
        assert_eq!(quiz.right, "Rust");
        assert_eq!(quiz.wrong, vec!["Python", "炒股"]);
        assert_eq!(parse_quiz("| a | b"), Err(QuizError::NoQuestion));
        assert_eq!(parse_quiz("question"), Err(QuizError::NoRightAnswer));
        assert_eq!(parse_quiz("question |  | b"), Err(QuizError::NoRightAnswer));
        assert_eq!(parse_quiz("question | a"), Err(QuizError::NoWrongAnswer));
        assert_eq!(
            parse_quiz("q | a | b | c | d | e | f | g"),
            Err(QuizError::TooManyAnswers)
        );
        assert_eq!(parse_quiz("q | a | A"), Err(QuizError::DuplicateAnswer));
        let long = "x".repeat(MAX_ANSWER_CHARS + 1);
        assert_eq!(
            parse_quiz(&format!("q | {long} | b")),
            Err(QuizError::AnswerTooLong)
        );
    }

    #[test]
    fn quiz_round_trips_through_storage_and_shuffles_with_the_answer_tracked() {
        let quiz = parse_quiz("q | right | w1 | w2").unwrap();
        let stored = Quiz::from_stored(&quiz.question, &quiz.stored_answers()).unwrap();
        assert_eq!(stored, quiz);
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..50 {
            let challenge = quiz.challenge(&mut rng);
            assert_eq!(challenge.options[challenge.answer], "right");
            assert_eq!(challenge.options.len(), 3);
        }
    }

    #[test]
    fn callback_data_round_trips_and_rejects_others() {
        let data = callback_data(123_456_789, 3);
        assert!(data.len() <= 64);
        assert_eq!(parse_callback(&data), Some((123_456_789, 3)));
        assert_eq!(parse_callback("rp:1:2"), None);
        assert_eq!(parse_callback("wg:x:1"), None);
        assert_eq!(parse_callback("wg:1"), None);
    }

    #[test]
    fn batch_data_round_trips_and_gaps_follow_the_budget() {
        let data = batch_callback_data(987_654_321, 2);
        assert!(data.len() <= 64);
        assert_eq!(parse_batch_callback(&data), Some((987_654_321, 2)));
        assert_eq!(parse_batch_callback("wg:1:2"), None);
        assert_eq!(parse_callback(&data), None, "not a single gate's data");
        assert_eq!(message_gap(20, 60, 0), 12, "a quarter of 20 a minute");
        assert_eq!(message_gap(10, 60, 0), 24, "a smaller budget, a longer gap");
        assert_eq!(
            message_gap(1000, 1, 12),
            12,
            "a generous limiter does not shorten the floor"
        );
    }

    #[test]
    fn raid_counts_only_joins_inside_the_window() {
        let now = 1_000;
        let joins: Vec<i64> = (0..14).map(|i| now - i).collect();
        assert!(!is_raid(&joins, now, 15, 60), "14 joins are not 15");
        let mut more = joins.clone();
        more.push(now - 59);
        assert!(is_raid(&more, now, 15, 60));
        let mut old = joins;
        old.push(now - 60);
        assert!(
            !is_raid(&old, now, 15, 60),
            "a join 60 s ago has left the window"
        );
        assert!(
            !is_raid(&[now + 5; 20], now, 15, 60),
            "future joins do not count"
        );
    }

    #[test]
    fn timeouts_and_modes_parse() {
        assert_eq!(parse_timeout("120"), Some(120));
        assert_eq!(parse_timeout("15s"), Some(15));
        assert_eq!(parse_timeout("14"), None);
        assert_eq!(parse_timeout("601"), None);
        assert_eq!(parse_timeout("abc"), None);
        assert_eq!(parse_timeout("2m"), Some(120));
        assert_eq!(parse_timeout("2分钟"), Some(120));
        assert_eq!(parse_timeout("5"), None);
        assert_eq!(Mode::parse("MATH"), Some(Mode::Math));
        assert_eq!(Mode::parse("riddle"), None);
    }

    /// A person joining a supergroup by themselves, with a button check and no raid.
    fn newcomer() -> JoinFacts {
        JoinFacts {
            is_bot: false,
            remove_bots: true,
            added_by_admin: false,
            passed_request: false,
            is_admin: false,
            raid: false,
            raid_kicks: false,
            supergroup: true,
            mode: Mode::Button,
        }
    }

    #[test]
    fn a_newcomer_is_checked_in_the_groups_mode() {
        assert_eq!(admit(&newcomer()), Admission::Gate(Mode::Button));
        let quiz = JoinFacts {
            mode: Mode::Quiz,
            ..newcomer()
        };
        assert_eq!(admit(&quiz), Admission::Gate(Mode::Quiz));
    }

    #[test]
    fn without_a_check_or_when_exempt_a_newcomer_is_welcomed() {
        let off = JoinFacts {
            mode: Mode::Off,
            ..newcomer()
        };
        assert_eq!(admit(&off), Admission::Welcome);
        for exempt in [
            JoinFacts {
                added_by_admin: true,
                ..newcomer()
            },
            JoinFacts {
                passed_request: true,
                ..newcomer()
            },
            JoinFacts {
                is_admin: true,
                ..newcomer()
            },
        ] {
            assert_eq!(admit(&exempt), Admission::Welcome, "{exempt:?}");
            let in_raid = JoinFacts {
                raid: true,
                ..exempt
            };
            assert_eq!(
                admit(&in_raid),
                Admission::Welcome,
                "raids spare {exempt:?}"
            );
        }
    }

    #[test]
    fn a_basic_group_lets_newcomers_in_unchecked() {
        let basic = JoinFacts {
            supergroup: false,
            ..newcomer()
        };
        assert_eq!(admit(&basic), Admission::Unguarded);
        let off = JoinFacts {
            mode: Mode::Off,
            ..basic
        };
        assert_eq!(admit(&off), Admission::Welcome, "nothing to warn about");
    }

    #[test]
    fn raid_mode_holds_or_removes_newcomers() {
        let raid = JoinFacts {
            raid: true,
            ..newcomer()
        };
        assert_eq!(admit(&raid), Admission::Hold);
        let off = JoinFacts {
            mode: Mode::Off,
            ..raid
        };
        assert_eq!(admit(&off), Admission::Hold, "even without a check");
        let kicks = JoinFacts {
            raid_kicks: true,
            ..raid
        };
        assert_eq!(admit(&kicks), Admission::Kick);
        let basic = JoinFacts {
            supergroup: false,
            ..kicks
        };
        assert_eq!(admit(&basic), Admission::Ignore, "a basic group cannot act");
    }

    #[test]
    fn bots_are_removed_only_when_a_member_added_them() {
        let bot = JoinFacts {
            is_bot: true,
            ..newcomer()
        };
        assert_eq!(admit(&bot), Admission::RemoveBot);
        let by_admin = JoinFacts {
            added_by_admin: true,
            ..bot
        };
        assert_eq!(admit(&by_admin), Admission::Ignore);
        let kept = JoinFacts {
            remove_bots: false,
            ..bot
        };
        assert_eq!(admit(&kept), Admission::Ignore);
        let in_raid = JoinFacts { raid: true, ..bot };
        assert_eq!(
            admit(&in_raid),
            Admission::RemoveBot,
            "raids are about people"
        );
    }

    #[test]
    fn without_the_right_to_restrict_bots_stay_and_newcomers_are_let_in() {
        let all = [
            Admission::Ignore,
            Admission::RemoveBot,
            Admission::Hold,
            Admission::Kick,
            Admission::Welcome,
            Admission::Unguarded,
            Admission::Gate(Mode::Math),
        ];
        for admission in all {
            let fallback = admission.without_restrict_right();
            if admission.needs_restrict_right() {
                assert!(!fallback.needs_restrict_right(), "{admission:?}");
            } else {
                assert_eq!(fallback, admission);
            }
        }
        assert_eq!(
            Admission::RemoveBot.without_restrict_right(),
            Admission::Ignore
        );
        assert_eq!(
            Admission::Gate(Mode::Button).without_restrict_right(),
            Admission::Welcome
        );
    }

    #[test]
    fn a_pass_restores_only_a_live_earlier_restriction() {
        let all = 0b1111;
        let muted = |until| {
            Some(Prior {
                permissions: 0,
                until,
            })
        };
        assert_eq!(lift(None, all, 100), Lift::Free);
        assert_eq!(
            lift(muted(86_500), all, 100),
            Lift::Restore {
                permissions: 0,
                until: 86_500
            }
        );
        assert_eq!(
            lift(muted(0), all, 100),
            Lift::Restore {
                permissions: 0,
                until: 0
            },
            "a mute until lifted stays"
        );
        assert_eq!(lift(muted(50), all, 100), Lift::Free, "over");
        assert_eq!(
            lift(muted(120), all, 100),
            Lift::Free,
            "20 s left would read as for ever"
        );
        let unrestricted = Some(Prior {
            permissions: all,
            until: 0,
        });
        assert_eq!(lift(unrestricted, all, 100), Lift::Free);
        let no_media = Some(Prior {
            permissions: 0b0001,
            until: 500,
        });
        assert_eq!(
            lift(no_media, all, 100),
            Lift::Restore {
                permissions: 0b0001,
                until: 500
            }
        );
    }
}
