package taskguard.tasks

# Step-up authentication (RFC 9470): data.tools[t].step_up[op] = {acr_values: [...], max_age_s: N}.
# Satisfied when the principal's acr is one of acr_values (if any are listed) and it authenticated no longer
# than max_age_s before now (if set). At exactly max_age the authentication still counts.
# Functions of the rule rather than rules: every decision asks whether step-up is pending, and most find no
# rule for their tool and operation; a rule would cost each of them a memoisation insert.
step_up_pending(op) if {
	rule := subject_tool.step_up[op]
	rule != false # a rule that is false is no rule, as it was when this was a truth test of step_up_rule
	not step_up_satisfied(rule)
}

step_up_satisfied(rule) if {
	acr_ok(rule)
	auth_age_ok(rule)
}

acr_ok(rule) if count(object.get(rule, "acr_values", [])) == 0

else if {
	acr := object.get(principal, "acr", "")
	nonempty_string(acr)
	acr in rule.acr_values
}

# A named function, not `not is_number(rule.max_age_s)`: Rego evaluates a reference outside the negation,
# so an absent max_age_s would make that body undefined rather than true.
auth_age_ok(rule) if not has_max_age(rule)

else if {
	auth_time := object.get(principal, "auth_time_ms", 0)
	is_number(auth_time)
	auth_time > 0
	auth_time <= input.now_ms + object.get(data.defaults, "clock_skew_ms", 0)
	input.now_ms - auth_time <= rule.max_age_s * 1000
}

has_max_age(rule) if is_number(rule.max_age_s)

# The RFC 9470 challenge: only the parameters the rule sets. Worked out only when step-up is pending.
step_up_rule := subject_tool.step_up[input.op]

step_up_obligation["acr_values"] := concat(" ", step_up_rule.acr_values) if count(object.get(step_up_rule, "acr_values", [])) > 0

step_up_obligation["max_age_s"] := step_up_rule.max_age_s if has_max_age(step_up_rule)
