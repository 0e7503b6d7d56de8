/**
 * The Streamable HTTP sessions a host holds, with a lifetime: a session no request has touched for
 * `idleTimeoutMs` is closed (clients that crash or restart never send DELETE, and each session holds a
 * server, a transport and their streams), and new sessions are refused past a cap per principal and in total.
 * A session says nothing about tasks: they are bound to the principal, so they outlive it.
 */
export interface SessionLimits {
  /** A session without a request for this long (and none in flight) is closed. */
  idleTimeoutMs: number;
  /** Open sessions per principal (the full acting identity, actor included). */
  maxPerPrincipal: number;
  /** Open sessions on this host. */
  maxTotal: number;
}

export const DEFAULT_SESSION_LIMITS: Readonly<SessionLimits> = { idleTimeoutMs: 30 * 60_000, maxPerPrincipal: 16, maxTotal: 1000 };

/** One open session. The id alone never authorizes anything: `owner` must match the caller. */
export interface OpenSession<T> {
  readonly id: string;
  readonly owner: string;
  /** What the host serves the session with (its transport). */
  readonly value: T;
  /** Closes the session's server and transport; the host then calls remove(). */
  close(): Promise<void>;
}

/** A place held for a session whose initialize is under way, so concurrent ones cannot overshoot a cap. */
export interface Reservation<T> {
  ok: true;
  open(session: OpenSession<T>): void;
  /** The initialize failed: the place is free again. */
  cancel(): void;
}

/** Which cap refused a new session, and when a place is likely to free up (the soonest idle expiry). */
export interface SessionRefusal {
  ok: false;
  scope: 'principal' | 'host';
  limit: number;
  retryAfterMs: number;
}

interface Entry<T> {
  session: OpenSession<T>;
  lastActiveMs: number;
  /** Requests whose response is still open (an SSE stream of a GET is not one: it may stay open forever). */
  inFlight: number;
}

export class SessionTable<T> {
  readonly #limits: SessionLimits;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<T>>();
  /** Open and reserved sessions per owner; an owner with none has no key, so the map never outgrows the sessions. */
  readonly #perOwner = new Map<string, number>();
  #reserved = 0;
  readonly #sweeper: NodeJS.Timeout;

  constructor(limits: SessionLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
    // The sweep reclaims what nobody asks about again; a request naming an expired session is refused
    // on the spot either way, so the interval only bounds how long an abandoned session holds memory.
    this.#sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(10, Math.floor(limits.idleTimeoutMs / 4))));
    this.#sweeper.unref();
  }

  /** Open sessions (not counting initializes under way). */
  get size(): number {
    return this.#entries.size;
  }

  /** The caller's live session with this id. Expired, unknown and someone else's all answer undefined. */
  find(id: string, owner: string): OpenSession<T> | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (this.#expired(entry, this.#now())) {
      this.#expire(entry);
      return undefined;
    }
    return entry.session.owner === owner ? entry.session : undefined;
  }

  /**
   * Marks a request on `session` as started; the returned function marks it done (call it once the response
   * closes). A request that `holds` the session keeps it from expiring until then.
   */
  touch(session: OpenSession<T>, holds: boolean): () => void {
    const entry = this.#entries.get(session.id);
    if (!entry) return () => {};
    entry.lastActiveMs = this.#now();
    if (holds) entry.inFlight += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (holds) entry.inFlight -= 1;
      entry.lastActiveMs = this.#now();
    };
  }

  /** Holds a place for a new session of `owner`, or says which cap refuses it. Existing sessions are never touched. */
  reserve(owner: string): Reservation<T> | SessionRefusal {
    const mine = this.#perOwner.get(owner) ?? 0;
    if (mine >= this.#limits.maxPerPrincipal) return this.#refusal('principal', (e) => e.session.owner === owner);
    if (this.#entries.size + this.#reserved >= this.#limits.maxTotal) return this.#refusal('host', () => true);
    this.#perOwner.set(owner, mine + 1);
    this.#reserved += 1;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.#reserved -= 1;
      return true;
    };
    return {
      ok: true,
      open: (session) => {
        if (!settle()) return;
        this.#entries.set(session.id, { session, lastActiveMs: this.#now(), inFlight: 0 });
      },
      cancel: () => {
        if (settle()) this.#release(owner);
      },
    };
  }

  /** Forgets a session that has closed (DELETE, expiry, shutdown). */
  remove(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#release(entry.session.owner);
  }

  /** Closes every session whose idle time is up. */
  sweep(): void {
    const now = this.#now();
    for (const entry of [...this.#entries.values()]) if (this.#expired(entry, now)) this.#expire(entry);
  }

  /** Closes every session and stops the sweeper. */
  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    const open = [...this.#entries.values()];
    for (const entry of open) this.remove(entry.session.id);
    await Promise.all(open.map((entry) => entry.session.close().catch(() => {})));
  }

  #expired(entry: Entry<T>, now: number): boolean {
    return entry.inFlight === 0 && now - entry.lastActiveMs >= this.#limits.idleTimeoutMs;
  }

  /** Gone from the table at once (its place is free, its id unknown), then closed. */
  #expire(entry: Entry<T>): void {
    this.remove(entry.session.id);
    entry.session.close().catch(() => {});
  }

  #release(owner: string): void {
    const left = (this.#perOwner.get(owner) ?? 1) - 1;
    if (left > 0) this.#perOwner.set(owner, left);
    else this.#perOwner.delete(owner);
  }

  #refusal(scope: SessionRefusal['scope'], counts: (entry: Entry<T>) => boolean): SessionRefusal {
    const now = this.#now();
    let soonest = this.#limits.idleTimeoutMs;
    for (const entry of this.#entries.values()) {
      if (entry.inFlight === 0 && counts(entry)) soonest = Math.min(soonest, Math.max(0, entry.lastActiveMs + this.#limits.idleTimeoutMs - now));
    }
    return { ok: false, scope, limit: scope === 'principal' ? this.#limits.maxPerPrincipal : this.#limits.maxTotal, retryAfterMs: soonest };
  }
}
