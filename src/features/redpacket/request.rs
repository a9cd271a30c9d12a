//! Reading the words after `/hongbao`: totals, counts, the exclusive target's text, and the phrase or question
//! of a 口令/答题 packet. Pure: no lookups, no replies.

use super::{eligibility, store};
use crate::args::{first_word, parse_integer};
use store::{ClaimMode, PacketKind};

/// What `/hongbao …` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Hongbao<'a> {
    /// `/hongbao rules`.
    Rules,
    /// `/hongbao set …`: the words after `set`.
    SetRule(&'a str),
    /// A packet, paid by the sender or (`mint`) by the group's mint.
    Send { from_mint: bool, order: Order<'a> },
}

/// The packet a `/hongbao` asks for, before any target is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Order<'a> {
    /// `pass <total> <count> <口令>` or `quiz <total> <count> <question> | <answer>`: a lucky split claimed by
    /// typing. The phrase or question is shown by the packet itself, so it carries no wish.
    Typed {
        total: i64,
        count: u32,
        mode: ClaimMode,
    },
    /// A `pass` or `quiz` packet that could not be read.
    TypedUsage { quiz: bool },
    /// `<total> <count> [wish]`, lucky or equal.
    Split {
        kind: PacketKind,
        total: i64,
        count: u32,
        wish: &'a str,
    },
    /// `<target> <amount> [wish]`: the text starting at the target.
    Exclusive(&'a str),
    /// Nothing usable.
    Usage,
}

/// A share count as typed, clamped into `u32` (the split check reports a zero or too large count).
pub(super) fn count_of(value: i64) -> u32 {
    value.clamp(0, i64::from(u32::MAX)) as u32
}

/// Reads everything after `/hongbao`. The rules commands come first (they need no paying sender), then
/// `mint`, then `pass`/`口令` and `quiz`/`答题`; anything else is a lucky, equal or exclusive packet.
pub(super) fn parse(args: &str, max_total: i64) -> Hongbao<'_> {
    let (word, rest) = first_word(args);
    match word.to_lowercase().as_str() {
        "rules" | "规则" => return Hongbao::Rules,
        "set" | "设置" => return Hongbao::SetRule(rest),
        _ => {}
    }
    let (from_mint, args) = if word.eq_ignore_ascii_case("mint") {
        (true, rest)
    } else {
        (false, args)
    };
    let (word, rest) = first_word(args);
    let order = match word.to_lowercase().as_str() {
        kind @ ("pass" | "口令" | "quiz" | "答题") => {
            let quiz = matches!(kind, "quiz" | "答题");
            split_typed(rest)
                .and_then(|(total, count, rest)| Some((total, count, typed_mode(quiz, rest)?)))
                .map_or(Order::TypedUsage { quiz }, |(total, count, mode)| {
                    Order::Typed { total, count, mode }
                })
        }
        _ => parse_request(args, max_total),
    };
    Hongbao::Send { from_mint, order }
}

/// Reads `/hongbao` arguments (without `mint`). A first number above `max_total` cannot be a total, so it is
/// read as a user id (and answered as a total above the maximum when nobody with that id was seen here).
fn parse_request(args: &str, max_total: i64) -> Order<'_> {
    let (first, rest) = first_word(args);
    if first.is_empty() {
        return Order::Usage;
    }
    if first.eq_ignore_ascii_case("equal") || first == "平分" {
        let (total, rest) = first_word(rest);
        let (count, wish) = first_word(rest);
        return match (parse_integer(total), parse_integer(count)) {
            (Some(total), Some(count)) => Order::Split {
                kind: PacketKind::Equal,
                total,
                count: count_of(count),
                wish,
            },
            _ => Order::Usage,
        };
    }
    let (second, wish) = first_word(rest);
    match (parse_integer(first), parse_integer(second)) {
        (Some(total), Some(count)) if total <= max_total => Order::Split {
            kind: PacketKind::Lucky,
            total,
            count: count_of(count),
            wish,
        },
        _ => Order::Exclusive(args.trim()),
    }
}

/// The words after `/hongbao pass` or `/hongbao quiz`: total, count and the rest.
fn split_typed(args: &str) -> Option<(i64, u32, &str)> {
    let (total, rest) = first_word(args);
    let (count, rest) = first_word(rest);
    Some((
        parse_integer(total)?,
        count_of(parse_integer(count)?),
        rest.trim(),
    ))
}

