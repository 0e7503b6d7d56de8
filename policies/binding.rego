package taskguard.tasks

# Handle-to-identity binding for operations on a stored task (get, result, cancel, input): the task may be
# used only by the identity that created it (tenant, sub and client app, all three, compared exactly: no
# case folding, no unicode normalisation), or by a supervisor that data grants the operation on tasks of
# its own tenant.
# Anything but an object (null, a number, a list) is no task at all: every check then sees an empty one
# and task_missing denies, rather than the checks that read it being skipped.
default task := {}

task := input.task if is_object(input.task)

# The owner's own requests come first and pay least: is_owner is worked out once and implies a task
# (an object with an owner), so anyone else's checks, a missing task or the binding reasons, are a set of
# their own that the owner's requests never work out.
task_denials contains reason if {
	not is_owner
	some reason in stranger_denials
}

# A plain 2026-07-28 call's input round has no task by design (wire.rego, plain_round).
stranger_denials contains "task_missing" if {
	count(task) == 0
	not plain_round(input)
}

stranger_denials contains reason if {
	count(task) > 0
	not supervisor_may[input.op]
	some reason in binding_reasons
}

# Why the caller is not the owner. Never empty when the owner check fails: the default is a backstop, so
# a malformed owner can only ever deny.
default binding_reasons := {"owner_invalid"}

binding_reasons := owner_mismatch if count(owner_mismatch) > 0

# Compared on input directly, once per evaluation; the mismatch set is only built when they differ.
# Each value is looked up once: in the wasm every step of a reference is a hash lookup.
is_owner if {
	owner := input.task.owner
	caller := input.principal
	tenant := owner.tenant
	nonempty_string(tenant)
	tenant == caller.tenant
	owner.sub == caller.sub
	owner.client_id == caller.client_id
}

default owner := {}

owner := task.owner if is_object(task.owner)

owner_mismatch contains "tenant_mismatch" if object.get(owner, "tenant", "") != object.get(principal, "tenant", "")

owner_mismatch contains "sub_mismatch" if object.get(owner, "sub", "") != object.get(principal, "sub", "")

owner_mismatch contains "client_mismatch" if object.get(owner, "client_id", "") != object.get(principal, "client_id", "")

# Delegated resumption: operations granted by a supervisor role, on tasks of the supervisor's own tenant.
supervisor_may contains granted if {
	tenant := object.get(owner, "tenant", "")
	nonempty_string(tenant)
	tenant == principal.tenant
	some role in object.get(principal, "roles", [])
	grant := data.supervisors.roles[role]
	supervisor_tenant_allowed(grant)
	some granted in object.get(grant, "operations", [])
}

supervisor_tenant_allowed(grant) if not grant.tenants

else if principal.tenant in grant.tenants

# A supervisor acting on a task of its own tenant that it does not own. A function, not a rule: each
# decision asks at most once, and a rule would cost a memoisation insert on every decision that does.
delegated(op) if {
	task_op(op)
	not is_owner
	supervisor_may[op]
} else := false

# tasks/list: owners see their own tasks; a supervisor granted list sees its tenant's.
default listing_scope := "owner"

listing_scope := "tenant" if {
	some role in object.get(principal, "roles", [])
	grant := data.supervisors.roles[role]
	supervisor_tenant_allowed(grant)
	"list" in object.get(grant, "operations", [])
}
