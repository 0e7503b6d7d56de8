# The two generations (wire.rego): an unknown wire is refused, a 2026-07-28 task needs the client's declaration
# of the tasks extension, and nothing else about a decision depends on which generation carried the request.
package taskguard.tasks_test

import data.taskguard.tasks

# --- which generation -----------------------------------------------------------------------------------------

test_wire_absent_is_2025 if {
	# No wire and no declaration: the 2025-11-25 create every input before the field was.
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as create_input("export_data")
}

test_wire_both_generations_known if {
	every w in [wire_2025, wire_2026] {
		d := tasks.decision with input as on_wire(listing_input, w)
		d == allowed_with({"poll_interval_ms": 1000, "list_scope": "owner"})
	}
}

test_wire_unknown_values_denied if {
	unknown := [
		"2026-07-29", "2024-11-05", "2026-07-28 ", "2026-07-28\u0000", "V2026-07-28", "",
		null, 20260728, ["2026-07-28"], {"version": "2026-07-28"},
	]
	every w in unknown {
		d := tasks.decision with input as on_wire(listing_input, w)
		d == denied(["wire_unknown"])
	}
}

test_wire_unknown_never_allows_an_otherwise_allowed_request if {
	every inp in [call_input("lookup"), create_input("export_data"), task_input("get", alice_task), chain_input("lookup")] {
		d := tasks.decision with input as on_wire(inp, "2027-01-01")
		d == denied(["wire_unknown"])
	}
}

test_wire_unknown_joins_other_reasons_sorted if {
	inp := on_wire(task_input_by("get", principal_bob, alice_task), "2026-07-29")
	tasks.decision == denied(["client_mismatch", "sub_mismatch", "wire_unknown"]) with input as inp
}

test_wire_unknown_is_not_offered_step_up if {
	inp := on_wire(task_input("result", alice_task_with({"tool": "export_data", "status": "completed"})), "2026")
	tasks.decision == denied(["wire_unknown"]) with input as inp
}

# --- create on 2026-07-28: the server decides, for a client that declared the extension --------------------

test_wire_2026_create_declared_optional_tool if {
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as create_2026("export_data", true)
}

test_wire_2026_create_declared_required_tool if {
	tasks.decision == allowed_with({"ttl_ms": 600000, "poll_interval_ms": 500}) with input as create_2026("convert_document", true)
}

test_wire_2026_create_declared_forbidden_tool if {
	tasks.decision == denied(["task_forbidden"]) with input as create_2026("lookup", true)
}

test_wire_2026_create_not_declared if {
	every tool in ["export_data", "convert_document"] {
		d := tasks.decision with input as create_2026(tool, false)
		d == denied(["tasks_not_declared"])
	}
}

test_wire_2026_create_not_declared_forbidden_tool_both_reasons if {
	tasks.decision == denied(["task_forbidden", "tasks_not_declared"]) with input as create_2026("lookup", false)
}

test_wire_2026_declaration_must_be_exactly_true if {
	every declared in ["true", 1, null, {}, [true]] {
		d := tasks.decision with input as create_2026("export_data", declared)
		d == denied(["tasks_not_declared"])
	}
}

test_wire_2026_declaration_absent if {
	inp := on_wire(create_input("export_data"), wire_2026)
	tasks.decision == denied(["tasks_not_declared"]) with input as inp
}

test_wire_2026_request_absent if {
	inp := object.remove(on_wire(create_input("export_data"), wire_2026), ["request"])
	tasks.decision == denied(["tasks_not_declared"]) with input as inp
}

test_wire_2026_request_not_an_object if {
	inp := with_field(on_wire(create_input("export_data"), wire_2026), "request", true)
	tasks.decision == denied(["tasks_not_declared"]) with input as inp
}