/// Reads the claim mode of `/hongbao pass …` and `/hongbao quiz … | …`; `None` means the usage text.
fn typed_mode(quiz: bool, rest: &str) -> Option<ClaimMode> {
    if quiz {
        let (question, answer) = rest.split_once(['|', '｜'])?;
        let (question, answer) = (question.trim(), eligibility::normalize(answer));
        (!question.is_empty() && !answer.is_empty()).then(|| ClaimMode::Quiz {
            question: question.chars().take(300).collect(),
            answer,
        })
    } else {
        let phrase = rest.trim();
        (!phrase.is_empty() && !phrase.starts_with('/') && phrase.chars().count() <= 100).then(
            || ClaimMode::Pass {
                phrase: phrase.to_string(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_read_as_documented() {
        assert_eq!(
            parse_request("100 5 恭喜发财", 1000),
            Order::Split {
                kind: PacketKind::Lucky,
                total: 100,
                count: 5,
                wish: "恭喜发财"
            }
        );
        assert_eq!(
            parse_request("equal 100 3", 1000),
            Order::Split {
                kind: PacketKind::Equal,
                total: 100,
                count: 3,
                wish: ""
            }
        );
        assert_eq!(
            parse_request("@bob 50 hi", 1000),
            Order::Exclusive("@bob 50 hi")
        );
        assert_eq!(
            parse_request("50 thanks", 1000),
            Order::Exclusive("50 thanks")
        );
        assert_eq!(
            parse_request("123456789 50", 1000),
            Order::Exclusive("123456789 50")
        );
        assert_eq!(
            parse_request("100 0", 1000),
            Order::Split {
                kind: PacketKind::Lucky,
                total: 100,
                count: 0,
                wish: ""
            }
        );
        assert_eq!(
            parse_request("2000000 5", 1_000_000),
            Order::Exclusive("2000000 5")
        );
        assert_eq!(
            parse_request("99999999999999999999999999999999999999999 5", i64::MAX),
            Order::Split {
                kind: PacketKind::Lucky,
                total: i64::MAX,
                count: 5,
                wish: ""
            }
        );
        assert_eq!(parse_request("", 1000), Order::Usage);
        assert_eq!(parse_request("equal 5", 1000), Order::Usage);
        assert_eq!(
            parse_request("１００ ５", 1000),
            Order::Split {
                kind: PacketKind::Lucky,
                total: 100,
                count: 5,
                wish: ""
            }
        );
    }

    #[test]
    fn the_first_words_choose_the_command() {
        assert_eq!(parse("rules", 1000), Hongbao::Rules);
        assert_eq!(parse("规则", 1000), Hongbao::Rules);
        assert_eq!(
            parse("SET min_level 3", 1000),
            Hongbao::SetRule("min_level 3")
        );
        assert_eq!(
            parse("mint 100 5", 1000),
            Hongbao::Send {
                from_mint: true,
                order: Order::Split {
                    kind: PacketKind::Lucky,
                    total: 100,
                    count: 5,
                    wish: ""
                }
            }
        );
        assert_eq!(
            parse("pass 100 5 芝麻开门", 1000),
            Hongbao::Send {
                from_mint: false,
                order: Order::Typed {
                    total: 100,
                    count: 5,
                    mode: ClaimMode::Pass {
                        phrase: "芝麻开门".to_string()
                    }
                }
            }
        );
        assert_eq!(
            parse("mint 答题 100 5 1+1? | ２", 1000),
            Hongbao::Send {
                from_mint: true,
                order: Order::Typed {
                    total: 100,
                    count: 5,
                    mode: ClaimMode::Quiz {
                        question: "1+1?".to_string(),
                        answer: "2".to_string()
                    }
                }
            }
        );
        assert_eq!(
            parse("quiz 100 5 no answer", 1000),
            Hongbao::Send {
                from_mint: false,
                order: Order::TypedUsage { quiz: true }
            }
        );
        assert_eq!(
            parse("pass 100 5 /start", 1000),
            Hongbao::Send {
                from_mint: false,
                order: Order::TypedUsage { quiz: false }
            }
        );
        assert_eq!(
            parse("", 1000),
            Hongbao::Send {
                from_mint: false,
                order: Order::Usage
            }
        );
    }
}
