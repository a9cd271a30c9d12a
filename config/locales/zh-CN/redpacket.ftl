# 红包：发拼手气、平分和专享红包，抢红包，过期退回，/verify 验证。

redpacket-cmd-hongbao = 发红包：/hongbao 总额 个数 [祝福]
redpacket-cmd-verify = 验证红包或抽奖：/verify P17
redpacket-usage = 用法：
    <code>/hongbao 总额 个数 [祝福]</code> 拼手气红包（也可以发“发红包 100 5”）
    <code>/hongbao equal 总额 个数</code> 平分红包
    <code>/hongbao @用户 金额 [祝福]</code> 专享红包（也可以回复对方的消息）
    <code>/hongbao pass 总额 个数 口令</code> 口令红包：在群里发口令领取
    <code>/hongbao quiz 总额 个数 问题 | 答案</code> 答题红包
    <code>/hongbao rules</code> 领取条件；管理员用 <code>/hongbao set 项 值</code> 修改
    管理员写成 <code>/hongbao mint 总额 个数</code> 则从群积分池发放。
redpacket-group-only = 红包只能在群里发。
redpacket-no-sender = 请用自己的账号发红包，不能以频道或匿名管理员身份发。
redpacket-unknown-user = 本群还没见过 @{ $name }，可以回复对方的消息再发。
redpacket-unknown-id = 本群没有见过 id 为 { $id } 的成员。
redpacket-not-bot = 不能给机器人发专享红包。
redpacket-not-self = 不能给自己发专享红包。
redpacket-count-zero = 红包至少要有 1 个。
redpacket-count-above-max = 一个红包最多 { $max } 个。
redpacket-total-below-minimum = 总额太少：{ $count } 个红包每个至少 { $min } 积分，至少需要 { $needed } 积分。
redpacket-total-above-max = 一个红包最多 { $max } 积分。
redpacket-insufficient = 积分不够：你有 { $balance } 积分，这个红包需要 { $total } 积分。
redpacket-kind-lucky = 拼手气红包
redpacket-kind-equal = 普通红包
redpacket-kind-exclusive = 专享红包
redpacket-title = 🧧 { $sender } 发了一个{ $kind } <b>{ $id }</b>
redpacket-for = 仅限 { $target } 领取
redpacket-summary = 共 { $total } 积分，{ $count } 个，已领 { $claimed } 个
redpacket-exhausted = 红包已被抢完：
redpacket-expired = 红包已过期，剩余 { $amount } 积分已退回给 { $to }。
redpacket-to-mint = 群积分池
redpacket-best-luck = 👑 手气最佳：{ $name }（{ $amount } 积分）
redpacket-commitment = 承诺：<code>{ $commitment }</code>
redpacket-seed = 种子：<code>{ $seed }</code>（发送 /verify { $id } 验证）
redpacket-button = 🧧 抢
redpacket-alert-claimed = 🧧 +{ $amount } 积分
redpacket-alert-already = 你已经抢过这个红包了（得到 { $amount } 积分）。
redpacket-alert-finished = 手慢了，红包已被抢完。
redpacket-alert-expired = 这个红包已经过期了。
redpacket-alert-not-for-you = 这是别人的专享红包。
redpacket-alert-unknown = 找不到这个红包。
redpacket-verify-usage = 用法：/verify P17（红包编号）
redpacket-verify-unknown = 本群没有红包 { $id }。
redpacket-verify-head = <b>{ $id }</b> · { $kind } · { $total } 积分 · { $count } 个 · 最小 { $min }
    承诺：<code>{ $commitment }</code>
    list_hash（参与名单的哈希，红包的名单为空）：<code>{ $list_hash }</code>
redpacket-verify-secret = 红包还没结束，种子会在结束后公开。
redpacket-verify-revealed = 种子：<code>{ $seed }</code>
    重新计算的分配（按领取顺序）：{ $shares }
redpacket-verify-ok = ✅ 承诺与种子一致，重新计算的分配与记录相同。
redpacket-verify-mismatch = ❌ 重新计算的结果与记录不一致，请联系管理员。

# 红包 II：口令、答题、领取条件、红包接龙。

