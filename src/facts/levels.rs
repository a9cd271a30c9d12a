//! Levels and their titles (QQ-style 活跃度等级). A group's levels are a list of point thresholds, the
//! first at 0, each with a title; a member holds the highest level whose threshold their points reach.
//!
//! The defaults are LV1–LV6 潜水 / 冒泡 / 吐槽 / 活跃 / 话唠 / 传说 at 0, 50, 200, 500, 1500 and 5000 points.
//! With the default sign-in (10 + up to 20 points a day) and activity points (up to 50 a day), a member who
//! shows up daily passes 冒泡 within days, 活跃 within a few weeks and needs months of steady presence for
//! 传说. Which number counts as "points" is the caller's choice; points earned (not the current balance)
//! keep members from losing a level by spending.

use thiserror::Error as ThisError;

/// The most levels a group may define.
pub const MAX_LEVELS: usize = 20;
/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 16;

/// One level: reached at `threshold` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// Points needed.
    pub threshold: i64,
    /// The title shown for it.
    pub title: String,
}

/// A valid list of levels: not empty, starting at 0, thresholds strictly rising, titles not empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Levels(Vec<Level>);

/// Why a `/setlevels` text was refused.
#[derive(Debug, Clone, PartialEq, Eq, ThisError)]
pub enum LevelsError {
    /// No levels were given.
    #[error("no levels given; write them like 0:潜水 50:冒泡 200:吐槽")]
    Empty,
    /// A part is not `points:title`.
    #[error("`{0}` is not points:title")]
    BadEntry(String),
    /// The first threshold is not 0.
    #[error("the first level must start at 0 points, not {0}")]
    NotFromZero(i64),
    /// A threshold is not above the one before it.
    #[error("levels must be in rising order: {next} comes after {previous}")]
    Unsorted {
        /// The threshold before.
        previous: i64,
        /// The threshold that is not above it.
        next: i64,
    },
    /// The same threshold appears twice.
    #[error("{0} points appears twice")]
    Duplicate(i64),
    /// A title is empty.
    #[error("the level at {0} points has no title")]
    EmptyTitle(i64),
    /// A title is too long.
    #[error("the title at {0} points is longer than {MAX_TITLE_CHARS} characters")]
    TitleTooLong(i64),
    /// Too many levels.
    #[error("at most {MAX_LEVELS} levels")]
    TooMany,
}

impl Default for Levels {
    fn default() -> Self {
        let defaults = [
            (0, "潜水"),
            (50, "冒泡"),
            (200, "吐槽"),
            (500, "活跃"),
            (1500, "话唠"),
            (5000, "传说"),
        ];
        Levels(
            defaults
                .iter()
                .map(|&(threshold, title)| Level {
                    threshold,
                    title: title.to_owned(),
                })
                .collect(),
        )
    }
}

impl Levels {
    /// Checks and wraps a list of levels.
    pub fn new(levels: Vec<Level>) -> Result<Self, LevelsError> {
        let first = levels.first().ok_or(LevelsError::Empty)?;
        if first.threshold != 0 {
            return Err(LevelsError::NotFromZero(first.threshold));
        }
        if levels.len() > MAX_LEVELS {
            return Err(LevelsError::TooMany);
        }
        for level in &levels {
            if level.title.trim().is_empty() {
                return Err(LevelsError::EmptyTitle(level.threshold));
            }
            if level.title.chars().count() > MAX_TITLE_CHARS {
                return Err(LevelsError::TitleTooLong(level.threshold));
            }
        }
        for pair in levels.windows(2) {
            let (previous, next) = (pair[0].threshold, pair[1].threshold);
            if next == previous {
                return Err(LevelsError::Duplicate(next));
            }
            if next < previous {
                return Err(LevelsError::Unsorted { previous, next });
            }
        }
        Ok(Levels(levels))
    }