test_wire_2026_create_identity_checks_unchanged if {
	no_roles := override(create_2026("run_workflow", true), {"principal": {"roles": []}})
	tasks.decision == denied(["role_not_allowed"]) with input as no_roles
	foreign_app := with_field(create_2026("approve_publication", true), "principal", principal_mallory)
	tasks.decision == denied(["client_not_allowed"]) with input as foreign_app
	no_scope := override(create_2026("export_data", false), {"principal": {"scopes": []}})
	tasks.decision == denied(["insufficient_scope", "tasks_not_declared"]) with input as no_scope
}

test_wire_2026_requested_ttl_still_capped if {
	inp := override(create_2026("export_data", true), {"request": {"ttl_ms": 86400000}})
	tasks.decision == allowed_with({"ttl_ms": 1800000, "poll_interval_ms": 1000}) with input as inp
}

test_wire_2025_create_ignores_the_declaration if {
	# On 2025-11-25 the client asked for the task itself.
	inp := override(on_wire(create_input("export_data"), wire_2025), {"request": {"tasks_declared": false}})
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as inp
}

test_wire_2026_call_ignores_the_declaration if {
	# A plain call is decided as on 2025-11-25: a task-required tool still needs a task, declared or not.
	every declared in [true, false] {
		required := override(on_wire(call_input("convert_document"), wire_2026), {"request": {"tasks_declared": declared}})
		d_required := tasks.decision with input as required
		d_required == denied(["task_required"])
		optional := override(on_wire(call_input("export_data"), wire_2026), {"request": {"tasks_declared": declared}})
		d_optional := tasks.decision with input as optional
		d_optional == allowed
	}
}

# --- every other operation decides as on 2025-11-25 -------------------------------------------------------

export_completed := alice_task_with({"tool": "export_data", "status": "completed"})

approval_waiting := alice_task_with({"tool": "approve_publication", "status": "input_required"})

# One input per situation the other operations meet: allows, binding denials, delegation, step-up,
# revocation, lifecycle, chaining, plain calls, listing.
generation_blind_inputs := [
	task_input("get", alice_task),
	task_input_by("get", principal_bob, alice_task),
	task_input_by("get", principal_mallory, alice_task),
	task_input_by("get", principal_supervisor, alice_task),
	task_input("get", alice_task_with({"expires_ms": now})),
	task_input("result", export_completed),
	task_input_by("result", principal_alice_mfa, export_completed),
	task_input_by("result", principal_alice_mfa, object.union(export_completed, {"results_read": 1})),
	task_input_by("result", principal_bob, export_completed),
	task_input("cancel", alice_task),
	task_input("cancel", alice_task_with({"status": "completed"})),
	task_input_by("cancel", principal_supervisor, alice_task),
	task_input_by("cancel", principal_foreign_supervisor, alice_task),
	task_input("input", approval_waiting),
	task_input_by("input", principal_alice_mfa, approval_waiting),
	task_input("input", alice_task),
	chain_input("lookup"),
	chain_input("export_data"),
	chain_input_from("convert_document", "export_data"),
	call_input("lookup"),
	call_input("convert_document"),
	listing_input,
	with_field(listing_input, "principal", principal_supervisor),
]

test_wire_other_operations_decide_alike_on_both_generations if {
	every inp in generation_blind_inputs {
		absent := tasks.decision with input as inp
		legacy := tasks.decision with input as on_wire(inp, wire_2025)
		current := tasks.decision with input as on_wire(inp, wire_2026)
		absent == legacy
		legacy == current
	}
}

# The list above exercises more than allows: a copy of the rules that ignored every input would pass too.
test_wire_alike_inputs_cover_allows_denials_and_step_up if {
	# `with` modifies an expression, never a comprehension's term: the form Regal suggests does not parse.
	# regal ignore:comprehension-term-assignment
	decisions := [d | some inp in generation_blind_inputs; d := tasks.decision with input as on_wire(inp, wire_2026)]
	some allow in decisions
	allow.allow == true
	some deny in decisions
	deny.reasons == ["task_terminal"]
	some step_up in decisions
	step_up.reasons == ["step_up_required"]
	some delegated in decisions
	delegated.delegated == true
}

