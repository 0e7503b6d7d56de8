import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CreateMessageResultSchema, ElicitResultSchema, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { CallPeer } from '../../guard/tools.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The caller of a plain tools/call, reached on the call's own stream through the SDK's request context. */
export function callPeerOf(extra: Extra): CallPeer {
  const progressToken = extra._meta?.progressToken;
  return {
    async progress(progress, total, message) {
      if (progressToken === undefined) return;
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) },
      });
    },
    async request(method, params) {
      const schema = method === 'sampling/createMessage' ? CreateMessageResultSchema : ElicitResultSchema;
      return await extra.sendRequest({ method, params } as ServerRequest, schema) as Record<string, unknown>;
    },
  };
}
