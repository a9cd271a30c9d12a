//! Reading the words after `/hongbao`: totals, counts, the exclusive target's text, and the phrase or question
//! of a 口令/答题 packet. Pure: no lookups, no replies.

use super::{eligibility, store};
use store::{ClaimMode, PacketKind};

/// What the words after `/hongbao` ask for, before any target is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Request<'a> {
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

/// Splits off the first word.
pub(super) fn first_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(at) => (&text[..at], text[at..].trim_start()),
        None => (text, ""),
    }
}

/// A whole number as typed (full-width digits allowed), of any sign.
pub(super) fn integer(word: &str) -> Option<i64> {
    let normalized: String = word
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' => '-',
            _ => c,
        })
        .collect();
    match normalized.parse::<i128>() {
        Ok(value) => Some(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64),
        // More digits than any integer holds is still a number, just far too large (or small).
        Err(_) => {
            let (negative, digits) = match normalized.strip_prefix('-') {
                Some(digits) => (true, digits),
                None => (false, normalized.strip_prefix('+').unwrap_or(&normalized)),
            };
            (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
                .then_some(if negative { i64::MIN } else { i64::MAX })
        }
    }
}

/// A share count as typed, clamped into `u32` (the split check reports a zero or too large count).
pub(super) fn count_of(value: i64) -> u32 {
    value.clamp(0, i64::from(u32::MAX)) as u32
}

/// Reads `/hongbao` arguments (without `mint`). A first number above `max_total` cannot be a total, so it is
/// read as a user id (and answered as a total above the maximum when nobody with that id was seen here).
pub(super) fn parse_request(args: &str, max_total: i64) -> Request<'_> {
    let (first, rest) = first_word(args);
    if first.is_empty() {
        return Request::Usage;
    }
    if first.eq_ignore_ascii_case("equal") || first == "平分" {
        let (total, rest) = first_word(rest);
        let (count, wish) = first_word(rest);
        return match (integer(total), integer(count)) {
            (Some(total), Some(count)) => Request::Split {
                kind: PacketKind::Equal,
                total,
                count: count_of(count),
                wish,
            },
            _ => Request::Usage,
        };
    }
    let (second, wish) = first_word(rest);
    match (integer(first), integer(second)) {
        (Some(total), Some(count)) if total <= max_total => Request::Split {
            kind: PacketKind::Lucky,
            total,
            count: count_of(count),
            wish,
        },
        _ => Request::Exclusive(args.trim()),
    }
}

/// The words after `/hongbao pass` or `/hongbao quiz`: total, count and the rest.
pub(super) fn split_typed(args: &str) -> Option<(i64, u32, &str)> {
    let (total, rest) = first_word(args);
    let (count, rest) = first_word(rest);
    Some((integer(total)?, count_of(integer(count)?), rest.trim()))
}

/// Reads the claim mode of `/hongbao pass …` and `/hongbao quiz … | …`; `None` means the usage text.
pub(super) fn typed_mode(quiz: bool, rest: &str) -> Option<ClaimMode> {
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
            Request::Split {
                kind: PacketKind::Lucky,
                total: 100,
                count: 5,
                wish: "恭喜发财"
            }
        );
        assert_eq!(
            parse_request("equal 100 3", 1000),
            Request::Split {
                kind: PacketKind::Equal,
                total: 100,
                count: 3,
                wish: ""
            }
        );
        assert_eq!(
            parse_request("@bob 50 hi", 1000),
            Request::Exclusive("@bob 50 hi")
        );
        assert_eq!(
            parse_request("50 thanks", 1000),
            Request::Exclusive("50 thanks")
        );
        assert_eq!(
            parse_request("123456789 50", 1000),
            Request::Exclusive("123456789 50")
        );
        assert_eq!(
            parse_request("100 0", 1000),
            Request::Split {
                kind: PacketKind::Lucky,
                total: 100,
                count: 0,
                wish: ""
            }
        );
        assert_eq!(
            parse_request("2000000 5", 1_000_000),
            Request::Exclusive("2000000 5")
        );
        assert_eq!(
            parse_request("99999999999999999999999999999999999999999 5", i64::MAX),
            Request::Split {
                kind: PacketKind::Lucky,
                total: i64::MAX,
                count: 5,
                wish: ""
            }
        );
        assert_eq!(parse_request("", 1000), Request::Usage);
        assert_eq!(parse_request("equal 5", 1000), Request::Usage);
        assert_eq!(
            parse_request("１００ ５", 1000),
            Request::Split {
                kind: PacketKind::Lucky,
                total: 100,
                count: 5,
                wish: ""
            }
        );
    }

    #[test]
    fn numbers_too_long_for_any_integer_are_still_numbers() {
        assert_eq!(integer("123"), Some(123));
        assert_eq!(
            integer("99999999999999999999999999999999999999999"),
            Some(i64::MAX)
        );
        assert_eq!(
            integer("-99999999999999999999999999999999999999999"),
            Some(i64::MIN)
        );
        assert_eq!(integer("12a"), None);
        assert_eq!(integer("-"), None);
    }
}
