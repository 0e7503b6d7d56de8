import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { describeError } from '../errors.js';
import type { DecisionLogSink, EncodedEvent } from './sink.js';
import type { DecisionLogCounters } from './stats.js';

interface StreamSinkOptions {
  /** Bytes the stream may hold unwritten; events beyond it are dropped (a slow disk or pipe never grows memory). */
  maxPendingBytes: number;
  counters: DecisionLogCounters;
  onError: (line: string) => void;
}

/**
 * The console sink: one line per event in the shape OPA's `decision_logs.console` writes (the event's fields
 * with `level`, `msg`, `time` and `type` added), which log shippers that read OPA already parse.
 */
export function consoleSink(stream: Writable, options: StreamSinkOptions): DecisionLogSink {
  // The event's JSON with the four fields added before its closing brace: no second encoding of the event.
  const line = ({ json }: EncodedEvent): string =>
    `${json.slice(0, -1)},"level":"info","msg":"Decision Log","time":"${new Date().toISOString()}","type":"openpolicyagent.org/decision_logs"}`;
  return streamSink(stream, line, false, options);
}

/** The file sink: appends one EventV1 per line (JSON Lines), what `opa eval` and a replay read back. */
export function fileSink(file: string, options: StreamSinkOptions): DecisionLogSink {
  return streamSink(createWriteStream(file, { flags: 'a', mode: 0o600 }), (e) => e.json, true, options);
}

function streamSink(stream: Writable, line: (e: EncodedEvent) => string, owned: boolean, options: StreamSinkOptions): DecisionLogSink {
  let failed = false;
  // Writes complete in order, so the last one's callback means everything before it is written too.
  let lastWrite: Promise<void> = Promise.resolve();
  stream.on('error', (err) => {
    if (!failed) options.onError(`decision log: cannot write: ${describeError(err)}`);
    failed = true;
  });
  return {
    accept(batch: readonly EncodedEvent[]) {
      if (batch.length === 0) return;
      if (failed) return options.counters.drop('write_failed', batch.length);
      if (stream.writableLength > options.maxPendingBytes) return options.counters.drop('buffer_full', batch.length);
      const text = `${batch.map(line).join('\n')}\n`;
      lastWrite = new Promise((resolve) => stream.write(text, (err) => {
        if (err) options.counters.drop('write_failed', batch.length);
        resolve();
      }));
    },
    flush: () => lastWrite,
    async close() {
      await lastWrite;
      if (owned && !failed) await new Promise<void>((resolve) => stream.end(resolve));
    },
    buffered: () => 0,
  };
}
