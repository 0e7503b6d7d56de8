package taskguard.tasks

# Tool chaining: a running task may call downstream tools only within what its creating request justified:
# the downstream tool's scopes must be a subset of the scopes held at creation, its risk may not exceed the
# parent tool's unless data allows that pair, and chains stop at a depth limit.
chain_tool_name := object.get(input, ["chain", "tool"], "")

chain_tool := data.tools[chain_tool_name]

chain_depth := object.get(input, ["chain", "depth"], 1)

task_scopes := {s | some s in object.get(task, "scopes", [])}

deny contains "unknown_tool" if {
	op == "chain"
	not chain_tool
}

deny contains "unknown_tool" if {
	op == "chain"
	count(task) > 0
	not subject_tool
}

deny contains "chain_scope_exceeded" if {
	op == "chain"
	some s in object.get(chain_tool, "required_scopes", [])
	not task_scopes[s]
}

deny contains "chain_risk_escalation" if {
	op == "chain"
	tool_risk(chain_tool) > tool_risk(subject_tool)
	not escalation_allowed
}

escalation_allowed if {
	some pair in data.chaining.allow_escalation
	pair.from == subject_tool_name
	pair.to == chain_tool_name
}

deny contains "chain_depth_exceeded" if {
	op == "chain"
	not valid_depth
}

valid_depth if {
	is_number(chain_depth)
	chain_depth >= 1
	chain_depth <= object.get(defaults, "max_chain_depth", 1)
}
