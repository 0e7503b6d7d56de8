"""An MCP Tasks client written with the official Python SDK (PyPI `mcp`, 1.x with the experimental tasks API).

Run by test/e2e/python-sdk.test.ts against `taskguard serve`:

    TASKGUARD_TOKEN=... python task_client.py http://127.0.0.1:PORT/mcp

Connects over Streamable HTTP with the bearer token, initializes, lists the tools, calls `lookup` inline,
creates a `convert_document` task with call_tool_as_task, polls it with the SDK's poll_task to a terminal
status, reads tasks/result, then prints ONE JSON line summarizing what happened. Any failure: a traceback on
stderr and exit code 1.
"""

import json
import os
import sys
import warnings

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
from mcp.types import CallToolResult, TextContent

# The pinned SDK marks both the tasks API (session.experimental) and streamablehttp_client as deprecated:
# they are exactly what this client exercises, so the warnings would only be noise on stderr.
warnings.filterwarnings("ignore", category=DeprecationWarning)

POLL_LIMIT_S = 30


def text_of(result: CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, TextContent))


async def run(url: str, token: str) -> dict:
    summary: dict = {}
    async with streamablehttp_client(url, headers={"Authorization": f"Bearer {token}"}) as (read, write, _session_id):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            summary["server"] = init.serverInfo.name
            summary["protocol_version"] = init.protocolVersion
            caps = init.capabilities.tasks
            summary["server_task_tools_call"] = bool(caps and caps.requests and caps.requests.tools and caps.requests.tools.call is not None)

            tools = await session.list_tools()
            summary["tools"] = {t.name: (t.execution.taskSupport if t.execution else None) for t in tools.tools}

            inline = await session.call_tool("lookup", {"q": "handbook"})
            summary["lookup"] = {"is_error": bool(inline.isError), "text": text_of(inline)}

            created = await session.experimental.call_tool_as_task(
                "convert_document", {"source": "docs/handbook.md", "to": "text"}, ttl=600_000
            )
            task_id = created.task.taskId
            summary["task_id"] = task_id
            summary["created_status"] = created.task.status
            summary["poll_interval_ms"] = created.task.pollInterval

            statuses = [created.task.status]
            last = None
            with anyio.fail_after(POLL_LIMIT_S):
                async for status in session.experimental.poll_task(task_id):
                    if status.status != statuses[-1]:
                        statuses.append(status.status)
                    last = status
            summary["statuses"] = statuses
            summary["final_status"] = last.status if last else None
            summary["status_message"] = last.statusMessage if last else None

            result = await session.experimental.get_task_result(task_id, CallToolResult)
            summary["result_is_error"] = bool(result.isError)
            summary["result_text"] = text_of(result)
            summary["result_structured"] = result.structuredContent
            meta = result.meta or {}
            summary["related_task_id"] = (meta.get("io.modelcontextprotocol/related-task") or {}).get("taskId")

            listed = await session.experimental.list_tasks()
            summary["listed"] = task_id in [t.taskId for t in listed.tasks]
    return summary


def main() -> int:
    if len(sys.argv) != 2 or not os.environ.get("TASKGUARD_TOKEN"):
        print("usage: TASKGUARD_TOKEN=... task_client.py URL", file=sys.stderr)
        return 2
    summary = anyio.run(run, sys.argv[1], os.environ["TASKGUARD_TOKEN"])
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
