package taskguard.tasks

# TTL: the receiver's cap wins. effective = min(requested or the tool default, the tool's max, the global
# max). The poll interval comes from the tool, else the defaults. data.defaults is read directly (the
# config loader requires it): a rule in between would cost a memoisation insert on every decision.

poll_interval_ms := object.get(subject_tool, "poll_interval_ms", data.defaults.poll_interval_ms) if subject_tool

else := data.defaults.poll_interval_ms

requested_ttl_ms := object.get(input, ["request", "ttl_ms"], null)

wanted_ttl_ms := requested_ttl_ms if requested_ttl_ms != null

else := object.get(subject_tool, "default_ttl_ms", data.defaults.default_ttl_ms)

effective_ttl_ms := min({wanted_ttl_ms, object.get(subject_tool, "max_ttl_ms", data.defaults.max_ttl_ms), data.defaults.max_ttl_ms})

tool_denials contains "invalid_ttl" if {
	input.op == "create"
	requested_ttl_ms != null
	not valid_ttl(requested_ttl_ms)
}

valid_ttl(ms) if {
	is_number(ms)
	ms > 0
	whole(ms)
}

# Every double from 2^53 up is a whole number, and a JSON number that large cannot be told apart from
# one: saying so outright keeps the wasm (doubles) and OPA (whose floor goes through a float that drops
# digits of a number like 1e28, so ms == floor(ms) fails there) deciding alike. Found by the fuzz.
whole(ms) if ms >= 9007199254740992

whole(ms) if {
	ms < 9007199254740992
	ms == floor(ms)
}
