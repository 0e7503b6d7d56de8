import { createHash } from 'node:crypto';
import pg from 'pg';

/** How the listening connection names itself in pg_stat_activity (apart from the pool's `taskguard`). */
export const LISTEN_APPLICATION_NAME = 'taskguard-listen';

/** Reconnection waits this long after the first drop, doubling up to the maximum. */
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;
/**
 * An idle listening connection that the network dropped without a word (no FIN, no RST) would otherwise
 * look alive for as long as TCP keepalive takes (hours by default): a ping this often finds it out.
 */
const PING_MS = 30_000;

/**
 * The channel cancels of one schema are told on. Channels are database-wide, so the schema is part of the
 * name; hashed, since a channel is an identifier of at most 63 bytes and a schema name may take all of them.
 */
export function cancelChannel(schema: string): string {
  return `taskguard_cancel_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

/**
 * What a cancel notification carries: a digest of the task id, never the id. Any role that can connect to
 * the database may LISTEN on any channel (LISTEN checks no privilege), and a task id is a bearer-like
 * handle, so the id itself would hand every such role the tasks being cancelled. The host running the task
 * knows its ids and matches the digest; nobody else learns anything from it. (An opaque row id would do the
 * same, but the tasks table has none: its key is the id itself.)
 */
export function cancelNotice(taskId: string): string {
  return createHash('sha256').update(taskId).digest('base64url');
}

export interface CancelWatchOptions {
  /** Told when the connection drops or cannot be made; it is retried until the watch stops. */
  onError: (err: Error) => void;
  /** Called each time the connection is listening again (after the first connect and every reconnect). */
  onListening?: () => void;
}

/**
 * LISTENs on `channel` over a dedicated connection (a pooled one would be handed to queries and miss
 * notifications), and reconnects with backoff when it drops. Notifications sent while it was down are lost:
 * the lease pass still finds those cancels, only later. Returns the stop.
 */
export function listenOn(
  connectionString: string,
  channel: string,
  onNotice: (payload: string) => void,
  options: CancelWatchOptions,
  describe: (err: unknown) => Error,
): () => Promise<void> {
  let stopped = false;
  let current: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delayMs = RECONNECT_MIN_MS;

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const client = new pg.Client({
      connectionString, application_name: LISTEN_APPLICATION_NAME, connectionTimeoutMillis: 10_000, keepAlive: true, query_timeout: 10_000,
    });
    current = client;
    let dropped = false;
    const ping = setInterval(() => void client.query('SELECT 1').catch(drop), PING_MS);
    ping.unref();
    const drop = (err: unknown): void => {
      if (dropped) return;
      dropped = true;
      clearInterval(ping);
      void client.end().catch(() => undefined);
      if (stopped) return;
      options.onError(describe(err));
      timer = setTimeout(() => void connect(), delayMs);
      timer.unref();
      delayMs = Math.min(RECONNECT_MAX_MS, delayMs * 2);
    };
    client.on('error', drop);
    client.on('end', () => drop(new Error('the listening connection closed')));
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onNotice(message.payload);
    });
    try {
      await client.connect();
      // The channel is built from a hex digest: a plain identifier, nothing to quote.
      await client.query(`LISTEN ${channel}`);
      if (dropped) return;
      delayMs = RECONNECT_MIN_MS;
      options.onListening?.();
    } catch (err) {
      drop(err);
    }
  };

  void connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await current?.end().catch(() => undefined);
  };
}
