package taskguard.tasks

# Tool chaining: a running task may call downstream tools only within what its creating request justified.
# The call runs as the task's creator, so binding applies without delegation; the downstream tool's scopes
# must be a subset of the scopes held at creation and its role and client limits hold for the creator; its
# risk may not exceed the parent tool's unless data allows that pair; chains stop at a depth limit. An unknown
# or invalid risk counts as above any parent.
# The owner implies a task (see binding.rego), so the missing- and foreign-task checks start with it.
risk_rank(risk) := 1 if {
	risk == "low"
} else := 2 if {
	risk == "medium"
} else := 3 if {
	risk == "high"
}

chain_tool_name(inp) := object.get(inp, ["chain", "tool"], "")

chain_tool := data.tools[chain_tool_name(input)]

chain_denials contains "task_missing" if {
	not is_owner
	count(task) == 0
}

chain_denials contains reason if {
	not is_owner
	count(task) > 0
	some reason in binding_reasons
}

chain_denials contains "task_expired" if {
	is_owner
	not task_live(input)
}

chain_denials contains "task_terminal" if {
	is_owner
	task_terminal(input.task)
}

chain_denials contains "unknown_tool" if not chain_tool

chain_denials contains "unknown_tool" if {
	count(task) > 0
	not subject_tool
}

# The chain runs as the task's creator: it may never start a tool that creator could not start directly.
chain_denials contains "role_not_allowed" if {
	chain_tool
	not role_allowed(chain_tool)
}

chain_denials contains "client_not_allowed" if {
	chain_tool
	not client_allowed(chain_tool)
}

chain_denials contains "chain_scope_exceeded" if {
	task_scopes := members(object.get(task, "scopes", []))
	some s in object.get(chain_tool, "required_scopes", [])
	not s in task_scopes
}

chain_denials contains "chain_risk_escalation" if {
	chain_tool
	subject_tool
	not risk_within(chain_tool, subject_tool)
	not escalation_allowed
}

# The host passes the depth of the call (1 = called by the task's own tool); absent means 1.
chain_denials contains "chain_depth_exceeded" if not valid_depth(object.get(input, ["chain", "depth"], 1))

risk_within(child, parent) if {
	risk_rank(object.get(child, "risk", "high")) <= risk_rank(object.get(parent, "risk", "high"))
}

escalation_allowed if {
	some pair in data.chaining.allow_escalation
	pair.from == subject_tool_name
	pair.to == chain_tool_name(input)
}

valid_depth(depth) if {
	is_number(depth)
	depth >= 1
	depth == floor(depth)
	depth <= object.get(data.defaults, "max_chain_depth", 1)
}
