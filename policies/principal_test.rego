# The verified caller (principal.rego): complete identity, RFC 8693 actors.
package taskguard.tasks_test

import data.taskguard.tasks

test_principal_complete_is_allowed if {
	tasks.decision == allowed_with({"poll_interval_ms": 1000, "list_scope": "owner"}) with input as listing_input
}

test_principal_missing if {
	tasks.decision == denied(["principal_incomplete"]) with input as object.remove(listing_input, ["principal"])
}

test_principal_null if {
	tasks.decision == denied(["principal_incomplete"]) with input as override(listing_input, {"principal": null})
}

test_principal_not_an_object if {
	tasks.decision == denied(["principal_incomplete"]) with input as override(listing_input, {"principal": "alice"})
}

test_principal_empty_sub if {
	inp := override(listing_input, {"principal": {"sub": ""}})
	tasks.decision == denied(["principal_incomplete"]) with input as inp
}

test_principal_missing_sub if {
	inp := with_field(listing_input, "principal", object.remove(principal_alice, ["sub"]))
	tasks.decision == denied(["principal_incomplete"]) with input as inp
}

test_principal_missing_tenant if {
	inp := with_field(listing_input, "principal", object.remove(principal_alice, ["tenant"]))
	tasks.decision == denied(["principal_incomplete"]) with input as inp
}

test_principal_empty_tenant if {
	inp := override(listing_input, {"principal": {"tenant": ""}})
	tasks.decision == denied(["principal_incomplete"]) with input as inp
}

test_principal_missing_client if {
	inp := with_field(listing_input, "principal", object.remove(principal_alice, ["client_id"]))
	tasks.decision == denied(["principal_incomplete"]) with input as inp
}

test_principal_non_string_client if {
	inp := override(listing_input, {"principal": {"client_id": 42}})
	tasks.decision == denied(["principal_incomplete"]) with input as inp
}

test_principal_non_string_sub if {
	inp := override(listing_input, {"principal": {"sub": ["alice"]}})
	tasks.decision == denied(["principal_incomplete"]) with input as inp
}

test_principal_incomplete_denies_task_operations_too if {
	p := object.remove(principal_alice, ["client_id"])
	d := tasks.decision with input as task_input_by("get", p, alice_task)
	deny_names(d, "principal_incomplete")
}

test_principal_scopes_not_a_list_count_as_none if {
	inp := override(create_input("export_data"), {"principal": {"scopes": "reports:export"}})
	tasks.decision == denied(["insufficient_scope"]) with input as inp
}

# --- RFC 8693 actor -----------------------------------------------------------------------------------------

test_principal_trusted_actor_allowed if {
	inp := override(listing_input, {"principal": {"act": {"sub": "svc-batch"}}})
	tasks.decision == allowed_with({"poll_interval_ms": 1000, "list_scope": "owner"}) with input as inp
}

test_principal_trusted_actor_on_create if {
	inp := override(create_input("export_data"), {"principal": {"act": {"sub": "svc-batch"}}})
	tasks.decision == allowed_with({"ttl_ms": 900000, "poll_interval_ms": 1000}) with input as inp
}

test_principal_untrusted_actor if {
	inp := override(listing_input, {"principal": {"act": {"sub": "svc-rogue"}}})
	tasks.decision == denied(["actor_not_allowed"]) with input as inp
}

test_principal_actor_compared_exactly if {
	inp := override(listing_input, {"principal": {"act": {"sub": "SVC-BATCH"}}})
	tasks.decision == denied(["actor_not_allowed"]) with input as inp
}

test_principal_actor_without_sub if {
	inp := override(listing_input, {"principal": {"act": {}}})
	tasks.decision == denied(["actor_not_allowed"]) with input as inp
}

test_principal_actor_empty_sub if {
	inp := override(listing_input, {"principal": {"act": {"sub": ""}}})
	tasks.decision == denied(["actor_not_allowed"]) with input as inp
}

test_principal_actor_not_an_object if {
	inp := override(listing_input, {"principal": {"act": "svc-batch"}})
	tasks.decision == denied(["actor_not_allowed"]) with input as inp
}

test_principal_actor_denied_when_data_trusts_none if {
	inp := override(listing_input, {"principal": {"act": {"sub": "svc-batch"}}})
	tasks.decision == denied(["actor_not_allowed"]) with input as inp with data.actors as {"allowed": []}
}

test_principal_actor_denied_when_data_has_no_actors if {
	inp := override(listing_input, {"principal": {"act": {"sub": "svc-batch"}}})
	tasks.decision == denied(["actor_not_allowed"]) with input as inp with data.actors as {}
}

test_principal_untrusted_actor_on_own_task if {
	p := with_principal(principal_alice, {"act": {"sub": "svc-rogue"}})
	tasks.decision == denied(["actor_not_allowed"]) with input as task_input_by("get", p, alice_task)
}
