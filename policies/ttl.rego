package taskguard.tasks

# TTL: the receiver's cap wins. effective = min(requested or the tool default, the tool's max, the global
# max). Settings come from the tool, else the defaults (tool_setting, tools.rego; only an allowed create asks
# for a TTL, and it always has a tool). The poll interval comes from the tool too. data.defaults
# is read directly (the config loader requires it), and these are functions of the request's ttl_ms:
# a rule in between would cost a memoisation insert on every decision.
requested_ttl_ms(inp) := object.get(inp, ["request", "ttl_ms"], null)

wanted_ttl_ms(requested) := requested if requested != null

else := tool_setting("default_ttl_ms", data.defaults.default_ttl_ms)

# min of a list, not a set: the same minimum, without hashing three numbers into a set first.
effective_ttl_ms(requested) := min([
	wanted_ttl_ms(requested),
	tool_setting("max_ttl_ms", data.defaults.max_ttl_ms),
	data.defaults.max_ttl_ms,
])

tool_denials contains "invalid_ttl" if {
	input.op == "create"
	requested := requested_ttl_ms(input)
	requested != null
	not valid_ttl(requested)
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

else if ms == floor(ms)
