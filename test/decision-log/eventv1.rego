# EventV1 as OPA's Go struct types it (v1/plugins/logs/plugin.go in OPA 1.22.2): the fields a collector
# that decodes OPA's uploads into that struct accepts, and their JSON types. Input: an array of events.
package eventv1

strings := {"decision_id", "batch_decision_id", "trace_id", "span_id", "revision", "path", "query", "requested_by", "timestamp"}

objects := {"labels", "bundles", "intermediate_results", "metrics", "request_context", "custom"}

string_lists := {"erased", "masked"}

known := ((strings | objects) | string_lists) | {"input", "result", "mapped_result", "nd_builtin_cache", "error", "req_id", "rule_labels"}

required := {"labels", "decision_id", "timestamp"}

uuid := `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`

violations contains sprintf("event %d: unknown field %s", [i, k]) if {
	some i, event in input
	some k, _ in event
	not k in known
}

violations contains sprintf("event %d: no %s", [i, k]) if {
	some i, event in input
	some k in required
	not k in object.keys(event)
}

violations contains sprintf("event %d: %s is not a string", [i, k]) if {
	some i, event in input
	some k, v in event
	k in strings
	not is_string(v)
}

violations contains sprintf("event %d: %s is not an object", [i, k]) if {
	some i, event in input
	some k, v in event
	k in objects
	not is_object(v)
}

violations contains sprintf("event %d: %s is not a list of strings", [i, k]) if {
	some i, event in input
	some k, v in event
	k in string_lists
	not strings_only(v)
}

violations contains sprintf("event %d: decision_id is not a uuid", [i]) if {
	some i, event in input
	not regex.match(uuid, event.decision_id)
}

# Go's time.Time unmarshals RFC 3339; OPA's parser is Go's.
violations contains sprintf("event %d: timestamp is not RFC 3339", [i]) if {
	some i, event in input
	not time.parse_rfc3339_ns(event.timestamp)
}

violations contains sprintf("event %d: label %s is not a string", [i, k]) if {
	some i, event in input
	some k, v in event.labels
	not is_string(v)
}

violations contains sprintf("event %d: bundle %s has no string revision", [i, name]) if {
	some i, event in input
	some name, bundle in event.bundles
	not is_string(bundle.revision)
}

violations contains sprintf("event %d: metric %s is not a number", [i, k]) if {
	some i, event in input
	some k, v in event.metrics
	not is_number(v)
}

violations contains sprintf("event %d: req_id is not a number", [i]) if {
	some i, event in input
	not is_number(object.get(event, "req_id", 0))
}

strings_only(list) if {
	is_array(list)
	every v in list {
		is_string(v)
	}
}
