# Handle-to-identity binding (binding.rego): owner match on tenant, sub and client, compared exactly;
# delegated resumption by a supervisor role, confined to its own tenant and granted operations.
package taskguard.tasks_test

import data.taskguard.tasks

# --- the owner ----------------------------------------------------------------------------------------------

test_binding_owner_get_allowed if {
	# convert_document polls every 500 ms.
	tasks.decision == allowed_with({"poll_interval_ms": 500}) with input as task_input("get", alice_task)
}

test_binding_owner_result_allowed if {
	tasks.decision == allowed with input as task_input("result", alice_task_with({"status": "completed"}))
}

test_binding_owner_cancel_allowed if {
	tasks.decision == allowed with input as task_input("cancel", alice_task)
}

test_binding_owner_input_allowed if {
	tasks.decision == allowed with input as task_input("input", alice_task_with({"status": "input_required"}))
}

test_binding_tenant_mismatch if {
	t := alice_task_with({"owner": {"tenant": "globex"}})
	tasks.decision == denied(["tenant_mismatch"]) with input as task_input("get", t)
}

test_binding_sub_mismatch if {
	t := alice_task_with({"owner": {"sub": "bob"}})
	tasks.decision == denied(["sub_mismatch"]) with input as task_input("get", t)
}

test_binding_client_mismatch if {
	t := alice_task_with({"owner": {"client_id": "docs-console"}})
	tasks.decision == denied(["client_mismatch"]) with input as task_input("get", t)
}

test_binding_all_three_mismatch if {
	tasks.decision == denied_by_every_part with input as task_input_by("get", principal_mallory, alice_task)
}

test_binding_same_tenant_other_user if {
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as task_input_by("get", principal_bob, alice_task)
}

test_binding_same_user_other_app if {
	p := with_principal(principal_alice, {"client_id": "docs-console"})
	tasks.decision == denied(["client_mismatch"]) with input as task_input_by("get", p, alice_task)
}

test_binding_every_task_operation_is_bound if {
	t := alice_task_with({"status": "input_required"})
	every op in ["get", "result", "cancel", "input"] {
		d := tasks.decision with input as task_input_by(op, principal_bob, t)
		d == denied(["client_mismatch", "sub_mismatch"])
	}
}

test_binding_task_without_owner if {
	t := object.remove(alice_task, ["owner"])
	tasks.decision == denied_by_every_part with input as task_input("get", t)
}

test_binding_task_owner_empty_strings_never_match if {
	t := alice_task_with({"owner": {"sub": "", "tenant": "", "client_id": ""}})
	tasks.decision == denied_by_every_part with input as task_input("get", t)
}

# --- exact comparison: no case folding, no trimming, no unicode normalisation ------------------------------

test_binding_sub_case_sensitive if {
	t := alice_task_with({"owner": {"sub": "Alice"}})
	tasks.decision == denied(["sub_mismatch"]) with input as task_input("get", t)
}

test_binding_tenant_case_sensitive if {
	t := alice_task_with({"owner": {"tenant": "ACME"}})
	tasks.decision == denied(["tenant_mismatch"]) with input as task_input("get", t)
}

test_binding_client_case_sensitive if {
	t := alice_task_with({"owner": {"client_id": "Reports-Agent"}})
	tasks.decision == denied(["client_mismatch"]) with input as task_input("get", t)
}

test_binding_no_whitespace_trimming if {
	t := alice_task_with({"owner": {"tenant": "acme "}})
	tasks.decision == denied(["tenant_mismatch"]) with input as task_input("get", t)
}

test_binding_no_unicode_normalisation if {
	# "josé" precomposed (U+00E9) on the token, decomposed (e + U+0301) on the record.
	p := with_principal(principal_alice, {"sub": "jos\u00e9"})
	t := task_owned_by(object.union(owner_alice, {"sub": "jose\u0301"}))
	tasks.decision == denied(["sub_mismatch"]) with input as task_input_by("get", p, t)
}

test_binding_unicode_identical_matches if {
	p := with_principal(principal_alice, {"sub": "jos\u00e9"})
	t := task_owned_by(owner_of(p))
	tasks.decision == allowed_with({"poll_interval_ms": 500}) with input as task_input_by("get", p, t)
}

