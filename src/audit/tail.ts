import { open } from 'node:fs/promises';

const CHUNK = 64 * 1024;

/** Whether the file is empty or ends in a newline: a writer that crashed mid-record leaves neither. */
export async function endsWithNewline(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/**
 * Where the last line starts (the byte after the last newline, 0 when there is none) and the file's size:
 * the span a torn final line occupies. Read backwards in chunks, so a long log is not read whole.
 */
export async function lastLineSpan(file: string): Promise<{ start: number; size: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(CHUNK);
    let end = size;
    while (end > 0) {
      const from = Math.max(0, end - CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, end - from, from);
      const i = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (i >= 0) return { start: from + i + 1, size };
      end = from;
    }
    return { start: 0, size };
  } finally {
    await handle.close();
  }
}

/** The file's first line without its newline, or undefined when the file has no complete line. */
export async function firstLine(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK);
    const parts: Buffer[] = [];
    for (let at = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, at);
      if (bytesRead === 0) return undefined;
      const chunk = buffer.subarray(0, bytesRead);
      const i = chunk.indexOf(0x0a);
      if (i >= 0) return Buffer.concat([...parts, chunk.subarray(0, i)]).toString('utf8');
      parts.push(Buffer.from(chunk));
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/**
 * The file's last complete line (before its final newline) without that newline, or undefined when it has
 * none. Read backwards in chunks, like lastLineSpan.
 */
export async function lastCompleteLine(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(CHUNK);
    let end: number | undefined;
    const parts: Buffer[] = [];
    for (let to = size; to > 0; ) {
      const from = Math.max(0, to - CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, to - from, from);
      let chunk = buffer.subarray(0, bytesRead);
      if (end === undefined) {
        const i = chunk.lastIndexOf(0x0a);
        if (i < 0) {
          to = from;
          continue;
        }
        end = from + i;
        chunk = chunk.subarray(0, i);
      }
      const j = chunk.lastIndexOf(0x0a);
      if (j >= 0) return Buffer.concat([chunk.subarray(j + 1), ...parts]).toString('utf8');
      parts.unshift(Buffer.from(chunk));
      to = from;
    }
    return end === undefined ? undefined : Buffer.concat(parts).toString('utf8');
  } finally {
    await handle.close();
  }
}
