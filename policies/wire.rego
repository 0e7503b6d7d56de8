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

# A plain 2026-07-28 call's input round (MRTR): the client retries the tools/call with the answers and the
# request state the previous round handed out. Decided as `input` when it arrives, with the retrying
# request's principal, like a task's answer, but there is no task: the guard has already opened the state
# sealed for this very principal, tool and arguments (the binding), so the decision checks the tool as the
# call did (scopes, roles, client apps) and step-up for input on that tool. Task support is not read: a
# round may gather input for a task still to be created, which is then decided as `create` on its own. A
# task is never a round, whatever else the input says.
plain_round(inp) if {
	inp.op == "input"
	inp.wire == "2026-07-28"
	object.get(inp, "task", null) == null
	is_string(inp.tool.name)
}
