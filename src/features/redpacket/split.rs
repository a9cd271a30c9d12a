//! Splitting a red packet into shares, and picking its best luck.
//!
//! The whole share vector is computed when the packet is created and then shuffled with the packet's stream; a
//! grab simply takes the next unclaimed index. Because the vector is shuffled, the first and the last grabber
//! have exactly the same chances, which is not true when shares are drawn at grab time.
//!
//! Everything here is pure: the randomness comes from the packet's [`Stream`], so the same total, count and seed
//! always give the same shares, and anyone can recompute them with `/verify P<id>` (see `docs/verify.md`).

use thiserror::Error;

use crate::fairness::Stream;

/// The bounds a packet must respect; the values come from the group's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitLimits {
    /// The largest number of shares one packet may have.
    pub max_count: u32,
    /// The smallest share in points; at least 1, so that nobody ever grabs an empty share.
    pub min_share: i64,
    /// The largest total one packet may hold, in points.
    pub max_total: i64,
}

/// Why a packet cannot be split as asked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SplitError {
    /// A packet needs at least one share.
    #[error("a packet needs at least one share")]
    CountZero,
    /// More shares than the group allows.
    #[error("a packet may have at most {max} shares, not {count}")]
    CountAboveMax {
        /// The number of shares asked for.
        count: u32,
        /// The group's limit.
        max: u32,
    },
    /// The smallest share would be below one point.
    #[error("the smallest share must be at least 1 point, not {min_share}")]
    MinShareBelowOne {
        /// The minimum share that was given.
        min_share: i64,
    },
    /// The total cannot give every share its minimum.
    #[error("{total} points cannot make {count} shares of at least {min_share} points each")]
    TotalBelowMinimum {
        /// The total asked for.
        total: i64,
        /// The number of shares asked for.
        count: u32,
        /// The smallest share allowed.
        min_share: i64,
    },
    /// More points than the group allows in one packet.
    #[error("a packet may hold at most {max} points, not {total}")]
    TotalAboveMax {
        /// The total asked for.
        total: i64,
        /// The group's limit.
        max: i64,
    },
}

/// Checks the preconditions `1 ≤ count ≤ max_count`, `min_share ≥ 1`, `total ≥ count · min_share` and
/// `total ≤ max_total`, in that order, so the member hears about the first thing to fix.
pub fn check(total: i64, count: u32, limits: &SplitLimits) -> Result<(), SplitError> {
    if count == 0 {
        return Err(SplitError::CountZero);
    }
    if count > limits.max_count {
        return Err(SplitError::CountAboveMax {
            count,
            max: limits.max_count,
        });
    }
    if limits.min_share < 1 {
        return Err(SplitError::MinShareBelowOne {
            min_share: limits.min_share,
        });
    }
    // The product is formed in 128 bits, so a huge minimum cannot overflow into a small number.
    if i128::from(total) < i128::from(count) * i128::from(limits.min_share) {
        return Err(SplitError::TotalBelowMinimum {
            total,
            count,
            min_share: limits.min_share,
        });
    }
    if total > limits.max_total {
        return Err(SplitError::TotalAboveMax {
            total,
            max: limits.max_total,
        });
    }
    Ok(())
}

/// The limits the split functions enforce on their own: only the shape of the request, not the group's caps,
/// which the caller checks with [`check`] before it takes the sender's points.
fn structural(min_share: i64) -> SplitLimits {
    SplitLimits {
        max_count: u32::MAX,
        min_share,
        max_total: i64::MAX,
    }
}

