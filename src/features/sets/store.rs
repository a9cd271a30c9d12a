//! The SQL of group sets: the sets, who runs them, their groups, and the settings copies made to them.

use crate::error::Result;
use sqlx::{FromRow, SqliteConnection};

/// One group set.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct GroupSet {
    /// The set's id.
    pub set_id: i64,
    /// Its name, as its creator wrote it.
    pub name: String,
    /// Whether a ban in one of its groups bans the member in all of them.
    pub share_bans: bool,
}

/// What someone may do with a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Runs the set: adds and removes groups, managers and owners, deletes the set.
    Owner,
    /// Adds and removes groups.
    Manager,
}

impl Role {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Manager => "manager",
        }
    }

    fn from_name(name: &str) -> Option<Role> {
        match name {
            "owner" => Some(Role::Owner),
            "manager" => Some(Role::Manager),
            _ => None,
        }
    }
}

/// One group of a set, with its title as last seen.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct SetGroup {
    /// The group.
    pub chat_id: i64,
    /// Its title (empty when the bot never saw it).
    pub title: String,
}

/// Creates a set named `name` with `user` as its owner. `None` when a set of that name exists already.
pub async fn create(
    conn: &mut SqliteConnection,
    name: &str,
    user: i64,
    now: i64,
) -> Result<Option<i64>> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO group_sets (name, created_by, created_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO NOTHING RETURNING set_id",
    )
    .bind(name)
    .bind(user)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = id {
        set_role(conn, id, user, Some(Role::Owner)).await?;
    }
    Ok(id)
}

/// The set named `name` (Latin letters compared without case).
pub async fn find(conn: &mut SqliteConnection, name: &str) -> Result<Option<GroupSet>> {
    Ok(
        sqlx::query_as("SELECT set_id, name, share_bans FROM group_sets WHERE name = ?")
            .bind(name)
            .fetch_optional(conn)
            .await?,
    )
}

/// Deletes a set with its roles and its list of groups (the groups themselves are untouched).
pub async fn delete(conn: &mut SqliteConnection, set_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM group_sets WHERE set_id = ?")
        .bind(set_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What `user` may do with a set, if anything.
pub async fn role(conn: &mut SqliteConnection, set_id: i64, user: i64) -> Result<Option<Role>> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT role FROM group_set_roles WHERE set_id = ? AND user_id = ?")
            .bind(set_id)
            .bind(user)
            .fetch_optional(conn)
            .await?;
    Ok(name.as_deref().and_then(Role::from_name))
}

/// Gives `user` a role in a set, or takes theirs away (`None`). Returns whether anything changed.
pub async fn set_role(
    conn: &mut SqliteConnection,
    set_id: i64,
    user: i64,
    role: Option<Role>,
) -> Result<bool> {
    let changed = match role {
        Some(role) => sqlx::query(
            "INSERT INTO group_set_roles (set_id, user_id, role) VALUES (?1, ?2, ?3)
             ON CONFLICT (set_id, user_id) DO UPDATE SET role = ?3 WHERE role <> ?3",
        )
        .bind(set_id)
        .bind(user)
        .bind(role.name())
        .execute(conn)
        .await?
        .rows_affected(),
        None => sqlx::query("DELETE FROM group_set_roles WHERE set_id = ? AND user_id = ?")
            .bind(set_id)
            .bind(user)
            .execute(conn)
            .await?
            .rows_affected(),
    };
    Ok(changed > 0)
}

/// Turns a set's shared bans on or off. Returns whether anything changed.
pub async fn set_share_bans(conn: &mut SqliteConnection, set_id: i64, on: bool) -> Result<bool> {
    Ok(
        sqlx::query("UPDATE group_sets SET share_bans = ?1 WHERE set_id = ?2 AND share_bans <> ?1")
            .bind(on)
            .bind(set_id)
            .execute(conn)
            .await?
            .rows_affected()
            > 0,
    )
}

/// How many owners a set has.
pub async fn owner_count(conn: &mut SqliteConnection, set_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM group_set_roles WHERE set_id = ? AND role = 'owner'",
    )
    .bind(set_id)
    .fetch_one(conn)
    .await?)
}

/// Who runs a set: (user, role, name as last seen), owners first.
pub async fn people(
    conn: &mut SqliteConnection,
    set_id: i64,
) -> Result<Vec<(i64, Role, Option<String>)>> {
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT r.user_id, r.role, u.first_name FROM group_set_roles r
         LEFT JOIN users u ON u.user_id = r.user_id
         WHERE r.set_id = ? ORDER BY r.role = 'manager', r.user_id",
    )
    .bind(set_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(user, role, name)| Some((user, Role::from_name(&role)?, name)))
        .collect())
}

