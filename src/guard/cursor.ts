import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ListPosition } from '../stores/types.js';
import { invalidCursor } from './denials.js';

/**
 * Opaque tasks/list cursors, MACed together with the caller's binding (owner or tenant scope). A cursor is
 * useless to anyone else: Alice's cursor replayed by Bob fails verification rather than paging Alice's
 * tasks, and an edited cursor fails the same way.
 */
export interface CursorCodec {
  encode(position: ListPosition, binding: string): string;
  decode(cursor: string, binding: string): ListPosition;
}

const MAX_CURSOR_LENGTH = 512;

export function createCursorCodec(secret: Uint8Array = randomBytes(32)): CursorCodec {
  const mac = (binding: string, payload: string): Buffer => createHmac('sha256', secret).update(binding).update('\0').update(payload).digest();
  return {
    encode(position, binding) {
      const payload = Buffer.from(JSON.stringify({ c: position.createdMs, i: position.id })).toString('base64url');
      return `${payload}.${mac(binding, payload).toString('base64url')}`;
    },
    decode(cursor, binding) {
      if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor();
      const [payload, tag, extra] = cursor.split('.');
      if (!payload || !tag || extra !== undefined) throw invalidCursor();
      const expected = mac(binding, payload);
      const given = Buffer.from(tag, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor();
      const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const { c, i } = parsed as { c?: unknown; i?: unknown };
      if (typeof c !== 'number' || typeof i !== 'string') throw invalidCursor();
      return { createdMs: c, id: i };
    },
  };
}
