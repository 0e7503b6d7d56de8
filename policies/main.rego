# METADATA
# title: taskguard task decision
# description: |
#   Assembles the decision for one MCP task operation from the rule files beside this one.
#   Contract: ../shared/DESIGN.md sections 3 (input) and 4 (output). Only `allow == true` allows;
#   the runtime treats anything else, including a missing decision, as a deny.
package taskguard.tasks

operations := {"create", "get", "result", "list", "cancel", "input", "chain", "call"}

# Operations that act on a stored task record.
task_operations := {"get", "result", "cancel", "input"}

terminal_statuses := {"completed", "failed", "cancelled"}

op := input.op

deny contains "unknown_operation" if not operations[op]

# Every denial reason that applies. Step-up is decided separately so that it is only ever offered to a
# caller who would otherwise be allowed: a foreign task must never answer "step up and try again".
reasons_sorted := sort([r | some r in deny])

allow if {
	count(deny) == 0
	not step_up_pending
}

default delegated := false

# A supervisor acting on a task of its own tenant that it does not own.
delegated if {
	task_operations[op]
	not owner_matches
	supervisor_may[op]
}

decision := object.union(base_decision, extras)

base_decision := {
	"allow": true,
	"reasons": [],
	"delegated": delegated,
} if allow

base_decision := {
	"allow": false,
	"reasons": ["step_up_required"],
	"delegated": delegated,
	"step_up": step_up_obligation,
} if {
	count(deny) == 0
	step_up_pending
}

base_decision := {
	"allow": false,
	"reasons": reasons_sorted,
	"delegated": false,
} if count(deny) > 0

# Obligations that only make sense on an allow, as [field, value] pairs. Two rules producing the same field
# with different values make the object conflict, which the runtime sees as no decision: a deny.
obligations contains ["ttl_ms", effective_ttl_ms] if op == "create"

obligations contains ["poll_interval_ms", poll_interval_ms] if {"create", "get", "list"}[op]

obligations contains ["revoke_after_result", true] if {
	op == "result"
	single_read_tool
}

obligations contains ["list_scope", list_scope] if op == "list"

extras := {k: v | some [k, v] in obligations} if allow

extras := {} if not allow