test_binding_no_fullwidth_folding if {
	t := alice_task_with({"owner": {"tenant": "\uff41\uff43\uff4d\uff45"}})
	tasks.decision == denied(["tenant_mismatch"]) with input as task_input("get", t)
}

# --- task_missing -------------------------------------------------------------------------------------------

test_binding_task_missing_on_every_task_operation if {
	every op in ["get", "result", "cancel", "input"] {
		d := tasks.decision with input as object.remove(task_input(op, alice_task), ["task"])
		d == denied(["task_missing"])
	}
}

test_binding_empty_task_is_missing if {
	tasks.decision == denied(["task_missing"]) with input as task_input("get", {})
}

test_binding_empty_array_task_is_missing if {
	tasks.decision == denied(["task_missing"]) with input as task_input("cancel", [])
}

test_binding_task_missing_on_chain if {
	d := tasks.decision with input as object.remove(chain_input("lookup"), ["task"])
	deny_names(d, "task_missing")
}

# A task that is present but not an object (null, a number, a boolean) is no task (binding.rego reads it as
# an empty one): it once made count(task) undefined, so no check fired and the operation was allowed.
test_binding_non_object_task_never_allows if {
	every op in ["get", "result", "cancel", "input"] {
		every t in [null, 5, true] {
			not tasks.decision.allow == true with input as task_input(op, t)
		}
	}
}

test_binding_string_task_never_allows if {
	every op in ["get", "result", "cancel", "input", "chain"] {
		not tasks.decision.allow == true with input as override(chain_input("lookup"), {"op": op, "task": "task-1"})
	}
}

test_binding_list_and_create_need_no_task if {
	tasks.decision == allowed_with({"poll_interval_ms": 1000, "list_scope": "owner"}) with input as listing_input
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as create_input("export_data")
}

# --- delegated resumption -----------------------------------------------------------------------------------

test_binding_supervisor_get_delegated if {
	tasks.decision == {
		"allow": true,
		"reasons": [],
		"delegated": true,
		"poll_interval_ms": 500,
	} with input as task_input_by("get", principal_supervisor, alice_task)
}

test_binding_supervisor_cancel_delegated if {
	tasks.decision == {
		"allow": true,
		"reasons": [],
		"delegated": true,
	} with input as task_input_by("cancel", principal_supervisor, alice_task)
}

test_binding_supervisor_not_granted_result if {
	t := alice_task_with({"status": "completed"})
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as task_input_by("result", principal_supervisor, t)
}

test_binding_supervisor_not_granted_input if {
	t := alice_task_with({"status": "input_required"})
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as task_input_by("input", principal_supervisor, t)
}

test_binding_supervisor_other_tenant_denied if {
	tasks.decision == denied_by_every_part with input as task_input_by("get", principal_foreign_supervisor, alice_task)
}

test_binding_supervisor_other_tenant_cancel_denied if {
	tasks.decision == denied_by_every_part with input as task_input_by("cancel", principal_foreign_supervisor, alice_task)
}

test_binding_supervisor_task_without_owner_tenant_denied if {
	t := alice_task_with({"owner": {"tenant": ""}})
	tasks.decision == denied_by_every_part with input as task_input_by("get", principal_supervisor, t)
}

test_binding_supervisor_own_task_not_delegated if {
	t := task_owned_by(owner_of(principal_supervisor))
	tasks.decision == allowed_with({"poll_interval_ms": 500}) with input as task_input_by("get", principal_supervisor, t)
}

test_binding_supervisor_own_task_result_not_delegated if {
	t := task_owned_by(owner_of(principal_supervisor))
	tasks.decision == allowed with input as task_input_by("result", principal_supervisor, t)
}

test_binding_role_name_compared_exactly if {
	p := with_principal(principal_supervisor, {"roles": ["Task-Supervisor"]})
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as task_input_by("get", p, alice_task)
}

test_binding_supervisor_role_among_others if {
	p := with_principal(principal_supervisor, {"roles": ["analyst", "task-supervisor"]})
	d := tasks.decision with input as task_input_by("cancel", p, alice_task)
	d == {"allow": true, "reasons": [], "delegated": true}
}

test_binding_no_delegation_without_supervisor_data if {
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as task_input_by("get", principal_supervisor, alice_task)
		with data.supervisors as {}
}

