package taskguard.tasks

# Revocation and status rules: terminal tasks cannot be cancelled, single-read results are revoked once
# read, input is only accepted while the task waits for it.
task_status := object.get(task, "status", "")

task_terminal if terminal_statuses[task_status]

deny contains "task_terminal" if {
	{"cancel", "chain"}[op]
	task_terminal
}

deny contains "not_awaiting_input" if {
	op == "input"
	count(task) > 0
	task_status != "input_required"
}

deny contains "result_revoked" if {
	op == "result"
	single_read_tool
	object.get(task, "results_read", 0) >= 1
}
