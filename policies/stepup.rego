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

# A named rule, not `not is_number(step_up_rule.max_age_s)`: Rego evaluates a reference outside the
# negation, so an absent max_age_s would make that body undefined rather than true.
auth_age_ok if not has_max_age

auth_age_ok if {
	auth_time := object.get(principal, "auth_time_ms", 0)
	is_number(auth_time)
	auth_time > 0
	auth_time <= input.now_ms + object.get(data.defaults, "clock_skew_ms", 0)
	input.now_ms - auth_time <= step_up_rule.max_age_s * 1000
}

has_max_age if is_number(step_up_rule.max_age_s)

# The RFC 9470 challenge: only the parameters the rule sets.
step_up_obligation["acr_values"] := concat(" ", step_up_rule.acr_values) if count(object.get(step_up_rule, "acr_values", [])) > 0

step_up_obligation["max_age_s"] := step_up_rule.max_age_s if has_max_age
