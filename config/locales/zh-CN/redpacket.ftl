# 红包：发拼手气、平分和专享红包，抢红包，过期退回，/verify 验证。

redpacket-cmd-hongbao = 发红包：/hongbao 总额 个数 [祝福]
redpacket-cmd-verify = 验证红包或抽奖：/verify P17
redpacket-usage = 用法：
    <code>/hongbao 总额 个数 [祝福]</code> 拼手气红包（也可以发“发红包 100 5”）
    <code>/hongbao equal 总额 个数</code> 平分红包
    <code>/hongbao @用户 金额 [祝福]</code> 专享红包（也可以回复对方的消息）
    管理员可在前面加 <code>mint</code> 从群积分池发放。
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
redpacket-verify-secret = 红包还没结束，种子会在结束后公开。
redpacket-verify-revealed = 种子：<code>{ $seed }</code>
    重新计算的分配（按领取顺序）：{ $shares }
redpacket-verify-ok = ✅ 承诺与种子一致，重新计算的分配与记录相同。
redpacket-verify-mismatch = ❌ 重新计算的结果与记录不一致，请联系管理员。
