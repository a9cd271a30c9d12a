# 抽奖：创建、参加、开奖、核销码和 /verify。

lottery-cmd-lottery = 抽奖：创建、列表、取消、开奖（/lottery help）
lottery-cmd-redeem = 核销抽奖奖品的核销码
lottery-help =
    <b>抽奖</b>
    创建（需要“修改群信息”权限的管理员），一行写完：
    <code>/lottery 标题 | 奖品 ×数量；奖品 ×数量 | 开奖规则 | 选项</code>
    • 奖品按等级顺序写，第一个是一等奖。数量写成 <code>×5</code>（默认 1）。<code>100 积分</code> 会直接发积分，前面带名称也可以（<code>二等奖 100 积分 ×5</code>）；其他奖品发核销码。
    • 开奖规则：<code>于 2026-12-24 20:00</code>（本群时区）、<code>30分钟后</code>、<code>满 100</code>（满 100 人开奖），或 <code>满 100 于 2026-12-24 20:00</code>（先到为准）。
    • 选项：<code>口令=抽奖</code>（发口令即可参加）、<code>最低等级=2</code>、<code>入群天数=7</code>、<code>发过言=是</code>、<code>人人有份=奖品</code>（没中等级奖的都能拿到）。
    例：<code>/lottery 圣诞抽奖 | 一等奖 耳机 ×1；100 积分 ×5 | 于 2026-12-24 20:00 | 口令=抽奖 人人有份=10 积分</code>
    /lottery list 进行中的抽奖 · /lottery cancel L5 取消 · /lottery draw L5 立即开奖 · /redeem 核销码 · /verify L5 验证
lottery-example = 例：/lottery 圣诞抽奖 | 一等奖 耳机 ×1；100 积分 ×5 | 30分钟后 | 口令=抽奖
lottery-bad-shape = 格式不对：至少要用“|”分成三段：标题 | 奖品 | 开奖规则（选项可省略）。
lottery-bad-title = 标题（第一个“|”前面）是空的。
lottery-reserved-title = 标题不能以“{ $word }”开头，它是 /lottery 的子命令。
lottery-bad-prize = 有个奖品没写名字（检查第一和第二个“|”之间的奖品部分）。
lottery-bad-count = “{ $part }”里的数量要是不小于 1 的整数。
lottery-bad-points = “{ $part }”里的积分要在 1 到 { $max } 之间。
lottery-too-many-prizes = 奖品太多了：最多 { $max } 份、{ $tiers } 个等级。
lottery-bad-rule = 看不懂开奖规则“{ $part }”。请写“于 2026-12-24 20:00”、“30分钟后”、“满 100”或“满 100 于 2026-12-24 20:00”。
lottery-bad-time = “{ $part }”不是有效的日期时间，请写成 2026-12-24 20:00。
lottery-past-time = 开奖时间“{ $part }”已经过去了。
lottery-too-far = 开奖规则“{ $part }”太远了（最多 { $max }）。
lottery-bad-threshold = “满 { $part }”里的人数要在 1 到 { $max } 之间。
lottery-threshold-below-prizes = 满 { $threshold } 人就开奖，但奖品有 { $prizes } 份：请减少奖品或提高人数。
lottery-unknown-option = 不认识的选项“{ $part }”。可用选项：口令=、最低等级=、入群天数=、发过言=是、人人有份=。
lottery-bad-option = 选项“{ $part }”的值不对（口令只能一个词，最低等级和入群天数是不小于 1 的数字，发过言写“是”或“否”，人人有份写一个奖品）。
lottery-keyword-taken = 本群已有进行中的抽奖在用口令“{ $keyword }”。
lottery-points = { $points } 积分
lottery-points-labelled = { $label } { $points } 积分
lottery-join-button = 🎁 参加抽奖
lottery-announce-title = 🎁 <b>抽奖 { $id }：{ $title }</b>
lottery-announce-tier = { $tier } 等奖：{ $prize } ×{ $count }
lottery-announce-floor = 人人有奖：{ $prize }
lottery-announce-rule = 开奖：{ $rule }
lottery-announce-eligibility = 参加条件：{ $conditions }
lottery-announce-how-button = 点下方按钮参加。
lottery-announce-how-keyword = 点下方按钮，或在群里发送“{ $keyword }”参加。
lottery-announce-count = 已参加：{ $count } 人
lottery-announce-commitment = 承诺哈希：<code>{ $commitment }</code>（开奖后可用 /verify { $id } 验证）
lottery-rule-time = { $time }（{ $zone }）
lottery-rule-threshold = 满 { $count } 人开奖
lottery-rule-either = 满 { $count } 人或到 { $time }（{ $zone }），先到为准
lottery-cond-none = 所有成员
lottery-cond-level = 等级 LV{ $level } 及以上
lottery-cond-days = 入群满 { $days } 天
lottery-cond-spoke = 在群里发过言
lottery-cond-separator = ；
lottery-closed-drawn = ✅ 已开奖，结果见下方。
lottery-closed-cancelled = ❌ 已被管理员取消。
lottery-list-empty = 本群没有进行中的抽奖。
lottery-list-title = 进行中的抽奖
lottery-list-row = { $id } { $title } — 已参加 { $count } 人 — 开奖：{ $rule }
lottery-need-id = 哪个抽奖？请写编号，如 L5（见 /lottery list）。
lottery-unknown = 本群没有抽奖 { $id }。
lottery-not-open = 抽奖 { $id } 已经开奖或取消了。
lottery-too-late = 抽奖 { $id } 已到开奖时间，不能再参加了。
lottery-cancelled = 抽奖 { $id }“{ $title }”已取消，奖品不发放。
lottery-joined = 你已参加抽奖 { $id }“{ $title }”，祝你好运！
lottery-already-in = 你已经参加过抽奖 { $id } 了。
lottery-full = 抽奖 { $id } 人数已满。
lottery-ineligible = 你暂时不能参加抽奖 { $id }：{ $reason }。
lottery-miss-level = 需要 LV{ $level }，你现在是 LV{ $have }（{ $title }）
lottery-miss-days = 需要入群满 { $days } 天，你才 { $have } 天
lottery-miss-spoke = 需要先在群里发过言
lottery-button-stale = 这个抽奖已经不存在了。
lottery-result-title = 🎉 <b>抽奖 { $id } 开奖：{ $title }</b>
lottery-result-late = （开奖时我不在线，所以晚开了一会儿，结果和准时开奖完全一样。）
lottery-result-nobody = 没有人参加，本次无人中奖。
lottery-result-tier = { $tier } 等奖 — { $prize }：{ $winners }
lottery-result-no-winner = 无人
lottery-result-floor = 人人有奖 — { $prize }：其余 { $count } 位参与者
lottery-result-codes = 非积分奖品的中奖者会在私聊里收到我发的核销码。
lottery-result-proof =
    参与人数：{ $count }
    种子：<code>{ $seed }</code>
    承诺哈希：<code>{ $commitment }</code>
    任何人都可以复算：/verify { $id }
