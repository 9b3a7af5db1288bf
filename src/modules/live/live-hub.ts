import type { Logger } from 'pino';
import type pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';
import { poolOf } from '../../platform/db/database.js';
import type { Scope } from '../../platform/scope.js';
import { isWithin } from '../../platform/scope.js';
import type { Permission } from '../accounts/policies.js';

/** One live message: an event name, the region it concerns, and what the screens show. */
export interface LiveMessage {
  event: string;
  regionPath: string;
  data: unknown;
  /** Only subscribers whose role holds it receive the message (e.g. case details for handlers, not villagers). */
  permission?: Permission;
}

type Listener = (message: LiveMessage) => void;

const CHANNEL = 'shuxiang_live';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;
const RECONNECT_MS = 2000;

/**
 * Live updates for open pages (alarms, cases, broadcasts as they happen), across processes: a
 * detector worker's alarm reaches the screens served by the HTTP process. Messages travel through
 * PostgreSQL's NOTIFY, so no extra infrastructure is needed; each process LISTENs on one
 * connection and hands every message to the subscribers whose region scope covers it.
 */
export class LiveHub {
  private readonly listeners = new Set<{ scope: Scope; listener: Listener }>();
  private client: pg.PoolClient | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends to every process's subscribers (after the caller's transaction committed). Given a
   * transaction, the message leaves when it commits, and not at all if it rolls back.
   */
  async publish(message: LiveMessage, db: Db = this.db): Promise<void> {
    const payload = JSON.stringify(message);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      this.logger.warn({ event: message.event, bytes: Buffer.byteLength(payload) }, 'live: message too large, not sent');
      return;
    }
    await sql`SELECT pg_notify(${CHANNEL}, ${payload})`.execute(db);
  }

  /** Receives the messages within `scope`; returns the unsubscribe function. */
  subscribe(scope: Scope, listener: Listener): () => void {
    const entry = { scope, listener };
    this.listeners.add(entry);
    void this.ensureListening();
    return () => this.listeners.delete(entry);
  }

  /** Resolves once this process listens, so nothing published afterwards is missed. */
  ready(): Promise<void> {
    return this.ensureListening();
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.query(`UNLISTEN ${CHANNEL}`);
      } catch {
        // the connection is going away anyway
      }
      client.release(true);
    }
  }

  private deliver(payload: string | undefined): void {
    if (!payload) return;
    let message: LiveMessage;
    try {
      message = JSON.parse(payload) as LiveMessage;
    } catch {
      return;
    }
    for (const { scope, listener } of this.listeners) {
      if (!isWithin(scope, message.regionPath)) continue;
      try {
        listener(message);
      } catch (error) {
        this.logger.warn({ err: error }, 'live: a subscriber failed');
      }
    }
  }

  private listening: Promise<void> | undefined;

  private ensureListening(): Promise<void> {
    if (this.client || this.stopped) return Promise.resolve();
    this.listening ??= this.listen().finally(() => {
      this.listening = undefined;
    });
    return this.listening;
  }

  private async listen(): Promise<void> {
    const pool = poolOf(this.db);
    if (!pool) throw new Error('live updates need a database created by createDb');
    try {
      const client = await pool.connect();
      client.on('notification', (n) => this.deliver(n.payload));
      client.on('error', (error) => {
        this.logger.warn({ err: error }, 'live: listening connection lost; reconnecting');
        this.client = undefined;
        client.release(true);
        this.scheduleRetry();
      });
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.stopped) {
        client.release(true);
        return;
      }
      this.client = client;
    } catch (error) {
      this.logger.warn({ err: error }, 'live: cannot listen; retrying');
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.ensureListening(), RECONNECT_MS);
    this.retry.unref();
  }
}