redpacket-cmd-relay = 红包接龙：/relay 总额 个数 [时限]
redpacket-pass-usage = 用法：<code>/hongbao pass 总额 个数 口令</code>
redpacket-quiz-usage = 用法：<code>/hongbao quiz 总额 个数 问题 | 答案</code>
redpacket-pass-hint = 🔑 在群里发送口令领取：<code>{ $phrase }</code>
redpacket-quiz-hint = ❓ 回复这条消息作答，答对领取：{ $question }
redpacket-quiz-wrong = 答错了，{ $seconds } 秒后再试。
redpacket-claims-head = 🧧 { $id } 领取：
redpacket-more-claims = ……还有 { $count } 人
redpacket-gate-own = 不能领自己发的红包。
redpacket-gate-new = 入群满 { $hours } 小时才能领红包。
redpacket-gate-silent = 先在群里说句话，才能领红包。
redpacket-gate-level = 要 LV{ $needed } 才能领红包，你现在是 LV{ $have }。
redpacket-gate-daily = 今天已经领了 { $max } 个红包，明天再来。
redpacket-on = 开
redpacket-off = 关
redpacket-rules = <b>领红包条件</b>
    入群时长：{ $hours } 小时（min_member_hours）
    发过言：{ $spoken }（require_spoken）
    最低等级：{ $level }（min_level）
    发送者可领自己的：{ $sender }（sender_may_claim）
    每天最多领：{ $daily } 个，0 为不限（max_claims_per_day）
redpacket-set-usage = 用法：<code>/hongbao set 项 值</code>，项可以是：{ $keys }
redpacket-set-bad-value = { $key } 不能设为“{ $value }”。
redpacket-relay-usage = 用法：
    <code>/relay 总额 个数 [时限]</code> 开始红包接龙，手气最佳的人接着发同样的红包
    <code>/relay stop</code> 结束接龙（发起人或管理员）
    <code>/relay stats</code> 接龙统计
redpacket-relay-bad-deadline = 时限要在 10 秒到 7 天之间，例如 10分钟。
redpacket-relay-running = 本群已有接龙在进行，先 /relay stop。
redpacket-relay-started = 🐉 红包接龙 R{ $id } 开始：每轮 { $total } 积分 { $count } 个，手气最佳的人在 { $deadline }内接着发。
redpacket-relay-round = 🐉 接龙 R{ $id } 第 { $round } 轮
redpacket-relay-none = 本群没有进行中的红包接龙。
redpacket-relay-stop-refused = 只有发起人或管理员能结束接龙。
redpacket-relay-stopped = 红包接龙 R{ $id } 已结束，共 { $rounds } 轮。
redpacket-relay-status-running = 进行中
redpacket-relay-status-asking = 等待接龙
redpacket-relay-status-ended = 已结束
redpacket-relay-status-stopped = 已停止
redpacket-relay-stats-head = <b>红包接龙 R{ $id }</b>（{ $status }）：{ $rounds } 轮，每轮 { $total } 积分 { $count } 个
    成员：发出 / 领到 / 净得
redpacket-relay-stats-line = { $name }：{ $sent } / { $received } / { $net }
redpacket-relay-button = 🧧 接龙发 { $total } 积分
redpacket-relay-ask = 👑 { $name } 手气最佳（{ $amount } 积分）！请在 { $deadline }内点按钮发第 { $round } 轮：{ $total } 积分 { $count } 个，从你的积分里扣。
redpacket-relay-ping = ⏰ { $name }，接龙还在等你，再给你一次时间。
redpacket-relay-missed = 接龙 R{ $id } 结束：{ $name } 没有按时接上，共 { $rounds } 轮。
redpacket-relay-expired = 接龙 R{ $id } 结束：这一轮红包没被抢完，共 { $rounds } 轮。
redpacket-relay-answered = ✅ { $name } 接上了第 { $round } 轮。
redpacket-relay-alert-sent = 已发出，接龙继续！
redpacket-relay-alert-gone = 这一轮已经不用接了。
redpacket-relay-alert-not-you = 只有手气最佳的人能接这一轮。
redpacket-relay-alert-poor = 积分不够：你只有 { $balance }。时限内攒够再点。

# 时长（接龙时限等），大单位在前，例如“1 小时 30 分钟”。
redpacket-duration-days = { $n } 天
redpacket-duration-hours = { $n } 小时
redpacket-duration-minutes = { $n } 分钟
redpacket-duration-seconds = { $n } 秒

## /verify P…: who took which share, in grab order.
redpacket-verify-claims = 领取：{ $claims }
redpacket-verify-claim = { $name } { $amount }
redpacket-quiz-cooling = 答对了，但你还在冷却中，{ $seconds } 秒后再回答。
redpacket-verify-not-member = 红包 { $id } 只有所在群的成员能私聊查看验证；任何人都可以在那个群里发 /verify { $id }。
redpacket-exclusive-claimed = 已领取：

## The packet message: its claim conditions and the button to its full verification.
redpacket-conditions = 领取条件：{ $conditions }
redpacket-condition-hours = 入群满 { $hours } 小时
redpacket-condition-spoken = 在群里发过言
redpacket-condition-level = 等级达到 LV{ $level }
redpacket-condition-separator = 、
redpacket-verify-button = 🔍 验证