/// Adds a group to a set. Returns false when it was in it already.
pub async fn add_group(
    conn: &mut SqliteConnection,
    set_id: i64,
    chat_id: i64,
    user: i64,
    now: i64,
) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO group_set_groups (set_id, chat_id, added_by, added_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (set_id, chat_id) DO NOTHING",
    )
    .bind(set_id)
    .bind(chat_id)
    .bind(user)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        > 0)
}

/// Takes a group out of a set. Returns false when it was not in it.
pub async fn remove_group(conn: &mut SqliteConnection, set_id: i64, chat_id: i64) -> Result<bool> {
    Ok(
        sqlx::query("DELETE FROM group_set_groups WHERE set_id = ? AND chat_id = ?")
            .bind(set_id)
            .bind(chat_id)
            .execute(conn)
            .await?
            .rows_affected()
            > 0,
    )
}

/// The groups of a set, by title.
pub async fn groups(conn: &mut SqliteConnection, set_id: i64) -> Result<Vec<SetGroup>> {
    Ok(sqlx::query_as(
        "SELECT s.chat_id, COALESCE(g.title, '') AS title FROM group_set_groups s
         LEFT JOIN groups g ON g.chat_id = s.chat_id
         WHERE s.set_id = ? ORDER BY COALESCE(g.title, ''), s.chat_id",
    )
    .bind(set_id)
    .fetch_all(conn)
    .await?)
}

/// The sets `user` owns or manages, by name, with their role and how many groups each has.
pub async fn sets_of_user(
    conn: &mut SqliteConnection,
    user: i64,
) -> Result<Vec<(GroupSet, Role, i64)>> {
    let rows: Vec<(i64, String, bool, String, i64)> = sqlx::query_as(
        "SELECT s.set_id, s.name, s.share_bans, r.role,
                (SELECT COUNT(*) FROM group_set_groups g WHERE g.set_id = s.set_id)
         FROM group_sets s JOIN group_set_roles r ON r.set_id = s.set_id AND r.user_id = ?
         ORDER BY s.name",
    )
    .bind(user)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(set_id, name, share_bans, role, count)| {
            Some((
                GroupSet {
                    set_id,
                    name,
                    share_bans,
                },
                Role::from_name(&role)?,
                count,
            ))
        })
        .collect())
}

/// The sets a group is in, by name.
pub async fn sets_of_group(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<GroupSet>> {
    Ok(sqlx::query_as(
        "SELECT s.set_id, s.name, s.share_bans FROM group_sets s
         JOIN group_set_groups g ON g.set_id = s.set_id AND g.chat_id = ?
         ORDER BY s.name",
    )
    .bind(chat_id)
    .fetch_all(conn)
    .await?)
}

/// The user the bot last saw with `@username` in any group, if any.
pub async fn user_by_username(conn: &mut SqliteConnection, username: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM users WHERE username = ? COLLATE NOCASE ORDER BY updated_at DESC LIMIT 1",
    )
    .bind(username.trim_start_matches('@'))
    .fetch_optional(conn)
    .await?)
}

/// A settings copy from a template group to a set.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Copy {
    /// Its id, as `/set revert` names it.
    pub copy_id: i64,
    /// The set.
    pub set_id: i64,
    /// The group copied from.
    pub template_chat_id: i64,
    /// Who asked for it.
    pub user_id: i64,
    /// `planned`, `applied` or `reverted`.
    pub status: String,
}

/// Records a planned copy with each group's changes (JSON); returns its id.
pub async fn plan_copy(
    conn: &mut SqliteConnection,
    set_id: i64,
    template: i64,
    user: i64,
    groups: &[(i64, String)],
    now: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO group_set_copies (set_id, template_chat_id, user_id, status, created_at)
         VALUES (?, ?, ?, 'planned', ?) RETURNING copy_id",
    )
    .bind(set_id)
    .bind(template)
    .bind(user)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (chat_id, changes) in groups {
        sqlx::query(
            "INSERT INTO group_set_copy_groups (copy_id, chat_id, changes, outcome)
             VALUES (?, ?, ?, 'planned')",
        )
        .bind(id)
        .bind(chat_id)
        .bind(changes)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// A copy by its id.
pub async fn copy(conn: &mut SqliteConnection, copy_id: i64) -> Result<Option<Copy>> {
    Ok(sqlx::query_as(
        "SELECT copy_id, set_id, template_chat_id, user_id, status FROM group_set_copies
         WHERE copy_id = ?",
    )
    .bind(copy_id)
    .fetch_optional(conn)
    .await?)
}

/// A copy's groups with their changes (JSON), those whose outcome is `outcome`.
pub async fn copy_groups(
    conn: &mut SqliteConnection,
    copy_id: i64,
    outcome: &str,
) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT chat_id, changes FROM group_set_copy_groups WHERE copy_id = ? AND outcome = ?
         ORDER BY chat_id",
    )
    .bind(copy_id)
    .bind(outcome)
    .fetch_all(conn)
    .await?)
}

