package taskguard.tasks

# Lifecycle checks on a stored task: an expired task is gone for every operation (its owner and supervisors
# included), terminal tasks cannot be cancelled, single-read results are revoked once read, input is only
# accepted while the task waits for it, and results and input need the task's tool to still be configured
# (its revocation and step-up rules would otherwise silently vanish).
# Only for a caller bound to the task: a stranger learns nothing of its state, not even in the audit log,
# and is denied with the binding reasons alone, as if the task did not exist.
caller_bound if is_owner

# An else, not a default and a second body: the planner evaluates every body of a rule, so the supervisor
# grants would be worked out on every owner's request too (measured: about 1 us, a tenth of a decision).
# regal ignore:default-over-else
else if supervisor_may[input.op]

task_denials contains "task_expired" if {
	count(task) > 0
	caller_bound
	not task_live(input)
}

task_denials contains "task_terminal" if {
	input.op == "cancel"
	caller_bound
	task_terminal(task)
}

task_denials contains "result_revoked" if {
	input.op == "result"
	caller_bound
	single_read_tool
	object.get(task, "results_read", 0) >= 1
}

task_denials contains "not_awaiting_input" if {
	input.op == "input"
	caller_bound
	count(task) > 0
	object.get(task, "status", "") != "input_required"
}

task_denials contains "unknown_tool" if {
	tool_settings_needed(input.op)
	caller_bound
	not subject_tool
}

# Live while expires_ms is strictly in the future: at exactly expires_ms the task is gone.
task_live(inp) if {
	is_number(inp.task.expires_ms)
	inp.task.expires_ms > inp.now_ms
}

task_terminal(t) if t.status == "completed"

task_terminal(t) if t.status == "failed"

task_terminal(t) if t.status == "cancelled"

tool_settings_needed("result")

tool_settings_needed("input")