test_binding_supervisor_confined_to_listed_tenants if {
	sup := {"roles": {"task-supervisor": {"operations": ["get", "list"], "tenants": ["globex"]}}}
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as task_input_by("get", principal_supervisor, alice_task)
		with data.supervisors as sup
}

test_binding_supervisor_listed_tenant_allowed if {
	sup := {"roles": {"task-supervisor": {"operations": ["get", "list"], "tenants": ["acme"]}}}
	tasks.decision == {
		"allow": true,
		"reasons": [],
		"delegated": true,
		"poll_interval_ms": 500,
	} with input as task_input_by("get", principal_supervisor, alice_task)
		with data.supervisors as sup
}

test_binding_tenant_list_never_reaches_other_tenant if {
	# Even if data lists the other tenant, a supervisor only acts on tasks of its own tenant.
	sup := {"roles": {"task-supervisor": {"operations": ["get"], "tenants": ["acme", "globex"]}}}
	tasks.decision == denied_by_every_part with input as task_input_by("get", principal_foreign_supervisor, alice_task)
		with data.supervisors as sup
}

test_binding_supervisor_grant_extended_by_data if {
	sup := {"roles": {"task-supervisor": {"operations": ["get", "result"]}}}
	t := alice_task_with({"status": "completed"})
	tasks.decision == {
		"allow": true,
		"reasons": [],
		"delegated": true,
	} with input as task_input_by("result", principal_supervisor, t)
		with data.supervisors as sup
}

test_binding_supervisor_grant_without_operations if {
	sup := {"roles": {"task-supervisor": {}}}
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as task_input_by("get", principal_supervisor, alice_task)
		with data.supervisors as sup
}

test_binding_supervisor_cannot_chain_in_others_task if {
	inp := with_field(chain_input("lookup"), "principal", principal_supervisor)
	tasks.decision == denied(["client_mismatch", "sub_mismatch"]) with input as inp
}

# --- list scope ---------------------------------------------------------------------------------------------

test_binding_list_owner_scope if {
	tasks.decision == allowed_with({"poll_interval_ms": 1000, "list_scope": "owner"}) with input as listing_input
}

test_binding_list_supervisor_tenant_scope if {
	inp := override(listing_input, {"principal": principal_supervisor})
	tasks.decision == allowed_with({"poll_interval_ms": 1000, "list_scope": "tenant"}) with input as inp
}

test_binding_list_supervisor_without_list_grant if {
	sup := {"roles": {"task-supervisor": {"operations": ["get", "cancel"]}}}
	inp := override(listing_input, {"principal": principal_supervisor})
	tasks.decision == allowed_with({"poll_interval_ms": 1000, "list_scope": "owner"}) with input as inp
		with data.supervisors as sup
}

test_binding_list_supervisor_outside_listed_tenants if {
	sup := {"roles": {"task-supervisor": {"operations": ["list"], "tenants": ["globex"]}}}
	inp := override(listing_input, {"principal": principal_supervisor})
	tasks.decision == allowed_with({"poll_interval_ms": 1000, "list_scope": "owner"}) with input as inp
		with data.supervisors as sup
}

test_binding_list_denied_never_carries_scope if {
	inp := override(listing_input, {"principal": {"act": {"sub": "svc-rogue"}, "roles": ["task-supervisor"]}})
	tasks.decision == denied(["actor_not_allowed"]) with input as inp
}

test_binding_owner_not_an_object_never_matches if {
	every bad_owner in [null, "alice", 7, ["alice"], true] {
		inp := {"op": "get", "now_ms": now, "principal": principal_alice, "task": object.union(alice_task_with({}), {"owner": bad_owner})}
		tasks.decision == denied_by_every_part with input as inp
	}
}

test_binding_owner_with_matching_fields_but_empty_tenant_is_invalid if {
	# principal with empty tenant is incomplete anyway; the backstop reason keeps the binding deny non-empty.
	p := object.union(principal_alice, {"tenant": ""})
	t := object.union(alice_task_with({}), {"owner": {"sub": "alice", "tenant": "", "client_id": "reports-agent"}})
	tasks.decision == denied(["owner_invalid", "principal_incomplete"]) with input as {"op": "get", "now_ms": now, "principal": p, "task": t}
}