/// A lucky packet: random shares of at least `min_share` that add up to `total` exactly, in shuffled order.
///
/// While `k ≥ 2` shares are left with `R` points remaining, the next share is
/// `a = min + uniform(hi − min + 1)` with `hi = min(⌊2R/k⌋, R − (k−1)·min)` (the double-mean rule, clamped so
/// that every later share can still get its minimum); the last share takes what remains. The vector is then
/// shuffled with the same stream, continuing where the shares left off.
pub fn lucky(
    total: i64,
    count: u32,
    min_share: i64,
    stream: &mut Stream,
) -> Result<Vec<i64>, SplitError> {
    check(total, count, &structural(min_share))?;
    let mut shares = Vec::with_capacity(count as usize);
    let mut remaining = total;
    for k in (2..=i64::from(count)).rev() {
        // 2R may exceed i64 for very large totals, so the mean is taken in 128 bits; the result is at most R.
        let double_mean = (2 * i128::from(remaining) / i128::from(k)) as i64;
        let hi = double_mean.min(remaining - (k - 1) * min_share);
        // `remaining ≥ k · min` holds on entry, so `hi ≥ min` and the span is at least 1.
        let span = (hi - min_share + 1) as u64;
        let share = min_share + stream.uniform(span) as i64;
        shares.push(share);
        remaining -= share;
    }
    shares.push(remaining);
    stream.shuffle(&mut shares);
    Ok(shares)
}

/// An equal packet: `total div count` points each, with the `total mod count` leftover points given as +1 to
/// shares chosen by the shuffle, so that nothing is dropped and no share differs from another by more than 1.
pub fn equal(total: i64, count: u32, stream: &mut Stream) -> Result<Vec<i64>, SplitError> {
    check(total, count, &structural(1))?;
    let n = i64::from(count);
    let (base, extra) = (total / n, total % n);
    let mut shares: Vec<i64> = (0..n)
        .map(|i| if i < extra { base + 1 } else { base })
        .collect();
    stream.shuffle(&mut shares);
    Ok(shares)
}

