# METADATA
# title: taskguard task decision
# description: |
#   Assembles the decision for one MCP task operation from the rule files beside this one.
#   Contract: DESIGN.md sections 3 (input) and 4 (output). Only `allow == true` allows; the runtime treats
#   anything else, including a missing decision, as a deny.
#   Written for the wasm target, which runs on every task request. Each operation evaluates only the checks
#   of its class; predicates used many times are functions, because every zero-argument rule the wasm
#   evaluates costs a memoisation insert and every reference a lookup, while a function call costs neither;
#   and each decision shape is spelled out rather than merged with object.union.
package taskguard.tasks

# Operation classes.
task_op("get")

task_op("result")

task_op("cancel")

task_op("input")

starts_tool("create")

starts_tool("call")

known_op(o) if task_op(o)

known_op(o) if starts_tool(o)

known_op("list")

known_op("chain")

# Every denial reason that applies, gathered from the checks of the operation's class.
# object.get, not input.op: a missing op must still produce this reason (a bare reference to an absent
# field would leave the whole rule undefined instead).
deny contains "unknown_operation" if not known_op(object.get(input, "op", null))

# An absent wire is 2025-11-25 (wire.rego); one that is present must be a generation this policy knows.
deny contains "wire_unknown" if not known_wire(object.get(input, "wire", "2025-11-25"))

deny contains reason if some reason in principal_denials

deny contains reason if {
	task_op(input.op)
	some reason in task_denials
}

deny contains reason if {
	starts_tool(input.op)
	some reason in tool_denials
}

# A plain call's input round (wire.rego) starts its tool again: the checks of the call it continues.
deny contains reason if {
	plain_round(input)
	some reason in tool_denials
}

deny contains reason if {
	input.op == "chain"
	some reason in chain_denials
}

# Step-up is decided after every other rule, so it is only ever offered to a caller who would otherwise be
# allowed: a foreign task must never answer "step up and try again".
decision := {"allow": false, "reasons": sort(deny), "delegated": false} if {
	count(deny) > 0
} else := allowed_decision if {
	not step_up_pending
} else := {
	"allow": false,
	"reasons": ["step_up_required"],
	"delegated": delegated,
	"step_up": step_up_obligation,
}

# Allowed decisions carry the obligations of their operation. One else chain: the first matching
# operation ends the evaluation (separate bodies would all be evaluated, to rule out conflicts).
allowed_decision := {"allow": true, "reasons": [], "delegated": delegated, "poll_interval_ms": poll_interval_ms} if {
	input.op == "get"
} else := {"allow": true, "reasons": [], "delegated": delegated, "revoke_after_result": true} if {
	input.op == "result"
	single_read_tool
} else := {"allow": true, "reasons": [], "delegated": delegated} if {
	task_op(input.op)
} else := {
	"allow": true, "reasons": [], "delegated": false,
	"ttl_ms": effective_ttl_ms, "poll_interval_ms": poll_interval_ms,
} if {
	input.op == "create"
} else := {
	"allow": true, "reasons": [], "delegated": false,
	"poll_interval_ms": poll_interval_ms, "list_scope": listing_scope,
} if {
	input.op == "list"
} else := {"allow": true, "reasons": [], "delegated": false} if {
	known_op(input.op)
}
