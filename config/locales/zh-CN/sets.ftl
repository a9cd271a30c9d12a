# 群组集合：/set 及其回答。

sets-cmd-set = 群组集合：把多个群当作一个来管理（/set 查看用法）
sets-usage =
    <b>群组集合</b>
    <code>/set new &lt;名称&gt;</code> 新建集合（在群里发送时，本群同时加入）
    <code>/set add &lt;名称&gt;</code> 在群里发送：把本群加入集合
    <code>/set remove &lt;名称&gt; [群 ID]</code> 把群移出集合（私聊时请写群 ID）
    <code>/set list</code> 您的集合（在群里：本群所在的集合）
    <code>/set show &lt;名称&gt;</code> 集合的群、所有者和管理者
    <code>/set manager add|remove &lt;名称&gt; &lt;@用户名或 ID&gt;</code> 管理者可以加入和移出群
    <code>/set sharebans &lt;名称&gt; on|off</code> 在一个群封禁即在所有群封禁（开启时您需要在每个群都有“封禁成员”权限）
    <code>/set allow &lt;名称&gt; &lt;@用户名或 ID&gt;</code> 集合的共享封禁永不影响此成员
    <code>/set apply &lt;模板群 ID&gt; &lt;名称&gt; [分区]</code> 私聊：把设置复制到集合的各群，先看改动（分区：基本、欢迎、入群、管理、锁定、红包）
    <code>/set revert &lt;复制编号&gt;</code> 恢复某次复制之前的设置
    <code>/set delete &lt;名称&gt;</code> 删除集合（其中的群保持不变）
    加入或移出一个群时，您当时必须在该群拥有“修改群资料”权限。
sets-bad-name = “{ $name }”不能作为集合名称：请用 1 到 { $max } 个字符，不含空格，不以 @ 开头，也不能只是数字。
sets-bad-group = “{ $group }”不是群 ID：群 ID 是负数，例如 -1001234567890。
sets-duplicate = 已有名为“{ $name }”的集合，请换一个名称。
sets-unknown = 没有名为“{ $name }”的集合。发送 /set list 查看您的集合。
sets-not-yours = 您不是集合“{ $name }”的所有者或管理者。
sets-owner-only = 只有集合“{ $name }”的所有者可以这样做。
sets-created = 已创建集合“{ $name }”。请在每个群里发送 /set add { $name } 把群加入。
sets-created-here = 已创建集合“{ $name }”，本群已加入。
sets-add-in-group = 请在要加入的群里发送 /set add { $name }：我会在那里核对您的权限。
sets-added = 本群已加入集合“{ $name }”。
sets-already-in = 本群已经在集合“{ $name }”中。
sets-removed = { $group } 已移出集合“{ $name }”。
sets-not-in = { $group } 不在集合“{ $name }”中。
sets-no-right-in-group = 您现在在 { $group } 没有“修改群资料”权限，该群未做改动。
sets-remove-with-id = 私聊时请写明群：/set remove { $name } <群 ID>。/set show { $name } 会列出各群 ID。
sets-deleted = 已删除集合“{ $name }”，其中的群保持不变。
sets-none = 您没有拥有或管理任何集合。发送 /set new <名称> 新建一个。
sets-none-here = 本群不在任何集合中。
sets-list-header = 您的集合：
sets-list-line = { $name } — { $role }，{ $count } 个群
sets-list-here-header = 本群所在的集合：
sets-role-owner = 所有者
sets-role-manager = 管理者
sets-show-header = <b>集合 { $name }</b>
sets-show-groups = 群（{ $count } 个）：
sets-show-no-groups = 还没有群。
sets-show-right-missing = 您现在在此群没有“修改群资料”权限
sets-show-people = 所有者和管理者：
sets-unknown-user = 我不认识 { $user }：对方需要在我所在的某个群里发过言，或者请写对方的数字 ID。
sets-manager-added = { $user } 现在是集合“{ $name }”的管理者。
sets-manager-removed = { $user } 不再是集合“{ $name }”的管理者。
sets-is-owner = { $user } 是集合“{ $name }”的所有者，不是管理者。
sets-not-manager = { $user } 不是集合“{ $name }”的管理者。
sets-sharebans-on = 集合“{ $name }”已开启共享封禁：在其中一个群被封禁的成员会在所有群被封禁，以后加入其中任何一个群也会被拒绝。
sets-sharebans-off = 集合“{ $name }”已关闭共享封禁。
sets-sharebans-refused = 集合“{ $name }”的共享封禁仍然关闭：您现在在 { $groups } 没有“封禁成员”权限。
sets-allowed = 集合“{ $name }”的共享封禁不再影响 { $user }。
sets-allowed-already = { $user } 已经不受集合“{ $name }”的共享封禁影响。
sets-bad-section = “{ $section }”不是设置的分区。分区：基本、欢迎、入群、管理、锁定、红包。
sets-copy-private = 请在与我的私聊中复制设置：/set apply <模板群 ID> <集合> [分区]。
sets-copy-template-refused = 您不是模板群 { $group } 的管理员，不能复制它的设置。
sets-copy-nothing = 集合“{ $name }”没有需要复制的设置：其中的群已与模板一致。
sets-copy-refused = 您现在缺少权限的群未改动：{ $groups }。
sets-copy-plan = 复制 #{ $id }：把 { $template } 的设置复制到集合“{ $name }”。将做以下改动：
sets-copy-ask = 应用这些改动吗？
sets-copy-confirm = ✅ 应用
sets-copy-unknown = 这次复制不是您发起的，或已不存在。
sets-copy-done-already = 这次复制已经应用过了。
sets-copy-applied = 复制 #{ $id } 已在 { $count } 个群应用。发送 /set revert { $id } 可恢复原来的设置。
sets-copy-no-such = 没有属于您所管理集合的复制 #{ $id }。
sets-copy-not-applied = 复制 #{ $id } 尚未应用，无需恢复。
sets-copy-reverted = 复制 #{ $id } 已在 { $count } 个群恢复原来的设置。
