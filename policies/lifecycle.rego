package taskguard.tasks

# Lifecycle checks on a stored task: an expired task is gone for every operation (its owner and supervisors
# included), terminal tasks cannot be cancelled, single-read results are revoked once read, and input is only
# accepted while the task waits for it.
task_denials contains "task_expired" if {
	count(task) > 0
	not task_live(input)
}

task_denials contains "task_terminal" if {
	input.op == "cancel"
	task_terminal(task)
}

task_denials contains "result_revoked" if {
	input.op == "result"
	single_read_tool
	object.get(task, "results_read", 0) >= 1
}

task_denials contains "not_awaiting_input" if {
	input.op == "input"
	count(task) > 0
	object.get(task, "status", "") != "input_required"
}

# Live while expires_ms is strictly in the future: at exactly expires_ms the task is gone.
task_live(inp) if {
	is_number(inp.task.expires_ms)
	inp.task.expires_ms > inp.now_ms
}

task_terminal(t) if t.status == "completed"

task_terminal(t) if t.status == "failed"

task_terminal(t) if t.status == "cancelled"
