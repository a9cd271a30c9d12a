# Group sets: /set and its answers.

sets-cmd-set = Group sets: run many groups as one (/set for help)
sets-usage =
    <b>Group sets</b>
    <code>/set new &lt;name&gt;</code> create a set (in a group: this group joins it)
    <code>/set add &lt;name&gt;</code> in a group: add this group
    <code>/set remove &lt;name&gt; [group id]</code> take a group out (in private: give its id)
    <code>/set list</code> your sets (in a group: the sets it is in)
    <code>/set show &lt;name&gt;</code> a set's groups, owners and managers
    <code>/set manager add|remove &lt;name&gt; &lt;@user or id&gt;</code> managers add and remove groups
    <code>/set sharebans &lt;name&gt; on|off</code> a ban in one group bans in all (on: you need “ban users” in every group)
    <code>/set allow &lt;name&gt; &lt;@user or id&gt;</code> the set's shared bans never reach this member
    <code>/set apply &lt;template group id&gt; &lt;name&gt; [sections]</code> in private: copy settings to the set's groups, diff first (sections: group welcome gate moderation locks packets)
    <code>/set revert &lt;copy id&gt;</code> put back the values from before a copy
    <code>/set delete &lt;name&gt;</code> delete a set (its groups stay as they are)
    Adding or removing a group needs the “change group info” right in that group at that moment.
sets-bad-name = “{ $name }” can't name a set: use 1 to { $max } characters without spaces, not starting with @ and not just a number.
sets-bad-group = “{ $group }” is not a group id: group ids are negative numbers such as -1001234567890.
sets-duplicate = A set named “{ $name }” exists already: choose another name.
sets-unknown = There is no set named “{ $name }”. /set list shows yours.
sets-not-yours = You are neither an owner nor a manager of the set “{ $name }”.
sets-owner-only = Only an owner of the set “{ $name }” can do that.
sets-created = Set “{ $name }” created. Add groups by sending /set add { $name } inside each group.
sets-created-here = Set “{ $name }” created with this group in it.
sets-add-in-group = Send /set add { $name } inside the group you want to add: I check your rights there.
sets-added = This group is now in the set “{ $name }”.
sets-already-in = This group is already in the set “{ $name }”.
sets-removed = { $group } left the set “{ $name }”.
sets-not-in = { $group } is not in the set “{ $name }”.
sets-no-right-in-group = You don't have the “change group info” right in { $group } now, so it was left unchanged.
sets-remove-with-id = In a private chat, name the group: /set remove { $name } <group id>. /set show { $name } lists the ids.
sets-deleted = Set “{ $name }” deleted. Its groups stay as they are.
sets-none = You don't own or manage any set. Create one with /set new <name>.
sets-none-here = This group is in no set.
sets-list-header = Your sets:
sets-list-line = { $name } — { $role }, { $count } groups
sets-list-here-header = This group is in these sets:
sets-role-owner = owner
sets-role-manager = manager
sets-show-header = <b>Set { $name }</b>
sets-show-groups = Groups ({ $count }):
sets-show-no-groups = No groups yet.
sets-show-right-missing = you lack “change group info” here now
sets-show-people = Owners and managers:
sets-unknown-user = I don't know { $user }: they need to have written in one of my groups, or give their numeric id.
sets-manager-added = { $user } now manages the set “{ $name }”.
sets-manager-removed = { $user } no longer manages the set “{ $name }”.
sets-is-owner = { $user } is an owner of the set “{ $name }”, not a manager.
sets-not-manager = { $user } does not manage the set “{ $name }”.
sets-sharebans-on = Shared bans are on for the set “{ $name }”: a member banned in one of its groups is banned in all of them, and refused when they join one later.
sets-sharebans-off = Shared bans are off for the set “{ $name }”.
sets-sharebans-refused = Shared bans stay off for the set “{ $name }”: you don't have the “ban users” right now in { $groups }.
sets-allowed = The set “{ $name }”'s shared bans no longer reach { $user }.
sets-allowed-already = { $user } is already out of reach of the set “{ $name }”'s shared bans.
sets-bad-section = “{ $section }” is not a section of the settings. Sections: group, welcome, gate, moderation, locks, packets.
sets-copy-private = Copy settings in a private chat with me: /set apply <template group id> <set> [sections].
sets-copy-template-refused = You are not an admin of the template group { $group }, so its settings are not copied.
sets-copy-nothing = Nothing to copy to the set “{ $name }”: its groups already have the template's settings.
sets-copy-refused = Refused where you lack the right now: { $groups }.
sets-copy-plan = Copy #{ $id }: the settings of { $template } to the set “{ $name }”. This changes:
sets-copy-ask = Apply these changes?
sets-copy-confirm = ✅ Apply
sets-copy-unknown = This copy is not yours or no longer exists.
sets-copy-done-already = This copy was applied already.
sets-copy-applied = Copy #{ $id } applied in { $count } groups. /set revert { $id } puts the old values back.
sets-copy-no-such = There is no copy #{ $id } of a set you run.
sets-copy-not-applied = Copy #{ $id } is not applied, so there is nothing to revert.
sets-copy-reverted = Copy #{ $id } reverted in { $count } groups: their old values are back.
