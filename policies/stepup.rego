package taskguard.tasks

# Step-up authentication (RFC 9470): data.tools[t].step_up[op] = {acr_values: [...], max_age_s: N}.
# Satisfied when the principal's acr is one of acr_values (if any are listed) and it authenticated no longer
# than max_age_s before now (if set). At exactly max_age the authentication still counts.
step_up_rule := subject_tool.step_up[input.op]

step_up_pending if {
	step_up_rule
	not step_up_satisfied
}

step_up_satisfied if {
	acr_ok
	auth_age_ok
}

acr_ok if count(object.get(step_up_rule, "acr_values", [])) == 0

acr_ok if {
	acr := object.get(principal, "acr", "")
	nonempty_string(acr)
	acr in step_up_rule.acr_values
}

auth_age_ok if not step_up_rule.max_age_s

auth_age_ok if {
	auth_time := object.get(principal, "auth_time_ms", 0)
	is_number(auth_time)
	auth_time > 0
	auth_time <= input.now_ms + object.get(defaults, "clock_skew_ms", 0)
	input.now_ms - auth_time <= step_up_rule.max_age_s * 1000
}

step_up_acr_values := concat(" ", object.get(step_up_rule, "acr_values", []))

step_up_obligation := {"acr_values": step_up_acr_values, "max_age_s": step_up_rule.max_age_s} if step_up_rule.max_age_s

step_up_obligation := {"acr_values": step_up_acr_values} if not step_up_rule.max_age_s
