package taskguard.tasks

# Per-tool metadata from data.tools, and the checks made when a tool is started (create: as a task; call:
# plainly). Unknown tools get no entry: every rule that needs one denies.

# The tool an operation is about: the one asked for (create / call) or the task's own (every other
# operation that names a task, chain included: its parent sets the chaining ceiling).
# A plain call's input round (wire.rego) is about the tool it names, as the call was.
subject_tool_name := object.get(input, ["tool", "name"], "") if starts_tool(input.op)

else := object.get(input, ["tool", "name"], "") if plain_round(input)

else := object.get(task, "tool", "")

# Resolved in one chain rather than through subject_tool_name: one rule fewer on every decision.
subject_tool := data.tools[object.get(input, ["tool", "name"], "")] if {
	starts_tool(input.op)
} else := data.tools[object.get(input, ["tool", "name"], "")] if {
	plain_round(input)
} else := data.tools[object.get(task, "tool", "")]

# Async eligibility: required | optional | forbidden; absent means forbidden (the MCP default).
task_support(t) := object.get(t, "task_support", "forbidden")

single_read_tool if subject_tool.single_read == true

tool_denials contains "unknown_tool" if not subject_tool

tool_denials contains "task_forbidden" if {
	input.op == "create"
	task_support(subject_tool) == "forbidden"
}

tool_denials contains "task_required" if {
	input.op == "call"
	task_support(subject_tool) == "required"
}

tool_denials contains "insufficient_scope" if {
	some s in object.get(subject_tool, "required_scopes", [])
	not principal_scopes[s]
}

# data can restrict a tool to some roles or some client apps; an empty or absent list restricts nothing.
tool_denials contains "role_not_allowed" if not role_allowed(subject_tool)

tool_denials contains "client_not_allowed" if not client_allowed(subject_tool)

role_allowed(t) if count(object.get(t, "allowed_roles", [])) == 0

role_allowed(t) if {
	some r in t.allowed_roles
	principal_roles[r]
}

client_allowed(t) if count(object.get(t, "allowed_clients", [])) == 0

client_allowed(t) if object.get(principal, "client_id", "") in t.allowed_clients