# --- a task created on 2025-11-25, used through 2026-07-28 -------------------------------------------------
# The record carries no wire: binding is by tenant, sub and client app alone.

test_wire_2025_task_reachable_by_its_owner_on_2026 if {
	tasks.decision == allowed_with({"poll_interval_ms": 500}) with input as on_wire(task_input("get", alice_task), wire_2026)
	tasks.decision == allowed with input as on_wire(task_input("cancel", alice_task), wire_2026)
}

test_wire_2025_task_refused_to_another_identity_on_either_generation if {
	other_app := with_principal(principal_alice, {"client_id": "docs-console"})
	every w in [wire_2025, wire_2026] {
		every op in ["get", "cancel"] {
			by_bob := tasks.decision with input as on_wire(task_input_by(op, principal_bob, alice_task), w)
			by_bob == denied(["client_mismatch", "sub_mismatch"])
			by_mallory := tasks.decision with input as on_wire(task_input_by(op, principal_mallory, alice_task), w)
			by_mallory == denied_by_every_part
			by_other_app := tasks.decision with input as on_wire(task_input_by(op, other_app, alice_task), w)
			by_other_app == denied(["client_mismatch"])
		}
	}
}

# --- a plain call's input round on 2026-07-28 (MRTR): input naming a tool, no task ---------------------------

round_2026(tool_name, p) := {"op": "input", "wire": wire_2026, "now_ms": now, "principal": p, "tool": {"name": tool_name}}

test_wire_2026_round_is_the_tool_checks_of_its_call if {
	tasks.decision == allowed with input as round_2026("lookup", principal_alice)
}

test_wire_2026_round_refused_what_the_call_would_be if {
	no_scopes := with_field(principal_alice, "scopes", [])
	tasks.decision == denied(["insufficient_scope"]) with input as round_2026("lookup", no_scopes)
	tasks.decision == denied(["unknown_tool"]) with input as round_2026("no_such_tool", principal_alice)
	d := tasks.decision with input as round_2026("lookup", principal_alice)
		with data.tools as tools_with_field("lookup", "allowed_clients", ["docs-console"])
	d == denied(["client_not_allowed"])
}

test_wire_2026_round_of_a_task_only_tool_gathers_for_its_create if {
	# The task it leads to is decided as create on its own; the round reads only the tool checks.
	tasks.decision == allowed with input as round_2026("convert_document", principal_alice)
	no_scopes := with_field(principal_alice, "scopes", [])
	tasks.decision == denied(["insufficient_scope"]) with input as round_2026("convert_document", no_scopes)
}

test_wire_2026_round_step_up_for_input_on_its_tool if {
	rule := {"input": {"acr_values": [mfa], "max_age_s": 600}}
	d := tasks.decision with input as round_2026("lookup", principal_alice)
		with data.tools as tools_with_field("lookup", "step_up", rule)
	d == step_up_required({"acr_values": mfa, "max_age_s": 600})
	fresh := tasks.decision with input as round_2026("lookup", principal_alice_mfa)
		with data.tools as tools_with_field("lookup", "step_up", rule)
	fresh == allowed
}

test_wire_round_needs_2026_and_no_task if {
	# On 2025-11-25 input is only ever a task's: without one it is a missing task.
	tasks.decision == denied(["task_missing"]) with input as object.remove(round_2026("lookup", principal_alice), ["wire"])

	# A task present makes it the task's input, bound to the task's owner, whatever tool it names.
	with_task := object.union(round_2026("lookup", principal_bob), {"task": alice_task_with({"status": "input_required"})})
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as with_task

	# A tool name that is not a string is no round.
	tasks.decision == denied(["task_missing"]) with input as object.union(round_2026("lookup", principal_alice), {"tool": {"name": 7}})
}