/// Moves a copy from status `from` to `to`; false when it was not in `from` (pressed twice).
pub async fn move_copy(
    conn: &mut SqliteConnection,
    copy_id: i64,
    from: &str,
    to: &str,
) -> Result<bool> {
    Ok(
        sqlx::query("UPDATE group_set_copies SET status = ? WHERE copy_id = ? AND status = ?")
            .bind(to)
            .bind(copy_id)
            .bind(from)
            .execute(conn)
            .await?
            .rows_affected()
            > 0,
    )
}

/// Notes what became of a copy in one group.
pub async fn set_outcome(
    conn: &mut SqliteConnection,
    copy_id: i64,
    chat_id: i64,
    outcome: &str,
) -> Result<()> {
    sqlx::query("UPDATE group_set_copy_groups SET outcome = ? WHERE copy_id = ? AND chat_id = ?")
        .bind(outcome)
        .bind(copy_id)
        .bind(chat_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test]
    async fn a_name_is_taken_once_and_latin_letters_ignore_case(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let beijing = create(&mut conn, "北京会员群", 7, 1).await.unwrap();
        assert!(beijing.is_some());
        assert_eq!(create(&mut conn, "北京会员群", 8, 2).await.unwrap(), None);
        assert!(create(&mut conn, "Courses", 7, 3).await.unwrap().is_some());
        assert_eq!(create(&mut conn, "COURSES", 8, 4).await.unwrap(), None);
        let found = find(&mut conn, "courses").await.unwrap().unwrap();
        assert_eq!(found.name, "Courses");
        assert_eq!(
            role(&mut conn, beijing.unwrap(), 7).await.unwrap(),
            Some(Role::Owner)
        );
        assert_eq!(role(&mut conn, beijing.unwrap(), 8).await.unwrap(), None);
    }

    #[sqlx::test]
    async fn set_rows_follow_a_move_to_the_supergroup_and_the_purge(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let first = create(&mut conn, "一", 7, 1).await.unwrap().unwrap();
        let second = create(&mut conn, "二", 7, 1).await.unwrap().unwrap();
        for set in [first, second] {
            assert!(add_group(&mut conn, set, -10, 7, 1).await.unwrap());
            assert!(add_group(&mut conn, set, -20, 7, 1).await.unwrap());
        }
        assert!(!add_group(&mut conn, first, -10, 7, 2).await.unwrap());
        let copy = plan_copy(&mut conn, first, -10, 7, &[(-20, String::new())], 3)
            .await
            .unwrap();
        crate::storage::move_chat(&mut conn, -10, -1_001)
            .await
            .unwrap();
        let chats = |groups: Vec<SetGroup>| groups.iter().map(|g| g.chat_id).collect::<Vec<_>>();
        let mut moved = chats(groups(&mut conn, first).await.unwrap());
        moved.sort();
        assert_eq!(moved, [-1_001, -20]);
        assert_eq!(sets_of_group(&mut conn, -1_001).await.unwrap().len(), 2);
        assert!(sets_of_group(&mut conn, -10).await.unwrap().is_empty());
        let template: i64 =
            sqlx::query_scalar("SELECT template_chat_id FROM group_set_copies WHERE copy_id = ?")
                .bind(copy)
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(template, -1_001, "a copy's template group moves too");
        crate::storage::privacy::purge_chat(&mut conn, -1_001)
            .await
            .unwrap();
        for set in [first, second] {
            assert_eq!(chats(groups(&mut conn, set).await.unwrap()), [-20]);
        }
    }

    #[sqlx::test]
    async fn roles_change_and_deleting_a_set_takes_its_rows(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let set = create(&mut conn, "课程群", 7, 1).await.unwrap().unwrap();
        assert!(set_role(&mut conn, set, 8, Some(Role::Manager))
            .await
            .unwrap());
        assert!(!set_role(&mut conn, set, 8, Some(Role::Manager))
            .await
            .unwrap());
        assert_eq!(owner_count(&mut conn, set).await.unwrap(), 1);
        assert_eq!(
            sets_of_user(&mut conn, 8).await.unwrap()[0].1,
            Role::Manager
        );
        assert!(add_group(&mut conn, set, -10, 7, 1).await.unwrap());
        delete(&mut conn, set).await.unwrap();
        let left: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM group_set_roles) + (SELECT COUNT(*) FROM group_set_groups)",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(left, 0);
        assert!(find(&mut conn, "课程群").await.unwrap().is_none());
    }
}
