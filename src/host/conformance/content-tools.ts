import type { Taskguard } from '../../wire/v2025/taskguard.js';
import type { ToolResult } from '../../guard/tools.js';

// The fixtures the runner's tools-call-* scenarios check: a 1x1 red PNG and a minimal WAV, as its own
// reference server sends them (the checks look at type, mimeType and that data is present).
const PNG_1X1_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV_BASE64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

interface ContentTool {
  name: string;
  description: string;
  result: ToolResult;
}

const CONTENT_TOOLS: readonly ContentTool[] = [
  {
    name: 'test_simple_text',
    description: 'Returns one text content block (tools-call-simple-text)',
    result: { content: [{ type: 'text', text: 'This is a simple text response for testing.' }] },
  },
  {
    name: 'test_image_content',
    description: 'Returns one image content block, a 1x1 PNG (tools-call-image)',
    result: { content: [{ type: 'image', data: PNG_1X1_BASE64, mimeType: 'image/png' }] },
  },
  {
    name: 'test_audio_content',
    description: 'Returns one audio content block, a minimal WAV (tools-call-audio)',
    result: { content: [{ type: 'audio', data: WAV_BASE64, mimeType: 'audio/wav' }] },
  },
  {
    name: 'test_embedded_resource',
    description: 'Returns one embedded text resource (tools-call-embedded-resource)',
    result: {
      content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
    },
  },
  {
    name: 'test_multiple_content_types',
    description: 'Returns text, image and embedded resource blocks in one result (tools-call-mixed-content)',
    result: {
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: PNG_1X1_BASE64, mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
      ],
    },
  },
  {
    name: 'test_error_handling',
    description: 'Always fails with a tool error, isError true (tools-call-error)',
    result: { content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }], isError: true },
  },
];

/** Tools whose whole behaviour is a fixed result: the content-type and tool-error scenarios. */
export function registerContentTools(guard: Taskguard): void {
  for (const tool of CONTENT_TOOLS) {
    // A copy per call: the wire adapters hand results to their SDK, which must not share one object across calls.
    guard.registerTool(tool.name, { description: tool.description, inputSchema: {}, annotations: { readOnlyHint: true } }, () => Promise.resolve(structuredClone(tool.result)));
  }
}

export const CONTENT_TOOL_NAMES: readonly string[] = CONTENT_TOOLS.map((t) => t.name);
