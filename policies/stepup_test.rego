# Step-up authentication (stepup.rego, RFC 9470): acr and max_age per tool and operation, clock skew, and
# step-up only ever offered to a caller who would otherwise be allowed.
package taskguard.tasks_test

import data.taskguard.tasks

# export_data: step_up.result = {acr_values: [urn:example:mfa], max_age_s: 300}
export_result_by(p) := task_input_by("result", p, alice_task_with({"tool": "export_data", "status": "completed"}))

# approve_publication: step_up.input = {acr_values: [urn:example:mfa], max_age_s: 600}
approval_input_by(p) := task_input_by("input", p, alice_task_with({"tool": "approve_publication", "status": "input_required"}))

export_step_up := step_up_required({"acr_values": "urn:example:mfa", "max_age_s": 300})

mfa_at(auth_time_ms) := with_principal(principal_alice, {"acr": mfa, "auth_time_ms": auth_time_ms})

# --- acr ----------------------------------------------------------------------------------------------------

test_stepup_satisfied if {
	tasks.decision == allowed_with({"revoke_after_result": true}) with input as export_result_by(principal_alice_mfa)
}

test_stepup_required_without_acr if {
	tasks.decision == export_step_up with input as export_result_by(principal_alice)
}

test_stepup_required_with_other_acr if {
	p := with_principal(principal_alice_mfa, {"acr": "urn:example:pwd"})
	tasks.decision == export_step_up with input as export_result_by(p)
}

test_stepup_acr_compared_exactly if {
	p := with_principal(principal_alice_mfa, {"acr": "URN:EXAMPLE:MFA"})
	tasks.decision == export_step_up with input as export_result_by(p)
}

test_stepup_acr_missing_from_principal if {
	p := object.remove(principal_alice_mfa, ["acr"])
	tasks.decision == export_step_up with input as export_result_by(p)
}

test_stepup_any_listed_acr_satisfies if {
	rule := {"result": {"acr_values": ["urn:example:hwk", "urn:example:mfa"], "max_age_s": 300}}
	tasks.decision == allowed_with({"revoke_after_result": true}) with input as export_result_by(principal_alice_mfa)
		with data.tools as tools_with_field("export_data", "step_up", rule)
}

test_stepup_obligation_lists_acr_values_space_separated if {
	rule := {"result": {"acr_values": ["urn:example:hwk", "urn:example:mfa"], "max_age_s": 300}}
	expected := step_up_required({"acr_values": "urn:example:hwk urn:example:mfa", "max_age_s": 300})
	tasks.decision == expected with input as export_result_by(principal_alice)
		with data.tools as tools_with_field("export_data", "step_up", rule)
}

test_stepup_acr_only_rule_ignores_auth_time if {
	rule := {"result": {"acr_values": ["urn:example:mfa"]}}
	p := mfa_at(0)
	tasks.decision == allowed_with({"revoke_after_result": true}) with input as export_result_by(p)
		with data.tools as tools_with_field("export_data", "step_up", rule)
}

test_stepup_acr_only_rule_obligation_has_no_max_age if {
	rule := {"result": {"acr_values": ["urn:example:mfa"]}}
	tasks.decision == step_up_required({"acr_values": "urn:example:mfa"}) with input as export_result_by(principal_alice)
		with data.tools as tools_with_field("export_data", "step_up", rule)
}

test_stepup_max_age_only_rule_accepts_any_acr if {
	rule := {"result": {"max_age_s": 300}}
	p := with_principal(principal_alice, {"auth_time_ms": now - minute_ms})
	tasks.decision == allowed_with({"revoke_after_result": true}) with input as export_result_by(p)
		with data.tools as tools_with_field("export_data", "step_up", rule)
}

test_stepup_max_age_only_rule_needs_auth_time if {
	rule := {"result": {"max_age_s": 300}}
	tasks.decision == step_up_required({"max_age_s": 300}) with input as export_result_by(principal_alice)
		with data.tools as tools_with_field("export_data", "step_up", rule)
}

# --- max_age ------------------------------------------------------------------------------------------------

test_stepup_auth_time_absent if {
	tasks.decision == export_step_up with input as export_result_by(mfa_at(0))
}

test_stepup_auth_time_missing_from_principal if {
	p := object.remove(principal_alice_mfa, ["auth_time_ms"])
	tasks.decision == export_step_up with input as export_result_by(p)
}

test_stepup_auth_time_not_a_number if {
	tasks.decision == export_step_up with input as export_result_by(mfa_at("1763799999000"))
}

test_stepup_auth_time_negative if {
	tasks.decision == export_step_up with input as export_result_by(mfa_at(-1))
}

test_stepup_max_age_boundary_allowed if {
	# Authenticated exactly max_age_s (300 s) ago: still counts.
	tasks.decision == allowed_with({"revoke_after_result": true}) with input as export_result_by(mfa_at(now - 300000))
}

test_stepup_one_ms_past_max_age if {
	tasks.decision == export_step_up with input as export_result_by(mfa_at(now - 300001))
}

test_stepup_auth_time_equal_now if {
	tasks.decision == allowed_with({"revoke_after_result": true}) with input as export_result_by(mfa_at(now))
}

