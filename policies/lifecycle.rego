package taskguard.tasks

# Lifecycle checks on a stored task: an expired task is gone for every operation (its owner and supervisors
# included), terminal tasks cannot be cancelled, single-read results are revoked once read, input is only
# accepted while the task waits for it, and results and input need the task's tool to still be configured
# (its revocation and step-up rules would otherwise silently vanish).
# Only for a caller bound to the task: a stranger learns nothing of its state, not even in the audit log,
# and is denied with the binding reasons alone, as if the task did not exist.
# A bound caller implies a task (the owner check and the supervisor grant both read its owner), so these
# checks need no test of their own for a missing one, and read input.task, which is then the task.
# An else, not two bodies: the planner evaluates every body, so the supervisor grants would be worked out
# on every owner's request too (measured: about 1 us, a tenth of a decision). A function, not a rule: most
# decisions ask once, and a rule would cost a memoisation insert for it.
caller_bound(op) if is_owner

else if supervisor_may[op]

task_denials contains "task_expired" if {
	caller_bound(input.op)
	not task_live(input)
}

# The checks of one operation, in a set of its own: the other operations skip them with a comparison or
# three. (Two functions: Regal allows a function two references to rules.)
task_denials contains reason if some reason in op_lifecycle_denials(input.op)

op_lifecycle_denials(op) := cancel_denials if {
	op == "cancel"
} else := tool_settings_denials(op)

tool_settings_denials(op) := result_denials if {
	op == "result"
} else := input_denials if {
	op == "input"
} else := set()

cancel_denials contains "task_terminal" if {
	caller_bound("cancel")
	task_terminal(input.task)
}

result_denials contains "result_revoked" if {
	caller_bound("result")
	single_read_tool
	object.get(input.task, "results_read", 0) >= 1
}

result_denials contains "unknown_tool" if {
	caller_bound("result")
	not subject_tool
}

input_denials contains "not_awaiting_input" if {
	caller_bound("input")
	object.get(input.task, "status", "") != "input_required"
}

input_denials contains "unknown_tool" if {
	caller_bound("input")
	not subject_tool
}

# Live while expires_ms is strictly in the future: at exactly expires_ms the task is gone.
task_live(inp) if {
	expires := inp.task.expires_ms
	is_number(expires)
	expires > inp.now_ms
}

task_terminal(t) if {
	t.status == "completed"
} else if {
	t.status == "failed"
} else if {
	t.status == "cancelled"
}
