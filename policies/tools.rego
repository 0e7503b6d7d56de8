package taskguard.tasks

# Per-tool metadata from data.tools. Unknown tools get no entry: every rule that needs one denies.
risk_rank := {"low": 1, "medium": 2, "high": 3}

tool_name_for(o) := object.get(input, ["tool", "name"], "") if {"create", "call"}[o]

tool_name_for(o) := object.get(task, "tool", "") if task_operations[o]

tool_name_for("chain") := object.get(task, "tool", "")

# The tool an operation is about: the one asked for (create / call) or the task's own (get / result / ...).
subject_tool_name := tool_name_for(op)

subject_tool := data.tools[subject_tool_name]

# Async eligibility: required | optional | forbidden; absent means forbidden (the MCP default).
task_support(t) := object.get(t, "task_support", "forbidden")

single_read_tool if subject_tool.single_read == true

tool_risk(t) := risk_rank[object.get(t, "risk", "high")]

# Scopes, roles and client apps a tool demands of whoever starts it, plainly or as a task.
deny contains "unknown_tool" if {
	{"create", "call"}[op]
	not subject_tool
}

deny contains "task_forbidden" if {
	op == "create"
	task_support(subject_tool) == "forbidden"
}

deny contains "task_required" if {
	op == "call"
	task_support(subject_tool) == "required"
}

deny contains "insufficient_scope" if {
	{"create", "call"}[op]
	some s in object.get(subject_tool, "required_scopes", [])
	not principal_scopes[s]
}

deny contains "role_not_allowed" if {
	{"create", "call"}[op]
	allowed := object.get(subject_tool, "allowed_roles", [])
	count(allowed) > 0
	count({r | some r in allowed; principal_roles[r]}) == 0
}

deny contains "client_not_allowed" if {
	{"create", "call"}[op]
	allowed := object.get(subject_tool, "allowed_clients", [])
	count(allowed) > 0
	not principal_client in allowed
}
