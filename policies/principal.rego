package taskguard.tasks

# The verified caller. The host builds it from a verified token only; these rules refuse to decide for a
# principal that lacks any part of the identity a task is bound to.
principal := object.get(input, "principal", {})

principal_sub := object.get(principal, "sub", "")

principal_tenant := object.get(principal, "tenant", "")

principal_client := object.get(principal, "client_id", "")

principal_scopes := {s | some s in object.get(principal, "scopes", [])}

principal_roles := {r | some r in object.get(principal, "roles", [])}

deny contains "principal_incomplete" if not principal_complete

principal_complete if {
	nonempty_string(principal_sub)
	nonempty_string(principal_tenant)
	nonempty_string(principal_client)
}

nonempty_string(s) if {
	is_string(s)
	s != ""
}

# RFC 8693: when a service acts for a user, the actor must be one that data trusts to do so.
actor := object.get(principal, "act", null)

deny contains "actor_not_allowed" if {
	actor != null
	not actor_allowed
}

actor_allowed if {
	sub := object.get(actor, "sub", "")
	nonempty_string(sub)
	sub in data.actors.allowed
}
