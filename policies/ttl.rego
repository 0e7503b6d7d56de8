package taskguard.tasks

# TTL: the receiver's cap wins. effective = min(requested or the tool default, the tool's max, the global max).
default defaults := {}

defaults := data.defaults

global_max_ttl_ms := defaults.max_ttl_ms

poll_interval_ms := object.get(subject_tool, "poll_interval_ms", defaults.poll_interval_ms) if subject_tool

poll_interval_ms := defaults.poll_interval_ms if not subject_tool

requested_ttl_ms := object.get(input, ["request", "ttl_ms"], null)

wanted_ttl_ms := requested_ttl_ms if requested_ttl_ms != null

wanted_ttl_ms := object.get(subject_tool, "default_ttl_ms", defaults.default_ttl_ms) if requested_ttl_ms == null

effective_ttl_ms := min({wanted_ttl_ms, object.get(subject_tool, "max_ttl_ms", global_max_ttl_ms), global_max_ttl_ms})

deny contains "invalid_ttl" if {
	op == "create"
	requested_ttl_ms != null
	not valid_ttl(requested_ttl_ms)
}

valid_ttl(ms) if {
	is_number(ms)
	ms > 0
	ms == floor(ms)
}

# An expired task is gone for every operation, including for its owner and for supervisors.
now_ms := input.now_ms

deny contains "clock_missing" if not valid_now

valid_now if {
	is_number(input.now_ms)
	input.now_ms > 0
}

deny contains "task_expired" if {
	count(task) > 0
	not task_live
}

task_live if {
	is_number(task.expires_ms)
	task.expires_ms > now_ms
}
