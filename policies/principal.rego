package taskguard.tasks

# Checks every operation makes of the caller and the clock. The host builds the principal from a verified
# token only; these rules refuse to decide for one that lacks any part of the identity a task is bound to.
# They add to deny directly and read input through functions: no set or rule in between, whose memoisation
# every decision would pay, and the `principal` rule below is only worked out by the checks that need more.
default principal := {}

principal := input.principal if is_object(input.principal)

deny contains "principal_incomplete" if not principal_complete(input)

deny contains "clock_missing" if not valid_now(input)

# RFC 8693: when a service acts for a user, the actor must be one that data trusts to do so. A principal
# that is not an object has no actor (a dot on it is undefined), as has one whose act is null.
deny contains "actor_not_allowed" if {
	act := input.principal.act
	act != null
	not actor_allowed(act)
}

# nonempty_string spelled out: three calls fewer on every decision.
principal_complete(inp) if {
	p := inp.principal
	sub := p.sub
	is_string(sub)
	sub != ""
	tenant := p.tenant
	is_string(tenant)
	tenant != ""
	client := p.client_id
	is_string(client)
	client != ""
}

valid_now(inp) if {
	now := inp.now_ms
	is_number(now)
	now > 0
}

actor_allowed(act) if {
	nonempty_string(act.sub)
	act.sub in data.actors.allowed
}

nonempty_string(s) if {
	is_string(s)
	s != ""
}

# A collection as `x in` reads it: its values, the members a set comprehension over it would hold; nothing
# when it is absent or no collection (a string, a number, null).
members(v) := v if is_array(v)

else := v if is_object(v)

else := []