/// The best luck (手气最佳) among the claims, given as `(claim order, amount)` pairs: the index of the largest
/// amount, with a tie going to the earliest claim. `None` when there are no claims.
pub fn best_luck(claims: &[(u32, i64)]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (index, &(order, amount)) in claims.iter().enumerate() {
        let better = match best {
            None => true,
            Some(b) => {
                let (best_order, best_amount) = claims[b];
                amount > best_amount || (amount == best_amount && order < best_order)
            }
        };
        if better {
            best = Some(index);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fairness::{self, list_hash, Kind, Seed};
    use proptest::prelude::*;

    /// The stream of packet `id` under `seed`; a packet's participant list is always empty.
    fn packet_stream(seed: &Seed, id: i64) -> Stream {
        Stream::new(seed, &fairness::tag(Kind::Packet, id), &list_hash(""))
    }

    /// A distinct, reproducible seed for test number `i`.
    fn numbered_seed(i: u64) -> Seed {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&i.to_le_bytes());
        Seed::from_bytes(bytes)
    }

    const LIMITS: SplitLimits = SplitLimits {
        max_count: 100,
        min_share: 1,
        max_total: 1_000_000,
    };

    #[test]
    fn check_reports_the_first_problem() {
        assert_eq!(check(10, 0, &LIMITS), Err(SplitError::CountZero));
        assert_eq!(
            check(1000, 101, &LIMITS),
            Err(SplitError::CountAboveMax {
                count: 101,
                max: 100
            })
        );
        assert_eq!(
            check(1, 2, &LIMITS),
            Err(SplitError::TotalBelowMinimum {
                total: 1,
                count: 2,
                min_share: 1
            })
        );
        assert_eq!(
            check(1_000_001, 2, &LIMITS),
            Err(SplitError::TotalAboveMax {
                total: 1_000_001,
                max: 1_000_000
            })
        );
        let zero_min = SplitLimits {
            min_share: 0,
            ..LIMITS
        };
        assert_eq!(
            check(10, 2, &zero_min),
            Err(SplitError::MinShareBelowOne { min_share: 0 })
        );
        assert!(check(-5, 1, &LIMITS).is_err());
        assert_eq!(check(2, 2, &LIMITS), Ok(()));
        assert_eq!(check(1_000_000, 100, &LIMITS), Ok(()));
        // A minimum so large that count · min overflows i64 must still be refused, not wrap around.
        let huge_min = SplitLimits {
            min_share: i64::MAX,
            ..LIMITS
        };
        assert!(matches!(
            check(i64::MAX, 3, &huge_min),
            Err(SplitError::TotalBelowMinimum { .. })
        ));
    }

    #[test]
    fn splits_refuse_impossible_requests() {
        let seed = numbered_seed(1);
        assert_eq!(
            lucky(10, 0, 1, &mut packet_stream(&seed, 1)),
            Err(SplitError::CountZero)
        );
        assert!(lucky(9, 5, 2, &mut packet_stream(&seed, 1)).is_err());
        assert!(lucky(10, 5, 0, &mut packet_stream(&seed, 1)).is_err());
        assert_eq!(
            equal(3, 0, &mut packet_stream(&seed, 1)),
            Err(SplitError::CountZero)
        );
        assert!(
            equal(3, 4, &mut packet_stream(&seed, 1)).is_err(),
            "no 0-point shares"
        );
    }

    #[test]
    fn edge_splits() {
        let seed = numbered_seed(2);
        assert_eq!(
            lucky(7, 1, 1, &mut packet_stream(&seed, 1)).unwrap(),
            vec![7]
        );
        assert_eq!(
            lucky(5, 5, 1, &mut packet_stream(&seed, 1)).unwrap(),
            vec![1; 5]
        );
        assert_eq!(
            lucky(15, 5, 3, &mut packet_stream(&seed, 1)).unwrap(),
            vec![3; 5]
        );
        assert_eq!(
            equal(10, 5, &mut packet_stream(&seed, 1)).unwrap(),
            vec![2; 5]
        );
        let big = lucky(i64::MAX, 3, 1, &mut packet_stream(&seed, 1)).unwrap();
        assert_eq!(
            big.iter().map(|&s| i128::from(s)).sum::<i128>(),
            i128::from(i64::MAX)
        );
    }

    #[test]
    fn best_luck_takes_the_largest_and_the_earliest_on_ties() {
        assert_eq!(best_luck(&[]), None);
        assert_eq!(best_luck(&[(0, 5)]), Some(0));
        assert_eq!(best_luck(&[(0, 5), (1, 9), (2, 3)]), Some(1));
        assert_eq!(best_luck(&[(0, 5), (1, 9), (2, 9)]), Some(1));
        // The slice need not be in claim order: the tie goes to the smaller claim order.
        assert_eq!(best_luck(&[(4, 9), (2, 9), (3, 1)]), Some(1));
    }

    proptest! {
        #[test]
        fn lucky_shares_add_up_and_respect_the_minimum(
            count in 1u32..=200,
            min_share in 1i64..=20,
            extra in 0i64..=100_000,
            seed in any::<[u8; 32]>(),
        ) {
            let total = i64::from(count) * min_share + extra;
            let seed = Seed::from_bytes(seed);
            let shares = lucky(total, count, min_share, &mut packet_stream(&seed, 3)).unwrap();
            prop_assert_eq!(shares.len(), count as usize);
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            prop_assert!(shares.iter().all(|&s| s >= min_share));
            let again = lucky(total, count, min_share, &mut packet_stream(&seed, 3)).unwrap();
            prop_assert_eq!(shares, again);
        }

        #[test]
        fn equal_shares_add_up_and_differ_by_at_most_one(
            count in 1u32..=200,
            extra in 0i64..=100_000,
            seed in any::<[u8; 32]>(),
        ) {
            let total = i64::from(count) + extra;
            let seed = Seed::from_bytes(seed);
            let shares = equal(total, count, &mut packet_stream(&seed, 4)).unwrap();
            prop_assert_eq!(shares.len(), count as usize);
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            let (lo, hi) = (*shares.iter().min().unwrap(), *shares.iter().max().unwrap());
            prop_assert!(hi - lo <= 1);
            prop_assert!(lo >= 1);
            prop_assert_eq!(shares, equal(total, count, &mut packet_stream(&seed, 4)).unwrap());
        }
    }

    /// Over many packets of 100 points in 5 shares, every grab position is equally likely to hold the best luck.
    ///
    /// Ties for the largest share go to the earlier grab, which favours early positions slightly; the test
    /// measures that effect too, so that the stated bound covers it.
    #[test]
    fn every_grab_position_has_the_same_best_luck_chance() {
        const PACKETS: u64 = 20_000;
        let mut best = [0u32; 5];
        let mut strict_max = [0u32; 5];
        let mut amount_sum = [0i64; 5];
        let mut ties = 0u32;
        for i in 0..PACKETS {
            let shares = lucky(100, 5, 1, &mut packet_stream(&numbered_seed(i), 1)).unwrap();
            let claims: Vec<(u32, i64)> = shares
                .iter()
                .enumerate()
                .map(|(p, &a)| (p as u32, a))
                .collect();
            best[best_luck(&claims).unwrap()] += 1;
            let top = *shares.iter().max().unwrap();
            let holders: Vec<usize> = (0..5).filter(|&p| shares[p] == top).collect();
            if holders.len() == 1 {
                strict_max[holders[0]] += 1;
            } else {
                ties += 1;
            }
            for (sum, share) in amount_sum.iter_mut().zip(&shares) {
                *sum += share;
            }
        }
        let packets = PACKETS as f64;
        let tie_rate = f64::from(ties) / packets;
        println!(
            "best luck per position {best:?}, strict maxima {strict_max:?}, tie rate {tie_rate}"
        );
        for p in 0..5 {
            // Test statistics only: these floats measure frequencies and never touch an amount.
            let freq = f64::from(best[p]) / packets;
            assert!(
                (freq - 0.2).abs() <= 0.02,
                "position {p}: best-luck frequency {freq}, ties {tie_rate}"
            );
            let strict = f64::from(strict_max[p]) / (packets * (1.0 - tie_rate));
            assert!(
                (strict - 0.2).abs() <= 0.015,
                "position {p}: strict-maximum frequency {strict}"
            );
            let mean = amount_sum[p] as f64 / packets;
            assert!(
                (mean - 20.0).abs() <= 0.5,
                "position {p}: mean share {mean}"
            );
        }
    }

    /// Recomputes the lucky-packet example of `docs/verify.md` step by step and checks that the page shows it.
    #[test]
    fn worked_example_matches_docs() {
        let doc = include_str!("../../../docs/verify.md");
        let seed =
            Seed::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
                .unwrap();
        let (total, count, min) = (100i64, 5i64, 1i64);
        let shares = lucky(total, count as u32, min, &mut packet_stream(&seed, 17)).unwrap();

        let mut stream = packet_stream(&seed, 17);
        let mut lines = Vec::new();
        // The page says no word was thrown away; `word` holds it to that.
        let mut word = |n: u64| {
            let x = stream.next_u64();
            assert!(u128::from(x) < u128::from(n) * ((1u128 << 64) / u128::from(n)));
            x
        };
        let mut by_hand = Vec::new();
        let mut rest = total;
        for k in (2..=count).rev() {
            let hi = (2 * rest / k).min(rest - (k - 1) * min);
            let n = (hi - min + 1) as u64;
            let x = word(n);
            let a = min + (x % n) as i64;
            lines.push(format!("| {k} | {rest} | {hi} | {x} | {n} | {a} |"));
            by_hand.push(a);
            rest -= a;
        }
        by_hand.push(rest);
        lines.push(format!("The last share is the remaining `{rest}`, so before the shuffle the vector is `{by_hand:?}`"));
        for i in (1..by_hand.len()).rev() {
            let n = i as u64 + 1;
            let x = word(n);
            let j = (x % n) as usize;
            by_hand.swap(i, j);
            lines.push(format!("| {i} | {x} | {n} | {j} | {by_hand:?} |"));
        }
        assert_eq!(shares, by_hand);
        lines.push(format!("Result, in grab order: **`{shares:?}`**"));
        lines.push(format!("shares in grab order: {shares:?}"));
        for line in &lines {
            println!("{line}");
        }
        for line in &lines {
            assert!(
                doc.contains(line.as_str()),
                "docs/verify.md does not show {line}"
            );
        }
    }
}
