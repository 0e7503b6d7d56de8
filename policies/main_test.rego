# Decision assembly (main.rego): operation names, the clock, sorted reasons, obligations only on an allow.
package taskguard.tasks_test

import data.taskguard.tasks

test_main_list_allowed_with_owner_scope if {
	tasks.decision == allowed_with({"poll_interval_ms": 1000, "list_scope": "owner"}) with input as listing_input
}

test_main_plain_call_allowed_without_obligations if {
	tasks.decision == allowed with input as call_input("lookup")
}

test_main_every_operation_is_known if {
	every op in ["create", "get", "result", "list", "cancel", "input", "chain", "call"] {
		d := tasks.decision with input as override(listing_input, {"op": op})
		not "unknown_operation" in d.reasons
	}
}

test_main_unknown_operation if {
	tasks.decision == denied(["unknown_operation"]) with input as override(listing_input, {"op": "delete"})
}

test_main_operation_is_case_sensitive if {
	tasks.decision == denied(["unknown_operation"]) with input as override(listing_input, {"op": "LIST"})
}

test_main_operation_must_be_a_string if {
	tasks.decision == denied(["unknown_operation"]) with input as override(listing_input, {"op": ["list"]})
}

test_main_missing_operation_never_allows if {
	not tasks.decision.allow == true with input as object.remove(listing_input, ["op"])
}

# main.rego reads op with object.get: `not known_op(input.op)` would be undefined, not true, with op absent
# (OPA evaluates the undefined reference outside the negation), and the reason would never be reported.
test_main_missing_operation if {
	tasks.decision == denied(["unknown_operation"]) with input as object.remove(listing_input, ["op"])
}

test_main_clock_missing if {
	tasks.decision == denied(["clock_missing"]) with input as object.remove(listing_input, ["now_ms"])
}

test_main_clock_zero if {
	tasks.decision == denied(["clock_missing"]) with input as override(listing_input, {"now_ms": 0})
}

test_main_clock_negative if {
	tasks.decision == denied(["clock_missing"]) with input as override(listing_input, {"now_ms": -1})
}

test_main_clock_not_a_number if {
	tasks.decision == denied(["clock_missing"]) with input as override(listing_input, {"now_ms": "1763800000000"})
}

test_main_clock_null if {
	tasks.decision == denied(["clock_missing"]) with input as override(listing_input, {"now_ms": null})
}

test_main_bare_operation_denies_with_every_reason_sorted if {
	tasks.decision == denied(["clock_missing", "principal_incomplete", "unknown_operation"]) with input as {"op": "nope"}
}

# The same with nothing at all: every envelope reason is reported (an absent wire is 2025-11-25, not unknown).
test_main_empty_input_denies_with_every_reason_sorted if {
	tasks.decision == denied(["clock_missing", "principal_incomplete", "unknown_operation"]) with input as {}
}

test_main_reasons_are_sorted_and_unique if {
	# An unknown tool asked for by an incomplete principal at no time.
	inp := {"op": "create", "principal": {}, "tool": {"name": "nope"}}
	tasks.decision == denied(["clock_missing", "principal_incomplete", "unknown_tool"]) with input as inp
}

test_main_deny_carries_no_obligations if {
	# create would carry ttl_ms and poll_interval_ms if it were allowed.
	inp := override(create_input("export_data"), {"principal": {"scopes": []}})
	tasks.decision == denied(["insufficient_scope"]) with input as inp
}

test_main_denied_create_has_no_ttl if {
	d := tasks.decision with input as create_input("lookup")
	d == denied(["task_forbidden"])
	not d.ttl_ms
	not d.poll_interval_ms
}

test_main_step_up_is_not_an_allow if {
	d := tasks.decision with input as task_input("result", alice_task_with({"tool": "export_data", "status": "completed"}))
	d.allow == false
	d.reasons == ["step_up_required"]
	not d.revoke_after_result
}
