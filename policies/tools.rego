package taskguard.tasks

# Per-tool metadata from data.tools, and the checks made when a tool is started (create: as a task; call:
# plainly). Unknown tools get no entry: every rule that needs one denies.

# The tool an operation is about: the one asked for (create / call) or the task's own (every other
# operation that names a task, chain included: its parent sets the chaining ceiling).
# A plain call's input round (wire.rego) is about the tool it names, as the call was.
subject_tool_name := object.get(input, ["tool", "name"], "") if starts_tool(input.op)

else := object.get(input, ["tool", "name"], "") if plain_round(input)

else := task_tool_name(input)

# Resolved in one chain rather than through subject_tool_name: one rule fewer on every decision.
subject_tool := data.tools[object.get(input, ["tool", "name"], "")] if {
	starts_tool(input.op)
} else := data.tools[object.get(input, ["tool", "name"], "")] if {
	plain_round(input)
} else := data.tools[task_tool_name(input)]

# The task's tool as object.get(task, "tool", "") reads it, from input: no `task` rule on the way.
task_tool_name(inp) := object.get(inp.task, "tool", "") if is_object(inp.task)

else := ""

# A setting of the operation's tool, or fallback when the tool or the setting is absent.
# A reference, not object.get behind a truth test of subject_tool: one memoised lookup instead of two and
# a builtin call, and the same value whenever the tool is an object (as data validation demands).
tool_setting(key, fallback) := value if value := subject_tool[key]

else := fallback

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
	held := members(object.get(principal, "scopes", []))
	some s in object.get(subject_tool, "required_scopes", [])
	not s in held
}

# data can restrict a tool to some roles or some client apps; an empty or absent list restricts nothing.
tool_denials contains "role_not_allowed" if not role_allowed(subject_tool)

tool_denials contains "client_not_allowed" if not client_allowed(subject_tool)

role_allowed(t) if count(object.get(t, "allowed_roles", [])) == 0

else if {
	held := members(object.get(principal, "roles", []))
	some r in t.allowed_roles
	r in held
}

client_allowed(t) if count(object.get(t, "allowed_clients", [])) == 0

else if object.get(principal, "client_id", "") in t.allowed_clients
