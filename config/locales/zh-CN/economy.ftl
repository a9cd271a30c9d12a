# 积分：签到、活跃积分、等级、排行榜、管理员调整积分。

economy-cmd-checkin = 每日签到（/checkin month 看本月日历）
economy-cmd-me = 我的积分、等级和连签
economy-cmd-rank = 排行榜：points|checkin|messages day|week|month|all
economy-cmd-levels = 查看等级和头衔
economy-cmd-ledger = 最近 20 条积分流水
economy-cmd-transfer = 给群友转积分
economy-cmd-give = 给成员加积分（管理员）
economy-cmd-take = 扣成员积分（管理员）
economy-cmd-settz = 设置本群时区，如 北京 或 UTC+8（管理员）
economy-cmd-setreset = 设置每天几点换日 0–23（管理员）
economy-cmd-setlevels = 设置等级门槛和头衔（管理员）

economy-no-wallet = 匿名身份或频道没有积分账户，请用自己的账号发送。
economy-checkin-usage = 用法：/checkin 签到，/checkin month 查看本月签到日历。
economy-checkin-done = ✅ { $name } 签到 +{ $gained }，余额 { $balance }，连签 { $streak } 天，今日第 { $position } 位签到。
economy-checkin-already = { $name } 今天已签过（今日第 { $position } 位），余额 { $balance }。
economy-checkin-grace-used = 用掉 1 张补签卡，连签没断。
economy-checkin-grace-earned = 获得补签卡 1 张（共 { $cards } 张）。
economy-checkin-milestone = 再签 { $left } 天到 { $days } 天。
economy-levelup = 🎉 { $name } 升到 LV{ $level } { $title }！
economy-weekdays = 一 二 三 四 五 六 日
economy-month-title = { $name } 本月签到 { $count } 天

economy-me = <b>{ $name }</b>
    积分：{ $balance }（第 { $rank } 名）
    等级：LV{ $level } { $title }{ $next }
    连签：{ $streak } 天，补签卡 { $cards } 张
    近 7 天发言：{ $messages } 条
economy-me-next = ，还差 { $left } 分到 { $title }

economy-rank-usage = 用法：/rank [points|checkin|messages] [day|week|month|all]，例如 /rank checkin week
economy-rank-title = { $kind }排行 · { $period }
economy-rank-kind-points = 积分
economy-rank-kind-checkin = 签到
economy-rank-kind-messages = 发言
economy-rank-period-day = 今日
economy-rank-period-week = 本周
economy-rank-period-month = 本月
economy-rank-period-all = 总榜
economy-rank-empty = 还没有人上榜。
economy-rank-you = 你：第 { $position } 名（{ $value }）
economy-rank-you-none = 你还没上榜。

economy-levels-title = 本群等级
economy-levels-basis = 等级按累计获得的积分算，花掉的积分不掉级。
economy-setlevels-usage = 用法：/setlevels 0:潜水 50:冒泡 200:吐槽（/setlevels default 恢复默认）。当前：{ $current }
economy-setlevels-bad = 等级格式不对：{ $why }。写法如 0:潜水 50:冒泡 200:吐槽，第一个从 0 开始，依次增大。
economy-setlevels-done = 等级已更新：{ $levels }
economy-levels-error-empty = 没有写任何等级
economy-levels-error-bad-entry = “{ $entry }”不是“积分:头衔”的写法
economy-levels-error-not-from-zero = 第一个等级要从 0 分开始，而不是 { $points } 分
economy-levels-error-unsorted = 等级要从小到大排列：{ $next } 写在了 { $previous } 后面
economy-levels-error-duplicate = { $points } 分出现了两次
economy-levels-error-empty-title = { $points } 分的等级没有头衔
economy-levels-error-title-too-long = { $points } 分的头衔超过 { $max } 个字
economy-levels-error-too-many = 最多 { $max } 个等级

economy-ledger-usage = 用法：/ledger 看自己的流水；管理员可 /ledger @用户名 或回复某人。
economy-ledger-own-only = 只能查看自己的流水，别人的流水只有管理员能看。
economy-ledger-title = { $name } 的积分流水（余额 { $balance }）
economy-ledger-empty = 还没有流水。
economy-reason-checkin = 签到
economy-reason-activity = 发言
economy-reason-admin_give = 管理员发放
economy-reason-admin_take = 管理员扣除
economy-reason-transfer = 转账
economy-reason-packet = 红包
economy-reason-lottery = 抽奖
economy-reason-packet_refund = 红包过期退回

economy-amount-not-number = “{ $text }”不是整数，请写正整数积分。
economy-amount-not-positive = 积分必须是正整数。
economy-amount-too-large = 一次最多 { $max } 积分。
economy-unknown-user = 本群还没见过 @{ $username }，可以回复对方的消息或用数字 ID。
economy-target-bot = 机器人没有积分账户。
economy-unknown-member = 本群没见过 ID 为 { $id } 的成员，可以回复对方的消息。
economy-overflow = 数额太大，余额放不下。
economy-give-usage = 用法：/give @用户名 数量 [原因]，或回复某人 /give 数量 [原因]
economy-take-usage = 用法：/take @用户名 数量 [原因]，或回复某人 /take 数量 [原因]
economy-give-done = { $admin } 给 { $target } 发放 { $amount } 积分，余额 { $balance }。
economy-take-done = { $admin } 扣除 { $target } { $amount } 积分，余额 { $balance }。
economy-take-short = { $target } 只有 { $balance } 积分，扣不了 { $amount }，未做改动。
economy-note = 原因：{ $note }

economy-transfer-off = 本群没有开启转账。
economy-transfer-usage = 用法：/transfer @用户名 数量，或回复某人 /transfer 数量
economy-transfer-self = 不能转给自己。
economy-transfer-short = 余额只有 { $balance }，不够转 { $amount }，未做改动。
economy-transfer-limit = 每天最多转出 { $limit } 积分，今天还能转 { $left }。
economy-transfer-done = 已转给 { $target } { $amount } 积分，你的余额 { $balance }。

economy-settz-usage = 用法：/settz 北京、/settz 东京、/settz UTC+8 或 /settz 东八区（也可写 IANA 名称，如 Asia/Shanghai）。当前：{ $zone }
economy-settz-bad = 不认识时区“{ $zone }”。请写城市（如 北京、东京、纽约）、时差（如 UTC+8、东八区），或 IANA 名称（如 Europe/Berlin）。
economy-settz-done = 本群时区已设为 { $zone }，签到按这个时区换日。
economy-setreset-usage = 用法：/setreset 小时（0–23），例如 /setreset 5 表示每天早上 5 点换日。
economy-setreset-done = 以后每天 { $hour } 点开始新的签到日。

## /ledger: from or to whom points moved between members.
economy-ledger-from = 来自 { $name }
economy-ledger-to = 给 { $name }

economy-month-legend = ✓ 表示已签到的日子，今天是 { $day } 日。
