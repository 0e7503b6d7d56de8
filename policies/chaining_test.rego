# Tool chaining inside a running task (chaining.rego): scopes within the task's creation scopes, no risk
# escalation unless data allows the pair, depth limit, and the task's own binding.
package taskguard.tasks_test

import data.taskguard.tasks

# --- allowed chains -----------------------------------------------------------------------------------------

test_chaining_lower_risk_allowed if {
	# run_workflow (medium) -> lookup (low)
	tasks.decision == allowed with input as chain_input("lookup")
}

test_chaining_same_risk_allowed if {
	# run_workflow (medium) -> convert_document (medium)
	tasks.decision == allowed with input as chain_input("convert_document")
}

test_chaining_from_high_risk_down if {
	tasks.decision == allowed with input as chain_input_from("export_data", "lookup")
}

test_chaining_needs_no_task_support if {
	# A chained call is a plain call inside the task: the child's task_support does not matter.
	tasks.decision == allowed with input as chain_input_from("export_data", "run_workflow")
}

# --- scope subset -------------------------------------------------------------------------------------------

test_chaining_scope_exceeded if {
	inp := override(chain_input("convert_document"), {"task": {"scopes": ["workflows:run", "reports:read"]}})
	tasks.decision == denied(["chain_scope_exceeded"]) with input as inp
}

test_chaining_scopes_are_those_held_at_creation if {
	# alice holds docs:publish now, but the task was created without it.
	tasks.decision == denied(["chain_scope_exceeded"]) with input as chain_input("approve_publication")
}

test_chaining_scope_from_task_not_principal if {
	# The task's creation scopes suffice even if the token presented now has fewer.
	inp := override(chain_input("convert_document"), {"principal": {"scopes": []}})
	tasks.decision == allowed with input as inp
}

test_chaining_task_without_scopes if {
	inp := with_field(chain_input("lookup"), "task", object.remove(alice_task_with({"tool": "run_workflow"}), ["scopes"]))
	tasks.decision == denied(["chain_scope_exceeded"]) with input as inp
}

test_chaining_child_without_required_scopes if {
	tools := tools_without_field("lookup", "required_scopes")
	inp := override(chain_input("lookup"), {"task": {"scopes": []}})
	tasks.decision == allowed with input as inp with data.tools as tools
}

test_chaining_scope_exceeded_for_every_missing_scope if {
	tools := tools_with_field("lookup", "required_scopes", ["reports:read", "x:one", "x:two"])
	tasks.decision == denied(["chain_scope_exceeded"]) with input as chain_input("lookup") with data.tools as tools
}

# --- risk escalation ----------------------------------------------------------------------------------------

test_chaining_risk_escalation_low_to_medium if {
	tasks.decision == denied(["chain_risk_escalation"]) with input as chain_input_from("lookup", "convert_document")
}

test_chaining_risk_escalation_medium_to_high if {
	tasks.decision == denied(["chain_risk_escalation"]) with input as chain_input_from("convert_document", "export_data")
}

test_chaining_escalation_pair_allowed if {
	# data.chaining.allow_escalation: run_workflow -> export_data.
	tasks.decision == allowed with input as chain_input("export_data")
}

test_chaining_escalation_pair_is_per_parent if {
	# The pair allows run_workflow -> export_data only, not another parent of the same risk.
	tasks.decision == denied(["chain_risk_escalation"]) with input as chain_input_from("approve_publication", "export_data")
}

test_chaining_escalation_pair_needs_data if {
	tasks.decision == denied(["chain_risk_escalation"]) with input as chain_input("export_data")
		with data.chaining as {}
}

test_chaining_escalation_pair_names_exact if {
	pairs := [{"from": "Run_Workflow", "to": "export_data"}]
	tasks.decision == denied(["chain_risk_escalation"]) with input as chain_input("export_data")
		with data.chaining as {"allow_escalation": pairs}
}

test_chaining_escalation_pair_from_data if {
	pairs := [{"from": "lookup", "to": "convert_document"}]
	tasks.decision == allowed with input as chain_input_from("lookup", "convert_document")
		with data.chaining as {"allow_escalation": pairs}
}

test_chaining_missing_risk_counts_as_high if {
	tools := tools_without_field("lookup", "risk")
	tasks.decision == denied(["chain_risk_escalation"]) with input as chain_input("lookup")
		with data.tools as tools
}

test_chaining_unknown_child_risk_counts_as_above_any_parent if {
	tools := tools_with_field("lookup", "risk", "critical")
	tasks.decision == denied(["chain_risk_escalation"]) with input as chain_input_from("export_data", "lookup")
		with data.tools as tools
}

