//! The lottery draw: a pure function of the participants, the prize tiers, the
//! lottery's seed and its id, so that anyone can recompute it with `/verify L<id>` (see `docs/verify.md`).
//!
//! The participant ids are sorted (each id once), the sorted list is shuffled with the lottery's stream, and the
//! shuffled order is cut into the tiers: tier 1 takes the first `c1` entries, tier 2 the next `c2`, and so on.
//! Everyone left over gets the floor prize when the lottery has one.

use crate::fairness::{self, list_hash, participant_list, sorted_participants, Kind, Seed, Stream};

/// The outcome of a draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawResult {
    /// `hex(SHA-256(list))` of the sorted participant list, shown by `/verify` so members can check the list.
    pub list_hash: String,
    /// The winners of each tier, in tier order; within a tier, in the order the shuffle placed them. A tier has
    /// fewer winners than prizes (possibly none) when there were not enough participants.
    pub winners: Vec<Vec<i64>>,
    /// The participants who won no tier prize but get the floor prize; empty when there is no floor prize.
    pub floor: Vec<i64>,
}

/// Draws lottery `lottery_id`: `tiers` holds the number of prizes of each tier, in tier order.
pub fn draw(
    participants: &[i64],
    tiers: &[u32],
    has_floor_prize: bool,
    seed: &Seed,
    lottery_id: i64,
) -> DrawResult {
    let mut order = sorted_participants(participants);
    let hash = list_hash(&participant_list(&order));
    let mut stream = Stream::new(seed, &fairness::tag(Kind::Lottery, lottery_id), &hash);
    stream.shuffle(&mut order);

    let mut rest = order.as_slice();
    let winners = tiers
        .iter()
        .map(|&count| {
            let take = rest.len().min(count as usize);
            let (tier, tail) = rest.split_at(take);
            rest = tail;
            tier.to_vec()
        })
        .collect();
    let floor = if has_floor_prize {
        rest.to_vec()
    } else {
        Vec::new()
    };
    DrawResult {
        list_hash: hash,
        winners,
        floor,
    }
}

/// A prize the draw hands out: its tier (1 for the top prize, 0 for the floor prize), its name as shown and
/// stored, and its points when it is a points prize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierPrize {
    pub tier: i64,
    pub name: String,
    pub points: Option<i64>,
}

/// One member's prize from a draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Award {
    pub user_id: i64,
    pub prize: TierPrize,
}

/// The prizes a draw hands out: the winners of each tier get that tier's prize, in tier order (`tiers` are
/// the lottery's tiers in the order `result.winners` lists them), then everyone the tiers left gets the floor
/// prize when the lottery has one.
pub fn awards(tiers: &[TierPrize], result: &DrawResult, floor: Option<&TierPrize>) -> Vec<Award> {
    let tier_awards = tiers
        .iter()
        .zip(&result.winners)
        .flat_map(|(prize, winners)| {
            winners.iter().map(move |&user_id| Award {
                user_id,
                prize: prize.clone(),
            })
        });
    let floor_awards = floor.into_iter().flat_map(|prize| {
        result.floor.iter().map(move |&user_id| Award {
            user_id,
            prize: prize.clone(),
        })
    });
    tier_awards.chain(floor_awards).collect()
}

/// What `/verify` finds when it redoes a finished draw from the revealed seed and the stored participants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The draw recomputed from scratch.
    pub recomputed: DrawResult,
    /// Whether the revealed seed hashes to the commitment published at creation.
    pub commitment_ok: bool,
    /// Whether the recomputed list hash and winners equal the stored ones.
    pub result_ok: bool,
}

/// The stored outcome of a finished lottery, as `/verify` reads it back.
#[derive(Debug, Clone, Copy)]
pub struct Published<'a> {
    /// The commitment shown on the announcement.
    pub commitment: &'a str,
    /// The participant-list hash recorded by the draw.
    pub list_hash: &'a str,
    /// The recorded winners of each tier, in tier order and draw order.
    pub winners: &'a [Vec<i64>],
    /// The recorded floor-prize winners, in any order.
    pub floor: &'a [i64],
}