test_stepup_max_age_per_operation if {
	# approve_publication input allows 600 s: 500 s ago is fine there, though too old for export_data result.
	tasks.decision == allowed with input as approval_input_by(mfa_at(now - 500000))
	tasks.decision == export_step_up with input as export_result_by(mfa_at(now - 500000))
}

test_stepup_input_required_when_stale if {
	expected := step_up_required({"acr_values": "urn:example:mfa", "max_age_s": 600})
	tasks.decision == expected with input as approval_input_by(mfa_at(now - 600001))
}

# --- clock skew ---------------------------------------------------------------------------------------------

test_stepup_auth_time_ahead_within_skew if {
	# data.defaults.clock_skew_ms = 30000
	tasks.decision == allowed_with({"revoke_after_result": true}) with input as export_result_by(mfa_at(now + 30000))
}

test_stepup_auth_time_ahead_beyond_skew if {
	tasks.decision == export_step_up with input as export_result_by(mfa_at(now + 30001))
}

test_stepup_no_skew_configured if {
	defaults := object.remove(data.defaults, ["clock_skew_ms"])
	tasks.decision == export_step_up with input as export_result_by(mfa_at(now + 1))
		with data.defaults as defaults
}

test_stepup_no_skew_configured_now_is_fine if {
	defaults := object.remove(data.defaults, ["clock_skew_ms"])
	tasks.decision == allowed_with({"revoke_after_result": true}) with input as export_result_by(mfa_at(now))
		with data.defaults as defaults
}

# --- where step-up applies ----------------------------------------------------------------------------------

test_stepup_only_for_listed_operation if {
	# export_data asks step-up for result only; get goes through without it.
	t := alice_task_with({"tool": "export_data"})
	tasks.decision == allowed_with({"poll_interval_ms": 1000}) with input as task_input("get", t)
}

test_stepup_on_create_from_data if {
	rule := {"create": {"acr_values": ["urn:example:mfa"], "max_age_s": 120}}
	tasks.decision == step_up_required({"acr_values": "urn:example:mfa", "max_age_s": 120}) with input as create_input("export_data")
		with data.tools as tools_with_field("export_data", "step_up", rule)
}

test_stepup_on_create_satisfied if {
	rule := {"create": {"acr_values": ["urn:example:mfa"], "max_age_s": 120}}
	inp := with_field(create_input("export_data"), "principal", principal_alice_mfa)
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as inp
		with data.tools as tools_with_field("export_data", "step_up", rule)
}

test_stepup_on_chain_uses_parent_tool if {
	rule := {"chain": {"acr_values": ["urn:example:mfa"]}}
	tasks.decision == step_up_required({"acr_values": "urn:example:mfa"}) with input as chain_input("lookup")
		with data.tools as tools_with_field("run_workflow", "step_up", rule)
}

test_stepup_for_delegated_supervisor if {
	# A supervisor granted result still has to step up itself; the answer says it is delegated.
	sup := {"roles": {"task-supervisor": {"operations": ["result"]}}}
	inp := task_input_by("result", principal_supervisor, alice_task_with({"tool": "export_data", "status": "completed"}))
	tasks.decision == {
		"allow": false,
		"reasons": ["step_up_required"],
		"delegated": true,
		"step_up": {"acr_values": "urn:example:mfa", "max_age_s": 300},
	} with input as inp
		with data.supervisors as sup
}

# --- never offered when anything else denies ----------------------------------------------------------------

test_stepup_not_offered_on_foreign_task if {
	inp := task_input_by("result", principal_bob, alice_task_with({"tool": "export_data", "status": "completed"}))
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as inp
}

test_stepup_not_offered_on_other_tenants_task if {
	inp := task_input_by("result", principal_mallory, alice_task_with({"tool": "export_data", "status": "completed"}))
	tasks.decision == denied_by_every_part with input as inp
}

test_stepup_not_offered_to_ungranted_supervisor if {
	inp := task_input_by("result", principal_supervisor, alice_task_with({"tool": "export_data", "status": "completed"}))
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as inp
}

test_stepup_not_offered_on_revoked_result if {
	inp := task_input_by("result", principal_alice, alice_task_with({"tool": "export_data", "status": "completed", "results_read": 1}))
	tasks.decision == denied(["result_revoked"]) with input as inp
}

test_stepup_not_offered_on_expired_task if {
	inp := task_input_by("result", principal_alice, alice_task_with({"tool": "export_data", "expires_ms": now}))
	tasks.decision == denied(["task_expired"]) with input as inp
}

test_stepup_not_offered_when_not_awaiting_input if {
	inp := task_input_by("input", principal_alice, alice_task_with({"tool": "approve_publication", "status": "working"}))
	tasks.decision == denied(["not_awaiting_input"]) with input as inp
}

test_stepup_not_offered_on_missing_task if {
	inp := object.remove(export_result_by(principal_alice), ["task"])
	tasks.decision == denied(["task_missing"]) with input as inp
}

test_stepup_not_offered_with_untrusted_actor if {
	p := with_principal(principal_alice, {"act": {"sub": "svc-rogue"}})
	tasks.decision == denied(["actor_not_allowed"]) with input as export_result_by(p)
}

test_stepup_not_offered_without_clock if {
	inp := object.remove(export_result_by(principal_alice_mfa), ["now_ms"])
	d := tasks.decision with input as inp
	deny_names(d, "clock_missing")
}
