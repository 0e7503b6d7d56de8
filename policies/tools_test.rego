# Per-tool async eligibility and requirements (tools.rego): task_support, unknown tools, scopes, roles, clients.
package taskguard.tasks_test

import data.taskguard.tasks

# --- async eligibility --------------------------------------------------------------------------------------

test_tools_create_optional_tool if {
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as create_input("export_data")
}

test_tools_create_required_tool if {
	tasks.decision == allowed_with({"ttl_ms": 600000, "poll_interval_ms": 500}) with input as create_input("convert_document")
}

test_tools_create_forbidden_tool if {
	tasks.decision == denied(["task_forbidden"]) with input as create_input("lookup")
}

test_tools_absent_task_support_means_forbidden if {
	tools := tools_without_field("export_data", "task_support")
	tasks.decision == denied(["task_forbidden"]) with input as create_input("export_data")
		with data.tools as tools
}

test_tools_absent_task_support_allows_plain_call if {
	tools := tools_without_field("export_data", "task_support")
	tasks.decision == allowed with input as call_input("export_data")
		with data.tools as tools
}

test_tools_call_forbidden_tool if {
	tasks.decision == allowed with input as call_input("lookup")
}

test_tools_call_optional_tool if {
	tasks.decision == allowed with input as call_input("export_data")
}

test_tools_call_required_tool_needs_task if {
	tasks.decision == denied(["task_required"]) with input as call_input("convert_document")
}

test_tools_call_required_workflow_needs_task if {
	tasks.decision == denied(["task_required"]) with input as call_input("run_workflow")
}

# --- unknown tools ------------------------------------------------------------------------------------------

test_tools_create_unknown_tool if {
	tasks.decision == denied(["unknown_tool"]) with input as create_input("delete_everything")
}

test_tools_call_unknown_tool if {
	tasks.decision == denied(["unknown_tool"]) with input as call_input("delete_everything")
}

test_tools_tool_name_compared_exactly if {
	tasks.decision == denied(["unknown_tool"]) with input as create_input("Export_Data")
}

test_tools_create_without_tool if {
	tasks.decision == denied(["unknown_tool"]) with input as object.remove(create_input("export_data"), ["tool"])
}

test_tools_call_without_tool_name if {
	tasks.decision == denied(["unknown_tool"]) with input as with_field(call_input("lookup"), "tool", {})
}

test_tools_unknown_when_data_has_no_tools if {
	tasks.decision == denied(["unknown_tool"]) with input as call_input("lookup") with data.tools as {}
}

# --- required scopes ----------------------------------------------------------------------------------------

test_tools_create_missing_scope if {
	inp := override(create_input("export_data"), {"principal": {"scopes": ["reports:read"]}})
	tasks.decision == denied(["insufficient_scope"]) with input as inp
}

test_tools_call_missing_scope if {
	inp := override(call_input("lookup"), {"principal": {"scopes": ["reports:export"]}})
	tasks.decision == denied(["insufficient_scope"]) with input as inp
}

test_tools_scope_compared_exactly if {
	inp := override(call_input("lookup"), {"principal": {"scopes": ["Reports:Read", "reports"]}})
	tasks.decision == denied(["insufficient_scope"]) with input as inp
}

test_tools_every_required_scope_needed if {
	tool := {"task_support": "optional", "risk": "low", "required_scopes": ["a", "b"]}
	inp := override(call_input("lookup"), {"principal": {"scopes": ["a"]}})
	tasks.decision == denied(["insufficient_scope"]) with input as inp with data.tools as tools_with("lookup", tool)
}

test_tools_all_required_scopes_held if {
	tool := {"task_support": "optional", "risk": "low", "required_scopes": ["a", "b"]}
	inp := override(call_input("lookup"), {"principal": {"scopes": ["b", "a"]}})
	tasks.decision == allowed with input as inp with data.tools as tools_with("lookup", tool)
}

test_tools_no_required_scopes if {
	tool := {"task_support": "optional", "risk": "low"}
	inp := override(call_input("lookup"), {"principal": {"scopes": []}})
	tasks.decision == allowed with input as inp with data.tools as tools_with("lookup", tool)
}

test_tools_missing_scope_and_task_required_both_reported if {
	inp := override(call_input("convert_document"), {"principal": {"scopes": []}})
	tasks.decision == denied(["insufficient_scope", "task_required"]) with input as inp
}

test_tools_missing_scope_and_task_forbidden_both_reported if {
	inp := override(create_input("lookup"), {"principal": {"scopes": []}})
	tasks.decision == denied(["insufficient_scope", "task_forbidden"]) with input as inp
}

# --- allowed roles ------------------------------------------------------------------------------------------

test_tools_allowed_role_analyst if {
	tasks.decision == allowed_with({"ttl_ms": 600000, "poll_interval_ms": 1000}) with input as create_input("run_workflow")
}

test_tools_allowed_role_supervisor if {
	inp := override(create_input("run_workflow"), {"principal": {"roles": ["task-supervisor"]}})
	tasks.decision == allowed_with({"ttl_ms": 600000, "poll_interval_ms": 1000}) with input as inp
}

test_tools_role_not_allowed if {
	inp := override(create_input("run_workflow"), {"principal": {"roles": ["viewer"]}})
	tasks.decision == denied(["role_not_allowed"]) with input as inp
}

test_tools_no_roles_not_allowed if {
	inp := override(create_input("run_workflow"), {"principal": {"roles": []}})
	tasks.decision == denied(["role_not_allowed"]) with input as inp
}

test_tools_role_compared_exactly if {
	inp := override(create_input("run_workflow"), {"principal": {"roles": ["Analyst"]}})
	tasks.decision == denied(["role_not_allowed"]) with input as inp
}

test_tools_role_not_allowed_on_plain_call if {
	tools := tools_with_field("run_workflow", "task_support", "optional")
	inp := override(call_input("run_workflow"), {"principal": {"roles": ["viewer"]}})
	tasks.decision == denied(["role_not_allowed"]) with input as inp with data.tools as tools
}

test_tools_no_role_restriction if {
	inp := override(create_input("export_data"), {"principal": {"roles": []}})
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as inp
}

# --- allowed clients ----------------------------------------------------------------------------------------

test_tools_allowed_client if {
	tasks.decision == allowed_with({"ttl_ms": 600000, "poll_interval_ms": 1000}) with input as create_input("approve_publication")
}

test_tools_other_allowed_client if {
	inp := override(create_input("approve_publication"), {"principal": {"client_id": "docs-console"}})
	tasks.decision == allowed_with({"ttl_ms": 600000, "poll_interval_ms": 1000}) with input as inp
}

test_tools_client_not_allowed if {
	inp := override(create_input("approve_publication"), {"principal": {"client_id": "cli"}})
	tasks.decision == denied(["client_not_allowed"]) with input as inp
}

test_tools_client_compared_exactly if {
	inp := override(create_input("approve_publication"), {"principal": {"client_id": "Docs-Console"}})
	tasks.decision == denied(["client_not_allowed"]) with input as inp
}

test_tools_client_not_allowed_on_plain_call if {
	inp := override(call_input("approve_publication"), {"principal": {"client_id": "cli"}})
	tasks.decision == denied(["client_not_allowed", "task_required"]) with input as inp
}

# --- requirements belong to create / call only --------------------------------------------------------------

test_tools_task_operations_do_not_recheck_scopes if {
	# Scopes are checked when a task starts; the owner polls it whatever its token holds now.
	p := with_principal(principal_alice, {"scopes": []})
	tasks.decision == allowed_with({"poll_interval_ms": 500}) with input as task_input_by("get", p, alice_task)
}