test_chaining_unknown_parent_risk_allows_no_chain if {
	tools := tools_with_field("export_data", "risk", "HIGH")
	tasks.decision == denied(["chain_risk_escalation"]) with input as chain_input_from("export_data", "lookup")
		with data.tools as tools
}

test_chaining_escalation_and_scope_both_reported if {
	inp := override(chain_input_from("lookup", "convert_document"), {"task": {"scopes": ["reports:read"]}})
	tasks.decision == denied(["chain_risk_escalation", "chain_scope_exceeded"]) with input as inp
}

# --- depth --------------------------------------------------------------------------------------------------

test_chaining_depth_absent_means_one if {
	tasks.decision == allowed with input as with_field(chain_input("lookup"), "chain", {"tool": "lookup"})
}

test_chaining_depth_at_limit_allowed if {
	tasks.decision == allowed with input as override(chain_input("lookup"), {"chain": {"depth": 3}})
}

test_chaining_depth_over_limit if {
	tasks.decision == denied(["chain_depth_exceeded"]) with input as override(chain_input("lookup"), {"chain": {"depth": 4}})
}

test_chaining_depth_zero if {
	tasks.decision == denied(["chain_depth_exceeded"]) with input as override(chain_input("lookup"), {"chain": {"depth": 0}})
}

test_chaining_depth_fractional if {
	tasks.decision == denied(["chain_depth_exceeded"]) with input as override(chain_input("lookup"), {"chain": {"depth": 1.5}})
}

test_chaining_depth_not_a_number if {
	tasks.decision == denied(["chain_depth_exceeded"]) with input as override(chain_input("lookup"), {"chain": {"depth": "2"}})
}

test_chaining_depth_limit_defaults_to_one if {
	defaults := object.remove(data.defaults, ["max_chain_depth"])
	inp := override(chain_input("lookup"), {"chain": {"depth": 2}})
	tasks.decision == denied(["chain_depth_exceeded"]) with input as inp with data.defaults as defaults
}

test_chaining_depth_limit_from_data if {
	inp := override(chain_input("lookup"), {"chain": {"depth": 5}})
	defaults := defaults_with({"max_chain_depth": 5})
	tasks.decision == allowed with input as inp with data.defaults as defaults
}

# --- unknown tools ------------------------------------------------------------------------------------------

test_chaining_unknown_child if {
	tasks.decision == denied(["unknown_tool"]) with input as chain_input("delete_everything")
}

test_chaining_missing_child if {
	tasks.decision == denied(["unknown_tool"]) with input as object.remove(chain_input("lookup"), ["chain"])
}

test_chaining_unknown_parent if {
	tasks.decision == denied(["unknown_tool"]) with input as chain_input_from("retired_tool", "lookup")
}

# --- binding and status -------------------------------------------------------------------------------------

test_chaining_bound_to_task_owner if {
	inp := with_field(chain_input("lookup"), "principal", principal_bob)
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as inp
}

test_chaining_other_tenant if {
	inp := with_field(chain_input("lookup"), "principal", principal_mallory)
	tasks.decision == denied_by_every_part with input as inp
}

test_chaining_no_delegation_even_with_chain_grant if {
	sup := {"roles": {"task-supervisor": {"operations": ["get", "chain"]}}}
	inp := with_field(chain_input("lookup"), "principal", principal_supervisor)
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as inp
		with data.supervisors as sup
}

test_chaining_in_task_awaiting_input if {
	inp := override(chain_input("lookup"), {"task": {"status": "input_required"}})
	tasks.decision == allowed with input as inp
}

test_chaining_without_task if {
	d := tasks.decision with input as object.remove(chain_input("lookup"), ["task"])
	deny_names(d, "task_missing")
}

# --- the creator's role and client limits ---------------------------------------------------------------------

test_chaining_respects_chained_tools_allowed_clients if {
	# approve_publication is limited to reports-agent and docs-console: a task created from another client
	# must not reach it through a chain, even with every scope it needs.
	inp := override(chain_input_from("export_data", "approve_publication"), {
		"principal": {"client_id": "cli"},
		"task": {"owner": {"client_id": "cli"}, "scopes": ["docs:publish", "reports:export"]},
	})
	tasks.decision == denied(["client_not_allowed"]) with input as inp
}

test_chaining_respects_chained_tools_allowed_roles if {
	# run_workflow is limited to analyst and task-supervisor roles.
	inp := override(chain_input_from("export_data", "run_workflow"), {"principal": {"roles": []}})
	tasks.decision == denied(["role_not_allowed"]) with input as inp
}
