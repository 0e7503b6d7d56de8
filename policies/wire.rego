package taskguard.tasks

# The protocol generation that carried the request (DESIGN.md section 5). Both generations share one set of
# operations, decided by the same rules: binding, lifecycle, step-up, TTL and chaining never read the wire,
# so a task created on 2025-11-25 is reachable through 2026-07-28 by the identity that created it, and by no
# other. Only two things depend on it: an unknown generation is refused, and on 2026-07-28 a task may be
# created only for a request that declared the tasks extension.
# An absent wire means 2025-11-25: the host always sets it, and inputs written before the field existed
# (fixtures, `taskguard eval`) keep the meaning they had. A wire that is present must be one of the two
# (main.rego reads it with that default, inline: a constant rule would cost a memoisation insert per decision).

known_wire(w) if w == "2025-11-25"

else if w == "2026-07-28"

# On 2026-07-28 the server alone decides whether a tools/call becomes a task, and it may make one only for a
# client that declared io.modelcontextprotocol/tasks on that very request (the wire answers -32021 with
# requiredCapabilities). Anything but exactly true is no declaration. On 2025-11-25 the client asked for the
# task itself, so there is nothing to check.
tool_denials contains "tasks_not_declared" if {
	input.op == "create"
	input.wire == "2026-07-28"
	not extension_declared(input)
}

extension_declared(inp) if inp.request.tasks_declared == true
