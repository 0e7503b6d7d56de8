# TTL caps, poll interval and expiry (ttl.rego). effective ttl = min(requested or tool default, tool max,
# global max); an expired task (expires_ms <= now_ms) is gone for everyone.
package taskguard.tasks_test

import data.taskguard.tasks

# --- effective ttl ------------------------------------------------------------------------------------------

test_ttl_tool_default_when_no_preference if {
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as create_input("export_data")
}

test_ttl_tool_default_when_request_absent if {
	inp := object.remove(create_input("export_data"), ["request"])
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as inp
}

test_ttl_tool_default_when_request_empty if {
	inp := with_field(create_input("export_data"), "request", {})
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as inp
}

test_ttl_global_default_when_tool_has_none if {
	tasks.decision == allowed_with({"ttl_ms": 600000, "poll_interval_ms": 500}) with input as create_input("convert_document")
}

test_ttl_shorter_request_wins if {
	tasks.decision == allowed_with({"ttl_ms": 60000, "poll_interval_ms": 1000}) with input as create_input_ttl("export_data", 60000)
}

test_ttl_request_above_tool_default_below_tool_max if {
	tasks.decision == allowed_with({"ttl_ms": 1200000, "poll_interval_ms": 1000}) with input as create_input_ttl("export_data", 1200000)
}

test_ttl_request_equal_to_tool_max if {
	tasks.decision == allowed_with({"ttl_ms": 1800000, "poll_interval_ms": 1000}) with input as create_input_ttl("export_data", 1800000)
}

test_ttl_request_capped_by_tool_max if {
	tasks.decision == allowed_with({"ttl_ms": 1800000, "poll_interval_ms": 1000}) with input as create_input_ttl("export_data", 1800001)
}

test_ttl_request_capped_by_global_max_when_tool_has_none if {
	# approve_publication sets no max_ttl_ms.
	capped := allowed_with({"ttl_ms": 3600000, "poll_interval_ms": 1000})
	tasks.decision == capped with input as create_input_ttl("approve_publication", 86400000)
}

test_ttl_global_max_beats_larger_tool_max if {
	tools := tools_with_field("export_data", "max_ttl_ms", 7200000)
	tasks.decision == allowed_with({"ttl_ms": 3600000, "poll_interval_ms": 1000}) with input as create_input_ttl("export_data", 5000000)
		with data.tools as tools
}

test_ttl_tool_default_capped_by_tool_max if {
	tools := tools_with_field("export_data", "default_ttl_ms", 2400000)
	tasks.decision == allowed_with({"ttl_ms": 1800000, "poll_interval_ms": 1000}) with input as create_input("export_data")
		with data.tools as tools
}

test_ttl_global_default_capped_by_global_max if {
	defaults := defaults_with({"default_ttl_ms": 7200000})
	tasks.decision == allowed_with({"ttl_ms": 3600000, "poll_interval_ms": 1000}) with input as create_input("approve_publication")
		with data.defaults as defaults
}

test_ttl_one_ms_is_valid if {
	tasks.decision == allowed_with({"ttl_ms": 1, "poll_interval_ms": 1000}) with input as create_input_ttl("export_data", 1)
}

test_ttl_integral_float_is_valid if {
	tasks.decision == allowed_with({"ttl_ms": 60000, "poll_interval_ms": 1000}) with input as create_input_ttl("export_data", 60000.0)
}

# --- invalid ttl --------------------------------------------------------------------------------------------

test_ttl_zero_invalid if {
	tasks.decision == denied(["invalid_ttl"]) with input as create_input_ttl("export_data", 0)
}

test_ttl_negative_invalid if {
	tasks.decision == denied(["invalid_ttl"]) with input as create_input_ttl("export_data", -60000)
}

test_ttl_fractional_invalid if {
	tasks.decision == denied(["invalid_ttl"]) with input as create_input_ttl("export_data", 60000.5)
}

test_ttl_string_invalid if {
	tasks.decision == denied(["invalid_ttl"]) with input as create_input_ttl("export_data", "60000")
}

test_ttl_boolean_invalid if {
	tasks.decision == denied(["invalid_ttl"]) with input as create_input_ttl("export_data", true)
}

test_ttl_object_invalid if {
	tasks.decision == denied(["invalid_ttl"]) with input as create_input_ttl("export_data", {"ms": 60000})
}

test_ttl_array_invalid if {
	tasks.decision == denied(["invalid_ttl"]) with input as create_input_ttl("export_data", [60000])
}

