# Shared input builders for the policy unit tests. Named *_test.rego so builds leave it out.
# Tests assert on the whole `decision` document (DESIGN.md section 4), not on helper rules.
package taskguard.tasks_test

# The fixed clock every test runs at; policies read time only from input.now_ms.
now := 1763800000000

minute_ms := 60000

mfa := "urn:example:mfa"

# --- principals ---------------------------------------------------------------------------------------------

principal_alice := {
	"sub": "alice",
	"tenant": "acme",
	"client_id": "reports-agent",
	"scopes": ["reports:read", "reports:export", "docs:convert", "docs:publish", "workflows:run"],
	"roles": ["analyst"],
	"acr": "",
	"auth_time_ms": 0,
}

# Alice after a fresh MFA login one minute ago.
principal_alice_mfa := object.union(principal_alice, {"acr": mfa, "auth_time_ms": now - minute_ms})

# Same tenant as alice, different user and app.
principal_bob := object.union(principal_alice, {"sub": "bob", "client_id": "docs-console"})

# Another tenant altogether.
principal_mallory := object.union(principal_alice, {"sub": "mallory", "tenant": "globex", "client_id": "evil-app"})

# Holds the task-supervisor role of data.yaml (get, cancel, list) in tenant acme.
principal_supervisor := {
	"sub": "sam",
	"tenant": "acme",
	"client_id": "ops-console",
	"scopes": [],
	"roles": ["task-supervisor"],
	"acr": "",
	"auth_time_ms": 0,
}

# The same role held in another tenant.
principal_foreign_supervisor := object.union(principal_supervisor, {"sub": "sue", "tenant": "globex"})

with_principal(p, patch) := object.union(p, patch)

owner_of(p) := {"sub": p.sub, "tenant": p.tenant, "client_id": p.client_id}

owner_alice := owner_of(principal_alice)

# --- task records -------------------------------------------------------------------------------------------

task_owned_by(owner) := {
	"id": "task-1",
	"status": "working",
	"tool": "convert_document",
	"owner": owner,
	"scopes": ["reports:read", "reports:export", "docs:convert", "workflows:run"],
	"created_ms": task_created_ms,
	"expires_ms": task_expires_ms,
	"results_read": 0,
}

alice_task := task_owned_by(owner_alice)

# Created a minute ago, live for ten minutes more.
task_created_ms := now - minute_ms

task_expires_ms := now + (10 * minute_ms)

# alice's task, with fields replaced (object.union merges nested objects, e.g. {"owner": {"sub": "x"}}).
alice_task_with(patch) := object.union(alice_task, patch)

# --- inputs -------------------------------------------------------------------------------------------------

override(base, patch) := object.union(base, patch)

# base with key replaced whole (no merging into the old value).
with_field(base, key, value) := object.union(object.remove(base, [key]), {key: value})

create_input(tool_name) := {
	"op": "create",
	"now_ms": now,
	"principal": principal_alice,
	"tool": {"name": tool_name},
	"request": {"ttl_ms": null},
}

create_input_ttl(tool_name, ttl) := override(create_input(tool_name), {"request": {"ttl_ms": ttl}})

call_input(tool_name) := {
	"op": "call",
	"now_ms": now,
	"principal": principal_alice,
	"tool": {"name": tool_name},
}

task_input(op, t) := {
	"op": op,
	"now_ms": now,
	"principal": principal_alice,
	"task": t,
}

# A task operation by principal p on task t.
task_input_by(op, p, t) := with_field(task_input(op, t), "principal", p)

listing_input := {
	"op": "list",
	"now_ms": now,
	"principal": principal_alice,
}

# A run_workflow task of alice that calls chained_tool at depth 1.
chain_input(chained_tool) := chain_input_from("run_workflow", chained_tool)

chain_input_from(parent_tool, chained_tool) := {
	"op": "chain",
	"now_ms": now,
	"principal": principal_alice,
	"task": alice_task_with({"tool": parent_tool}),
	"chain": {"tool": chained_tool, "depth": 1},
}

# --- the two generations (wire.rego) -----------------------------------------------------------------------
# The builders above carry no wire: they stand for 2025-11-25, as every input written before the field did.

wire_2025 := "2025-11-25"

wire_2026 := "2026-07-28"

# inp as carried by generation w.
on_wire(inp, w) := object.union(inp, {"wire": w})

# A 2026-07-28 tools/call that the server would make a task, with the client's declaration of the extension.
create_2026(tool_name, declared) := override(on_wire(create_input(tool_name), wire_2026), {"request": {"tasks_declared": declared}})

# --- data overrides -----------------------------------------------------------------------------------------
# Replace a whole top-level document (`with data.tools as tools_with(...)`), never a path inside one:
# OPA merges a `with data.a.b as v` value into the base document when the policy reads data.a, so fields
# left out of v would silently survive.

# data.tools with one tool replaced whole.
tools_with(name, tool) := object.union(object.remove(data.tools, [name]), {name: tool})

# data.tools with one field of one tool set (or replaced whole, if it is an object).
tools_with_field(name, key, value) := tools_with(name, with_field(data.tools[name], key, value))

# data.tools with one field of one tool removed.
tools_without_field(name, key) := tools_with(name, object.remove(data.tools[name], [key]))

# data.defaults with fields set.
defaults_with(patch) := object.union(data.defaults, patch)

# --- expected decisions -------------------------------------------------------------------------------------

# A deny carries its reasons and no obligations.
denied(reasons) := {"allow": false, "reasons": reasons, "delegated": false}

# The deny of a caller that shares no part of the owner's identity (tenant, sub, client app).
denied_by_every_part := denied(["client_mismatch", "sub_mismatch", "tenant_mismatch"])

allowed := {"allow": true, "reasons": [], "delegated": false}

# An allow with obligations.
allowed_with(obligations) := object.union(allowed, obligations)

step_up_required(obligation) := {
	"allow": false,
	"reasons": ["step_up_required"],
	"delegated": false,
	"step_up": obligation,
}

# A deny that names reason among others, and offers no obligation or step-up.
deny_names(d, reason) if {
	d.allow == false
	reason in d.reasons
	object.keys(d) == {"allow", "reasons", "delegated"}
}
