package taskguard.tasks

# Checks every operation makes of the caller and the clock. The host builds the principal from a verified
# token only; these rules refuse to decide for one that lacks any part of the identity a task is bound to.
default principal := {}

principal := input.principal if is_object(input.principal)

principal_denials contains "principal_incomplete" if not principal_complete(principal)

principal_denials contains "clock_missing" if not valid_now(input)

# RFC 8693: when a service acts for a user, the actor must be one that data trusts to do so.
principal_denials contains "actor_not_allowed" if {
	act := object.get(principal, "act", null)
	act != null
	not actor_allowed(act)
}

principal_complete(p) if {
	nonempty_string(p.sub)
	nonempty_string(p.tenant)
	nonempty_string(p.client_id)
}

valid_now(inp) if {
	is_number(inp.now_ms)
	inp.now_ms > 0
}

actor_allowed(act) if {
	nonempty_string(act.sub)
	act.sub in data.actors.allowed
}

nonempty_string(s) if {
	is_string(s)
	s != ""
}

principal_scopes := {s | some s in object.get(principal, "scopes", [])}

principal_roles := {r | some r in object.get(principal, "roles", [])}