    /// Parses an admin's `/setlevels` text: space-separated `points:title` parts, e.g.
    /// `0:潜水 50:冒泡 200:吐槽`. A full-width colon (`：`) works too.
    pub fn parse(text: &str) -> Result<Self, LevelsError> {
        let mut levels = Vec::new();
        for part in text.split_whitespace() {
            let (points, title) = part
                .split_once([':', '：'])
                .ok_or_else(|| LevelsError::BadEntry(part.to_owned()))?;
            let threshold: i64 = points
                .trim()
                .parse()
                .map_err(|_| LevelsError::BadEntry(part.to_owned()))?;
            if threshold < 0 {
                return Err(LevelsError::BadEntry(part.to_owned()));
            }
            levels.push(Level {
                threshold,
                title: title.trim().to_owned(),
            });
        }
        Levels::new(levels)
    }

    /// The levels, lowest first.
    pub fn as_slice(&self) -> &[Level] {
        &self.0
    }

    /// The level a member with `points` holds: its index (0 = the lowest; show it as LV`index + 1`) and
    /// title. Negative points hold the lowest level.
    pub fn level_for(&self, points: i64) -> (usize, &str) {
        let index = self
            .0
            .iter()
            .rposition(|level| level.threshold <= points)
            .unwrap_or(0);
        (index, &self.0[index].title)
    }

    /// The next level above `points`, if any, for "N more points to 活跃".
    pub fn next_level(&self, points: i64) -> Option<&Level> {
        self.0.iter().find(|level| level.threshold > points)
    }

    /// The levels in the form `/setlevels` accepts, so an admin can copy, edit and send them back.
    pub fn to_command_text(&self) -> String {
        self.0
            .iter()
            .map(|level| format!("{}:{}", level.threshold, level.title))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_levels_and_lookup() {
        let levels = Levels::default();
        assert_eq!(levels.level_for(0), (0, "潜水"));
        assert_eq!(levels.level_for(-5), (0, "潜水"));
        assert_eq!(levels.level_for(49), (0, "潜水"));
        assert_eq!(levels.level_for(50), (1, "冒泡"));
        assert_eq!(levels.level_for(4999), (4, "话唠"));
        assert_eq!(levels.level_for(i64::MAX), (5, "传说"));
        assert_eq!(levels.next_level(60).unwrap().title, "吐槽");
        assert!(levels.next_level(5000).is_none());
        assert_eq!(Levels::parse(&levels.to_command_text()).unwrap(), levels);
    }

    #[test]
    fn parses_admin_text() {
        let levels = Levels::parse("0:新人  10：熟人 100:老友").unwrap();
        assert_eq!(levels.as_slice().len(), 3);
        assert_eq!(levels.level_for(10), (1, "熟人"));
    }

    #[test]
    fn refuses_bad_text_clearly() {
        assert_eq!(Levels::parse(""), Err(LevelsError::Empty));
        assert_eq!(
            Levels::parse("0:a 50"),
            Err(LevelsError::BadEntry("50".into()))
        );
        assert_eq!(
            Levels::parse("x:a"),
            Err(LevelsError::BadEntry("x:a".into()))
        );
        assert_eq!(
            Levels::parse("0:a -5:b"),
            Err(LevelsError::BadEntry("-5:b".into()))
        );
        assert_eq!(
            Levels::parse("10:a 50:b"),
            Err(LevelsError::NotFromZero(10))
        );
        assert_eq!(
            Levels::parse("0:a 50:b 20:c"),
            Err(LevelsError::Unsorted {
                previous: 50,
                next: 20
            })
        );
        assert_eq!(
            Levels::parse("0:a 50:b 50:c"),
            Err(LevelsError::Duplicate(50))
        );
        assert_eq!(Levels::parse("0:a 50:"), Err(LevelsError::EmptyTitle(50)));
        assert_eq!(
            Levels::parse("0:abcdefghijklmnopq"),
            Err(LevelsError::TitleTooLong(0))
        );
        let many: Vec<String> = (0..=MAX_LEVELS)
            .map(|i| format!("{}:t{i}", i * 10))
            .collect();
        assert_eq!(Levels::parse(&many.join(" ")), Err(LevelsError::TooMany));
    }
}
