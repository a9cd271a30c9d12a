# 邀请链接、渠道码和复盘数据（/invite、/invites、/channel、/stats、/export）。

referral-cmd-invite = 获取你在本群的专属邀请链接
referral-cmd-invites = 我的邀请；/rank invites [week|month|all] 看排行榜
referral-cmd-channel = 渠道码：/channel new 名称，/channel list
referral-cmd-stats = 复盘数据和图表：/stats [7d|30d|90d]
referral-cmd-export = 导出每日数据和成员 CSV：/export [7d|30d|90d]
referral-not-a-member = 请用你自己的账号操作，不要以频道或匿名管理员身份。
referral-invite-private = 你在 <b>{ $group }</b> 的专属邀请链接：
    { $link }
    好友是新成员、通过入群验证并留满几天后，才算有效邀请。
referral-invite-public = { $member }，你的邀请链接：{ $link }
    （先私聊我一次，下次就私发给你。本消息稍后自动删除。）
referral-invite-sent-private = 邀请链接已私信发给你。
referral-invites-own = 你的邀请：有效 { $valid }，待定 { $pending }，无效 { $void }。已获得 { $reward } 积分。
    好友是新成员、通过入群验证并留满 { $days } 才算有效。
referral-invites-usage = 用法：/invites 查看自己的邀请；/rank invites [week|month|all]（或 /invites top …）查看有效邀请排行榜。
referral-top-title-week = 本周邀请排行（从周一起）
referral-top-title-month = 本月邀请排行
referral-top-title-all = 邀请总排行
referral-top-line = { $place }. { $member } — 有效 { $count } 人
referral-top-empty = 还没有有效邀请。
referral-channel-usage = 用法：/channel new 名称（如 /channel new 海报）或 /channel list。
referral-channel-bad-name = 渠道名称需为 1 到 32 个字，且不能换行。
referral-channel-taken = 已有名为“{ $name }”的渠道码。
referral-channel-created = 渠道码 <b>{ $name }</b>：{ $link }
    用 /channel list 查看通过它入群、通过验证、留满 7 天和发过言的人数。
referral-channel-none = 还没有渠道码，用 /channel new 名称 创建。
referral-channel-title = 渠道码转化：入群 → 通过验证 → 留满 7 天 → 发过言
referral-channel-line = <b>{ $name }</b> { $link }
    { $joins } → { $verified } → { $stayed } → { $spoke }
referral-stats-usage = 用法：/stats [7d|30d|90d] 或 /export [7d|30d|90d]（不写默认 7 天）。
referral-stats-talker = { $member }（{ $messages }）
referral-stats-date = { $month }月{ $day }日
referral-stats-retention = { $from }至{ $to }入群的 { $cohort } 位新成员中，{ $stayed } 位留满了 7 天（{ $rate }%）。
referral-stats-retention-none = { $from }至{ $to }没有新成员入群，还算不出 7 日留存。
referral-stats-retention-too-new = 机器人入群还不满 7 天：它看到入群的新成员待满一周后，才能算出 7 日留存。
referral-stats-partial = 机器人 { $since }才入群，这 { $days } 天里只有 { $observed } 天有数据，日均按这 { $observed } 天计算，图表也从那天画起。
referral-stats-summary = <b>近 { $days } 天复盘</b>
    成员：{ $start } → { $end }（入群 { $joins }，退群 { $leaves }，净增 { $net }）
    活跃：日均 { $dau } 人，近 7 天 { $wau } 人，期间共 { $active } 人
    消息：{ $messages } 条
    { $retention }
    话痨榜：{ $talkers }
    有效邀请：{ $referrals }（裂变倍增率 { $multiplier }）
    签到：{ $signed } 人（占活跃 { $signrate }%）
    红包：{ $grabbers } 人抢过（占活跃 { $grabrate }%），共 { $grabs } 次
    抽奖：{ $entrants } 人参与（占活跃 { $entrantrate }%），共 { $entries } 次
referral-chart-title = 近 { $days } 天
referral-chart-title-since = 机器人入群以来的 { $days } 天
referral-chart-joins = 入群
referral-chart-leaves = 退群
referral-chart-active = 活跃成员
referral-export-sent = 已把近 { $days } 天的每日数据和 { $members } 名成员的 CSV 文件私聊发给你。
referral-export-start-me = 成员数据只能私聊发给你。请先打开 { $link } 点「开始」，再回到群里发一次 /export。
# /ledger 中邀请奖励的流水名称。
economy-reason-referral = 邀请奖励
economy-reason-referral_reversal = 收回邀请奖励（互邀）
referral-csv-daily-header = 日期,入群,退群,净增,活跃成员,消息数
referral-csv-members-header = 用户编号,名字,用户名,入群时间,来源,消息数,积分,等级
