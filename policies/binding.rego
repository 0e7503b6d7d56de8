package taskguard.tasks

# Handle-to-identity binding: a stored task may be used only by the identity that created it (tenant, sub
# and client app, all three, compared exactly: no case folding, no unicode normalisation), or by a
# supervisor that data grants the operation on tasks of its own tenant.
task := object.get(input, "task", {})

owner := object.get(task, "owner", {})

deny contains "task_missing" if {
	binds_task
	count(task) == 0
}

binds_task if task_operations[op]

binds_task if op == "chain"

owner_field_mismatch contains "tenant_mismatch" if owner_tenant != principal_tenant

owner_field_mismatch contains "sub_mismatch" if object.get(owner, "sub", "") != principal_sub

owner_field_mismatch contains "client_mismatch" if object.get(owner, "client_id", "") != principal_client

owner_tenant := object.get(owner, "tenant", "")

owner_matches if {
	count(owner_field_mismatch) == 0
	nonempty_string(owner_tenant)
}

# A chained call runs inside its own task, as the task's creator: no delegation applies there.
deny contains reason if {
	op == "chain"
	count(task) > 0
	some reason in owner_field_mismatch
}

deny contains reason if {
	task_operations[op]
	count(task) > 0
	not owner_matches
	not supervisor_may[op]
	some reason in owner_field_mismatch
}

# Operations granted to the principal by a supervisor role, on tasks of the principal's own tenant only.
supervisor_may contains granted if {
	some role in principal_roles
	grant := data.supervisors.roles[role]
	supervisor_tenant_allowed(grant)
	nonempty_string(owner_tenant)
	owner_tenant == principal_tenant
	some granted in object.get(grant, "operations", [])
}

supervisor_tenant_allowed(grant) if not grant.tenants

supervisor_tenant_allowed(grant) if principal_tenant in grant.tenants

# tasks/list: owners see their own tasks; a supervisor granted list sees its tenant's.
default list_scope := "owner"

list_scope := "tenant" if supervisor_list_granted

supervisor_list_granted if {
	some role in principal_roles
	grant := data.supervisors.roles[role]
	supervisor_tenant_allowed(grant)
	"list" in object.get(grant, "operations", [])
}