# Numbers from 2^53 up are whole (the fuzz found OPA's floor() dropping digits of 1e28 while the wasm kept
# them): they are capped like any other, in both engines.
test_ttl_huge_whole_numbers_capped if {
	capped := allowed_with({"ttl_ms": 1800000, "poll_interval_ms": 1000})
	tasks.decision == capped with input as create_input_ttl("export_data", 9007199254740992)
	tasks.decision == capped with input as create_input_ttl("export_data", 1e28)
	tasks.decision == capped with input as create_input_ttl("export_data", 1.2345678901234567e21)
	tasks.decision == capped with input as create_input_ttl("export_data", 1e308)
}

test_ttl_fraction_just_below_two_to_the_53_invalid if {
	tasks.decision == denied(["invalid_ttl"]) with input as create_input_ttl("export_data", 4503599627370495.5)
}

test_ttl_invalid_reported_with_other_denials if {
	tasks.decision == denied(["invalid_ttl", "task_forbidden"]) with input as create_input_ttl("lookup", 0)
}

# --- poll interval ------------------------------------------------------------------------------------------

test_ttl_poll_interval_from_tool if {
	d := tasks.decision with input as create_input("convert_document")
	d.poll_interval_ms == 500
}

test_ttl_poll_interval_default if {
	d := tasks.decision with input as create_input("export_data")
	d.poll_interval_ms == 1000
}

test_ttl_poll_interval_from_data_defaults if {
	defaults := defaults_with({"poll_interval_ms": 2500})
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 2500}) with input as create_input("export_data")
		with data.defaults as defaults
}

test_ttl_poll_interval_on_get_follows_task_tool if {
	t := alice_task_with({"tool": "export_data"})
	tasks.decision == allowed_with({"poll_interval_ms": 1000}) with input as task_input("get", t)
}

test_ttl_poll_interval_on_list_is_default if {
	tools := tools_with_field("convert_document", "poll_interval_ms", 7)
	tasks.decision == allowed_with({"poll_interval_ms": 1000, "list_scope": "owner"}) with input as listing_input
		with data.tools as tools
}

test_ttl_no_poll_interval_on_result_cancel_input if {
	tasks.decision == allowed with input as task_input("result", alice_task_with({"status": "completed"}))
	tasks.decision == allowed with input as task_input("cancel", alice_task)
	tasks.decision == allowed with input as task_input("input", alice_task_with({"status": "input_required"}))
}

# --- expiry -------------------------------------------------------------------------------------------------

test_ttl_live_task_one_ms_before_expiry if {
	t := alice_task_with({"expires_ms": now + 1})
	tasks.decision == allowed_with({"poll_interval_ms": 500}) with input as task_input("get", t)
}

test_ttl_expires_exactly_now_is_expired if {
	t := alice_task_with({"expires_ms": now})
	tasks.decision == denied(["task_expired"]) with input as task_input("get", t)
}

test_ttl_expired_in_the_past if {
	t := alice_task_with({"expires_ms": now - 1})
	tasks.decision == denied(["task_expired"]) with input as task_input("get", t)
}

test_ttl_expired_for_every_task_operation if {
	t := alice_task_with({"expires_ms": now, "status": "input_required"})
	every op in ["get", "result", "cancel", "input"] {
		d := tasks.decision with input as task_input(op, t)
		d == denied(["task_expired"])
	}
}

test_ttl_expired_for_chain if {
	inp := override(chain_input("lookup"), {"task": {"expires_ms": now}})
	tasks.decision == denied(["task_expired"]) with input as inp
}

test_ttl_expired_for_supervisor if {
	t := alice_task_with({"expires_ms": now})
	tasks.decision == denied(["task_expired"]) with input as task_input_by("get", principal_supervisor, t)
}

test_ttl_missing_expiry_is_expired if {
	t := object.remove(alice_task, ["expires_ms"])
	tasks.decision == denied(["task_expired"]) with input as task_input("get", t)
}

test_ttl_non_number_expiry_is_expired if {
	t := alice_task_with({"expires_ms": "9999999999999"})
	tasks.decision == denied(["task_expired"]) with input as task_input("get", t)
}

test_ttl_no_clock_means_no_live_task if {
	inp := object.remove(task_input("get", alice_task), ["now_ms"])
	tasks.decision == denied(["clock_missing", "task_expired"]) with input as inp
}

test_ttl_expired_foreign_task_reports_binding_only if {
	# A stranger learns nothing of the task's state: the deny reads as if the task did not exist.
	t := alice_task_with({"expires_ms": now})
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as task_input_by("get", principal_bob, t)
}
