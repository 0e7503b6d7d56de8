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

# Operation classes, as else chains: a call stops at the first match, where the bodies of one function
# would all be evaluated (to rule out conflicting values).
task_op(o) if {
	o == "get"
} else if {
	o == "result"
} else if {
	o == "cancel"
} else if {
	o == "input"
}

starts_tool(o) if o == "create"

else if o == "call"

known_op(o) if {
	task_op(o)
} else if {
	starts_tool(o)
} else if {
	o == "list"
} else if {
	o == "chain"
}

# Every denial reason that applies: the checks every operation makes (here and in principal.rego), and
# those of the operation's class, whose set is chosen once by class_denials.
# An absent wire is 2025-11-25 (wire.rego); one that is present must be a generation this policy knows.
deny contains "wire_unknown" if not known_wire(object.get(input, "wire", "2025-11-25"))

# object.get, not input.op: a missing op must still produce unknown_operation (a bare reference to an
# absent field would leave the whole rule undefined instead).
deny contains reason if some reason in class_denials(object.get(input, "op", null))

# A plain call's input round (wire.rego) starts its tool again: the checks of the call it continues.
deny contains reason if {
	plain_round(input)
	some reason in tool_denials
}

# A function whose values are rules on purpose: each class's set is worked out once, and only for its
# class; the others' checks are skipped with a comparison or two. (Two functions: Regal allows a function
# two references to rules.)
class_denials(op) := task_denials if {
	task_op(op)
} else := named_tool_denials(op)

# The operations that name a tool of their own (create, call, chain); list checks nothing more, and an
# operation of no class is unknown.
named_tool_denials(op) := tool_denials if {
	starts_tool(op)
} else := chain_denials if {
	op == "chain"
} else := set() if {
	op == "list"
} else := {"unknown_operation"}

# Step-up is decided after every other rule, so it is only ever offered to a caller who would otherwise be
# allowed: a foreign task must never answer "step up and try again". An allowed decision that cannot be
# formed (data without the defaults it reads) falls through to the step-up shape, which the runtime refuses.
decision := {"allow": false, "reasons": sort(deny), "delegated": false} if {
	count(deny) > 0
} else := allowed_decision(input.op) if {
	not step_up_pending(input.op)
} else := {
	"allow": false,
	"reasons": ["step_up_required"],
	"delegated": delegated(input.op),
	"step_up": step_up_obligation,
}

# Allowed decisions carry the obligations of their operation. One else chain: the first matching
# operation ends the evaluation (separate bodies would all be evaluated, to rule out conflicts).
allowed_decision(op) := {
	"allow": true, "reasons": [], "delegated": delegated(op),
	"poll_interval_ms": tool_setting("poll_interval_ms", data.defaults.poll_interval_ms),
} if {
	op == "get"
} else := {"allow": true, "reasons": [], "delegated": delegated(op), "revoke_after_result": true} if {
	op == "result"
	single_read_tool
} else := {"allow": true, "reasons": [], "delegated": delegated(op)} if {
	task_op(op)
} else := {
	"allow": true, "reasons": [], "delegated": false,
	"ttl_ms": effective_ttl_ms(requested_ttl_ms(input)),
	"poll_interval_ms": tool_setting("poll_interval_ms", data.defaults.poll_interval_ms),
} if {
	op == "create"
} else := {
	"allow": true, "reasons": [], "delegated": false,
	"poll_interval_ms": tool_setting("poll_interval_ms", data.defaults.poll_interval_ms),
	"list_scope": listing_scope,
} if {
	op == "list"
} else := {"allow": true, "reasons": [], "delegated": false} if {
	known_op(op)
}
