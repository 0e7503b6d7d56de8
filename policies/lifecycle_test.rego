# Revocation and status rules (lifecycle.rego): single-read results, cancel of terminal tasks, input only
# while the task waits for it.
package taskguard.tasks_test

import data.taskguard.tasks

# export_data is single_read and asks step-up for result; alice_mfa satisfies it.
export_task(patch) := alice_task_with(object.union({"tool": "export_data", "status": "completed"}, patch))

# --- single-read results ------------------------------------------------------------------------------------

test_lifecycle_single_read_first_read_revokes_after if {
	inp := task_input_by("result", principal_alice_mfa, export_task({}))
	tasks.decision == allowed_with({"revoke_after_result": true}) with input as inp
}

test_lifecycle_single_read_second_read_revoked if {
	inp := task_input_by("result", principal_alice_mfa, export_task({"results_read": 1}))
	tasks.decision == denied(["result_revoked"]) with input as inp
}

test_lifecycle_single_read_many_reads_revoked if {
	inp := task_input_by("result", principal_alice_mfa, export_task({"results_read": 7}))
	tasks.decision == denied(["result_revoked"]) with input as inp
}

test_lifecycle_single_read_missing_counter_is_unread if {
	t := object.remove(export_task({}), ["results_read"])
	tasks.decision == allowed_with({"revoke_after_result": true}) with input as task_input_by("result", principal_alice_mfa, t)
}

test_lifecycle_multi_read_tool_never_revoked if {
	t := alice_task_with({"status": "completed", "results_read": 3})
	tasks.decision == allowed with input as task_input("result", t)
}

test_lifecycle_single_read_from_data if {
	t := alice_task_with({"status": "completed", "results_read": 1})
	tools := tools_with_field("convert_document", "single_read", true)
	tasks.decision == denied(["result_revoked"]) with input as task_input("result", t)
		with data.tools as tools
}

test_lifecycle_single_read_must_be_true if {
	# Only the boolean true makes a tool single-read.
	t := alice_task_with({"status": "completed", "results_read": 1})
	tools := tools_with_field("convert_document", "single_read", "yes")
	tasks.decision == allowed with input as task_input("result", t)
		with data.tools as tools
}

test_lifecycle_revoked_result_still_pollable if {
	t := export_task({"results_read": 1})
	tasks.decision == allowed_with({"poll_interval_ms": 1000}) with input as task_input("get", t)
}

test_lifecycle_revoke_obligation_only_on_result if {
	t := export_task({})
	d := tasks.decision with input as task_input_by("get", principal_alice_mfa, t)
	not d.revoke_after_result
}

# --- cancel -------------------------------------------------------------------------------------------------

test_lifecycle_cancel_working if {
	tasks.decision == allowed with input as task_input("cancel", alice_task)
}

test_lifecycle_cancel_input_required if {
	tasks.decision == allowed with input as task_input("cancel", alice_task_with({"status": "input_required"}))
}

test_lifecycle_cancel_terminal_denied if {
	every status in ["completed", "failed", "cancelled"] {
		d := tasks.decision with input as task_input("cancel", alice_task_with({"status": status}))
		d == denied(["task_terminal"])
	}
}

test_lifecycle_supervisor_cancel_terminal_denied if {
	t := alice_task_with({"status": "completed"})
	tasks.decision == denied(["task_terminal"]) with input as task_input_by("cancel", principal_supervisor, t)
}

test_lifecycle_terminal_task_still_readable if {
	every status in ["completed", "failed", "cancelled"] {
		d := tasks.decision with input as task_input("get", alice_task_with({"status": status}))
		d == allowed_with({"poll_interval_ms": 500})
	}
}

test_lifecycle_chain_from_terminal_task_denied if {
	every status in ["completed", "failed", "cancelled"] {
		d := tasks.decision with input as override(chain_input("lookup"), {"task": {"status": status}})
		d == denied(["task_terminal"])
	}
}

# --- input --------------------------------------------------------------------------------------------------

test_lifecycle_input_while_awaiting if {
	t := alice_task_with({"status": "input_required"})
	tasks.decision == allowed with input as task_input("input", t)
}

test_lifecycle_input_not_awaiting if {
	every status in ["working", "completed", "failed", "cancelled"] {
		d := tasks.decision with input as task_input("input", alice_task_with({"status": status}))
		d == denied(["not_awaiting_input"])
	}
}

test_lifecycle_input_without_status if {
	t := object.remove(alice_task, ["status"])
	tasks.decision == denied(["not_awaiting_input"]) with input as task_input("input", t)
}

test_lifecycle_input_with_step_up_satisfied if {
	t := alice_task_with({"tool": "approve_publication", "status": "input_required"})
	tasks.decision == allowed with input as task_input_by("input", principal_alice_mfa, t)
}

test_lifecycle_input_by_supervisor_denied if {
	t := alice_task_with({"status": "input_required"})
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as task_input_by("input", principal_supervisor, t)
}

test_lifecycle_stranger_learns_no_state if {
	every status in ["completed", "failed", "cancelled", "working"] {
		t := alice_task_with({"status": status, "results_read": 3, "expires_ms": now})
		every op in ["get", "result", "cancel", "input"] {
			tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as task_input_by(op, principal_bob, t)
		}
	}
}

test_lifecycle_result_of_a_tool_no_longer_configured_is_denied if {
	t := alice_task_with({"tool": "retired_tool", "status": "completed"})
	tasks.decision == denied(["unknown_tool"]) with input as task_input("result", t)
	tasks.decision == denied(["unknown_tool"]) with input as task_input("input", object.union(t, {"status": "input_required"}))
}

test_lifecycle_owner_can_still_see_and_stop_a_task_of_a_retired_tool if {
	t := alice_task_with({"tool": "retired_tool"})
	tasks.decision.allow with input as task_input("get", t)
	tasks.decision.allow with input as task_input("cancel", t)
}