/// Recomputes lottery `lottery_id` from its revealed seed and participants and compares it with what was
/// published and recorded.
pub fn verify(
    participants: &[i64],
    tiers: &[u32],
    has_floor_prize: bool,
    seed: &Seed,
    lottery_id: i64,
    published: &Published<'_>,
) -> Verification {
    let recomputed = draw(participants, tiers, has_floor_prize, seed, lottery_id);
    let commitment_ok = fairness::commitment(&fairness::tag(Kind::Lottery, lottery_id), seed)
        == published.commitment;
    let mut floor = published.floor.to_vec();
    floor.sort_unstable();
    let mut recomputed_floor = recomputed.floor.clone();
    recomputed_floor.sort_unstable();
    let result_ok = recomputed.list_hash == published.list_hash
        && recomputed.winners == published.winners
        && recomputed_floor == floor;
    Verification {
        recomputed,
        commitment_ok,
        result_ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(byte: u8) -> Seed {
        Seed::from_bytes([byte; 32])
    }

    #[test]
    fn the_same_inputs_give_the_same_draw() {
        let people: Vec<i64> = (1..=50).collect();
        let a = draw(&people, &[1, 3, 5], true, &seed(1), 9);
        assert_eq!(a, draw(&people, &[1, 3, 5], true, &seed(1), 9));
        assert_ne!(
            a,
            draw(&people, &[1, 3, 5], true, &seed(2), 9),
            "another seed gives another draw"
        );
        assert_ne!(
            a,
            draw(&people, &[1, 3, 5], true, &seed(1), 10),
            "another lottery gives another draw"
        );
    }

    #[test]
    fn tiers_are_cut_from_the_shuffled_list_in_order() {
        let people: Vec<i64> = (100..120).collect();
        let result = draw(&people, &[1, 2, 3], true, &seed(3), 4);
        // The draw must equal the documented recipe done by hand.
        let mut order = people.clone();
        let mut stream = Stream::new(
            &seed(3),
            "lottery:4",
            &list_hash(&participant_list(&people)),
        );
        stream.shuffle(&mut order);
        assert_eq!(
            result.winners,
            vec![
                order[..1].to_vec(),
                order[1..3].to_vec(),
                order[3..6].to_vec()
            ]
        );
        assert_eq!(result.floor, order[6..].to_vec());
        assert_eq!(result.list_hash, list_hash(&participant_list(&people)));
    }

    #[test]
    fn fewer_participants_than_prizes_fill_the_first_tiers() {
        let result = draw(&[5, 6, 7], &[2, 2, 2], true, &seed(4), 1);
        assert_eq!(result.winners[0].len(), 2);
        assert_eq!(result.winners[1].len(), 1);
        assert!(result.winners[2].is_empty());
        assert!(result.floor.is_empty());
        let mut everyone: Vec<i64> = result.winners.concat();
        everyone.sort_unstable();
        assert_eq!(everyone, vec![5, 6, 7]);

        let nobody = draw(&[], &[1], true, &seed(4), 1);
        assert_eq!(nobody.winners, vec![Vec::<i64>::new()]);
        assert!(nobody.floor.is_empty());
        assert_eq!(nobody.list_hash, list_hash(""));
    }

    #[test]
    fn the_floor_prize_goes_to_everyone_left() {
        let people: Vec<i64> = (1..=10).collect();
        let with = draw(&people, &[2], true, &seed(5), 2);
        let without = draw(&people, &[2], false, &seed(5), 2);
        assert_eq!(
            with.winners, without.winners,
            "the floor prize does not change who wins the tiers"
        );
        assert_eq!(with.floor.len(), 8);
        assert!(without.floor.is_empty());
        let mut all: Vec<i64> = with.winners.concat();
        all.extend(&with.floor);
        all.sort_unstable();
        assert_eq!(all, people);
    }

    #[test]
    fn input_order_and_repeats_do_not_matter() {
        let sorted: Vec<i64> = (1..=30).map(|i| i * 37).collect();
        let mut scrambled = sorted.clone();
        scrambled.reverse();
        scrambled.swap(3, 17);
        let mut repeated = scrambled.clone();
        repeated.extend_from_slice(&sorted[..5]);
        let expected = draw(&sorted, &[1, 2], true, &seed(6), 3);
        assert_eq!(draw(&scrambled, &[1, 2], true, &seed(6), 3), expected);
        assert_eq!(draw(&repeated, &[1, 2], true, &seed(6), 3), expected);
    }

    #[test]
    fn no_tiers_means_everyone_gets_the_floor_prize() {
        let result = draw(&[3, 1, 2], &[], true, &seed(7), 8);
        assert!(result.winners.is_empty());
        let mut floor = result.floor.clone();
        floor.sort_unstable();
        assert_eq!(floor, vec![1, 2, 3]);
    }

    fn prizes(counts: &[u32]) -> Vec<TierPrize> {
        (1..=counts.len() as i64)
            .map(|tier| TierPrize {
                tier,
                name: format!("prize {tier}"),
                points: (tier % 2 == 1).then_some(tier * 10),
            })
            .collect()
    }

    fn floor_prize() -> TierPrize {
        TierPrize {
            tier: 0,
            name: "thanks".into(),
            points: Some(1),
        }
    }

    #[test]
    fn awards_follow_the_tiers_then_the_floor() {
        let people: Vec<i64> = (1..=6).collect();
        let result = draw(&people, &[1, 2], true, &seed(11), 3);
        let tiers = prizes(&[1, 2]);
        let floor = floor_prize();
        let given = awards(&tiers, &result, Some(&floor));
        let expected: Vec<Award> = result.winners[0]
            .iter()
            .map(|&user_id| (user_id, &tiers[0]))
            .chain(
                result.winners[1]
                    .iter()
                    .map(|&user_id| (user_id, &tiers[1])),
            )
            .chain(result.floor.iter().map(|&user_id| (user_id, &floor)))
            .map(|(user_id, prize)| Award {
                user_id,
                prize: prize.clone(),
            })
            .collect();
        assert_eq!(given, expected);
        assert_eq!(given.len(), 6);
    }

    #[test]
    fn without_a_floor_prize_only_tier_winners_get_awards() {
        let people: Vec<i64> = (1..=6).collect();
        let result = draw(&people, &[1, 2], false, &seed(11), 3);
        let given = awards(&prizes(&[1, 2]), &result, None);
        assert_eq!(given.len(), 3);
        assert!(given.iter().all(|award| award.prize.tier > 0));
        assert!(awards(&prizes(&[1]), &draw(&[], &[1], true, &seed(1), 1), None).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn awards_are_fair_and_reproducible(
            people in proptest::collection::vec(1i64..200, 0..60),
            counts in proptest::collection::vec(0u32..6, 0..5),
            has_floor in proptest::bool::ANY,
            seed_byte in proptest::num::u8::ANY,
            lottery_id in 1i64..1_000,
        ) {
            let seed = Seed::from_bytes([seed_byte; 32]);
            let tiers = prizes(&counts);
            let floor = floor_prize();
            let floor = has_floor.then_some(&floor);
            let result = draw(&people, &counts, has_floor, &seed, lottery_id);
            let given = awards(&tiers, &result, floor);

            // Every participant gets at most one award, and only participants get one.
            let unique = sorted_participants(&people);
            let mut winners: Vec<i64> = given.iter().map(|award| award.user_id).collect();
            winners.sort_unstable();
            let before = winners.len();
            winners.dedup();
            proptest::prop_assert_eq!(before, winners.len());
            proptest::prop_assert!(winners.iter().all(|user| unique.binary_search(user).is_ok()));

            // Each tier gets its count in order, as long as participants last, and awards come in tier order.
            let mut left = unique.len();
            for (index, &count) in counts.iter().enumerate() {
                let tier = index as i64 + 1;
                let got = given.iter().filter(|award| award.prize.tier == tier).count();
                proptest::prop_assert_eq!(got, left.min(count as usize));
                left -= got;
            }
            let order: Vec<i64> = given.iter().map(|award| award.prize.tier).collect();
            let tier_part: Vec<i64> = order.iter().copied().filter(|&tier| tier > 0).collect();
            proptest::prop_assert!(tier_part.windows(2).all(|pair| pair[0] <= pair[1]));
            proptest::prop_assert!(order.iter().skip_while(|&&tier| tier > 0).all(|&tier| tier == 0));

            // Everyone left gets the floor prize when there is one; nobody gets it otherwise.
            let floor_count = given.iter().filter(|award| award.prize.tier == 0).count();
            if has_floor {
                proptest::prop_assert_eq!(floor_count, left);
                proptest::prop_assert_eq!(given.len(), unique.len());
            } else {
                proptest::prop_assert_eq!(floor_count, 0);
            }

            // The awards are a function of the inputs: the same inputs, in any order, give the same awards.
            let mut reversed = people.clone();
            reversed.reverse();
            let again = draw(&reversed, &counts, has_floor, &seed, lottery_id);
            proptest::prop_assert_eq!(awards(&tiers, &again, floor), given);
        }
    }

    #[test]
    fn verification_recomputes_and_catches_any_change() {
        let people: Vec<i64> = (1..=12).map(|i| i * 11).collect();
        let seed = seed(9);
        let done = draw(&people, &[1, 2], true, &seed, 21);
        let commitment = fairness::commitment("lottery:21", &seed);
        let published = Published {
            commitment: &commitment,
            list_hash: &done.list_hash,
            winners: &done.winners,
            floor: &done.floor,
        };
        let good = verify(&people, &[1, 2], true, &seed, 21, &published);
        assert!(good.commitment_ok && good.result_ok);
        assert_eq!(good.recomputed, done);

        // Another seed than the committed one is caught.
        let forged = verify(
            &people,
            &[1, 2],
            true,
            &super::Seed::from_bytes([8; 32]),
            21,
            &published,
        );
        assert!(!forged.commitment_ok);
        // Swapped winners, a member added to the list, or a dropped floor winner are caught.
        let swapped = vec![
            done.winners[1][..1].to_vec(),
            vec![done.winners[0][0], done.winners[1][1]],
        ];
        let tampered = Published {
            winners: &swapped,
            ..published
        };
        assert!(!verify(&people, &[1, 2], true, &seed, 21, &tampered).result_ok);
        let mut more = people.clone();
        more.push(999);
        assert!(!verify(&more, &[1, 2], true, &seed, 21, &published).result_ok);
        let fewer_floor = &done.floor[1..];
        let dropped = Published {
            floor: fewer_floor,
            ..published
        };
        assert!(!verify(&people, &[1, 2], true, &seed, 21, &dropped).result_ok);
    }

    /// Recomputes the worked example of `docs/verify.md` step by step and checks that the page shows every row.
    #[test]
    fn worked_example_matches_docs() {
        let doc = include_str!("../../../docs/verify.md");
        let seed =
            Seed::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
                .unwrap();
        let joined = [4021, 17, 99, 1203, 560, 8, 777, 3333];
        let result = draw(&joined, &[1, 2], true, &seed, 5);

        let mut order = sorted_participants(&joined);
        let mut stream = Stream::new(&seed, "lottery:5", &result.list_hash);
        let mut lines = vec![format!(
            "The shuffle starts from the sorted list `{order:?}`"
        )];
        for i in (1..order.len()).rev() {
            let n = i as u64 + 1;
            let x = stream.next_u64();
            // The page says no word was thrown away; this holds it to that.
            assert!(u128::from(x) < u128::from(n) * ((1u128 << 64) / u128::from(n)));
            let j = (x % n) as usize;
            order.swap(i, j);
            lines.push(format!("| {i} | {x} | {n} | {j} | {order:?} |"));
        }
        assert_eq!(
            result.winners,
            vec![order[..1].to_vec(), order[1..3].to_vec()]
        );
        assert_eq!(result.floor, order[3..].to_vec());

        let names = |ids: &[i64]| {
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        lines.push(format!(
            "Result: **tier 1: {}**; **tier 2: {}**; **floor prize: {}**.",
            names(&result.winners[0]),
            names(&result.winners[1]),
            names(&result.floor)
        ));
        lines.push(format!(
            "tier 1: {:?}\ntier 2: {:?}\nfloor prize: {:?}",
            result.winners[0], result.winners[1], result.floor
        ));
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