lottery-code-dm = 🎁 恭喜你在抽奖 { $id }“{ $title }”中获得“{ $prize }”！核销码：<code>{ $code }</code>，找管理员出示即可领奖。
lottery-code-start-bot = { $members }：你中奖了，但我没法私聊你。请打开 @{ $bot } 点“开始”，再发送 /lottery 查看核销码。
lottery-my-codes-none = 你没有未使用的核销码。
lottery-my-codes-title = 你未使用的核销码
lottery-my-codes-row = { $id } { $title } — { $prize }：<code>{ $code }</code>
lottery-redeem-usage = 用法：/redeem 核销码
lottery-redeem-unknown = 本群没有核销码 { $code }。
lottery-redeem-used = 核销码 { $code } 已在 { $time } 使用过了。
lottery-redeemed = ✅ 核销成功：{ $winner } 的 { $prize }（抽奖 { $id }），核销码 { $code }。
lottery-verify-head =
    <b>抽奖 { $id }：{ $title }</b>
    标签：<code>{ $tag }</code>
    承诺哈希：<code>{ $commitment }</code>
lottery-verify-not-yours = 抽奖 { $id } 只有参与者和所在群的成员能私聊查看验证；任何人都可以在那个群里发 /verify { $id }。
lottery-verify-open = 还没开奖：目前 { $count } 人参加。种子在开奖时公布。
lottery-verify-cancelled = 开奖前已取消（当时 { $count } 人参加），没有结果。
lottery-verify-drawn =
    种子：<code>{ $seed }</code>
    { $participants }
    名单哈希：<code>{ $list_hash }</code>
    复算的中奖者：
lottery-verify-list = 参与者（{ $count } 人，升序）：<code>{ $list }</code>
lottery-verify-list-file = 参与者（{ $count } 人，升序）：见附件 { $file }
lottery-verify-tier = { $tier } 等奖：{ $winners }
lottery-verify-floor = 人人有奖：{ $count } 人
lottery-verify-ok = ✅ 种子与承诺哈希一致，复算的中奖者与公布的一致。自己动手复算的方法见 docs/verify.md。
lottery-verify-mismatch = ⚠️ 复算结果与记录不一致，请告诉群管理员。
lottery-result-excluded = 有 { $count } 个参与者未参加抽取：{ $reasons }。发送 /verify 可查看名单。
lottery-excluded-banned = { $count } 人已被封禁
lottery-excluded-left = { $count } 人已退群
lottery-excluded-muted = { $count } 人正被禁言
lottery-excluded-ad = { $count } 人的消息被当作广告删除
lottery-verify-excluded = 未参加抽取（{ $count } 人）：{ $list }
lottery-verify-excluded-item = { $id }（{ $why }）
lottery-excluded-why-banned = 已被封禁
lottery-excluded-why-left = 已退群
lottery-excluded-why-muted = 正被禁言
lottery-excluded-why-ad = 消息被当作广告删除
lottery-private-in-group = 抽奖要在群里创建、查看、开奖和取消，请在群里发送 /lottery。在这里只发送 /lottery 可查看你的兑奖码。
lottery-cmd-lottery-member = 抽奖：查看进行中的抽奖并参加（/lottery list）
lottery-tier-label = { $tier ->
    [1] 一等奖
    [2] 二等奖
    [3] 三等奖
    [4] 四等奖
    [5] 五等奖
    [6] 六等奖
    [7] 七等奖
    [8] 八等奖
    [9] 九等奖
    [10] 十等奖
   *[other] 第 { $tier } 等奖
  }
lottery-announce-tier-labelled = { $label }：{ $prize } ×{ $count }
lottery-result-tier-labelled = { $label }（{ $prize }）：{ $winners }
lottery-title-too-long = 标题太长了：最多 { $max } 个字。

## A draw time in a group that never chose its time zone, outside Chinese groups (which read 北京时间).
lottery-zone-default = { $offset }，本群未设时区，可用 /settz 设置
