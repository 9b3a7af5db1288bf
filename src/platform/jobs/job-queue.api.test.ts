import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-db.js';
import { ManualClock } from '../clock.js';
import { JobQueue } from './job-queue.js';

let database: TestDatabase;
const clock = new ManualClock(new Date('2026-11-27T02:00:00Z'));
const silent = pino({ level: 'silent' });

beforeAll(async () => {
  database = await createTestDatabase({ demo: false });
  await sql`CREATE TABLE effects (job text, n integer)`.execute(database.db);
});
afterAll(async () => database.drop());

describe('durable jobs', () => {
  it('runs a due job once, in the same transaction as its effects, even with two pollers at once', async () => {
    const make = () => {
      const queue = new JobQueue(database.db, clock, silent);
      queue.register('count', async (tx, payload) => {
        await sql`INSERT INTO effects VALUES (${String(payload.name)}, 1)`.execute(tx);
      });
      return queue;
    };
    const [a, b] = [make(), make()];
    for (let i = 0; i < 20; i++) await a.schedule(database.db, { kind: 'count', runAt: clock.now(), payload: { name: `job-${i}` } });
    await a.schedule(database.db, { kind: 'count', runAt: new Date(clock.now().getTime() + 60_000), payload: { name: 'later' } });
    const [ra, rb] = await Promise.all([a.runDue(), b.runDue()]);
    expect(ra + rb).toBe(20);
    const rows = await sql<{ job: string; n: number }>`SELECT job, count(*)::int AS n FROM effects GROUP BY job`.execute(database.db);
    expect(rows.rows).toHaveLength(20);
    expect(rows.rows.every((r) => r.n === 1)).toBe(true);
    clock.advance(61_000);
    expect(await a.runDue()).toBe(1);
  });

  it('ignores a second job with the same dedupe key', async () => {
    const queue = new JobQueue(database.db, clock, silent);
    queue.register('noop', async () => undefined);
    await queue.schedule(database.db, { kind: 'noop', runAt: clock.now(), payload: {}, dedupeKey: 'only-once' });
    await queue.schedule(database.db, { kind: 'noop', runAt: clock.now(), payload: {}, dedupeKey: 'only-once' });
    expect(await queue.runDue()).toBe(1);
  });

  it('rolls back a failing handler’s effects and retries it later with backoff', async () => {
    const queue = new JobQueue(database.db, clock, silent);
    let fail = true;
    queue.register('flaky', async (tx) => {
      await sql`INSERT INTO effects VALUES ('flaky', 1)`.execute(tx);
      if (fail) throw new Error('gateway down');
    });
    await queue.schedule(database.db, { kind: 'flaky', runAt: clock.now(), payload: {} });
    expect(await queue.runDue()).toBe(0);
    const effects = () => sql<{ n: number }>`SELECT count(*)::int AS n FROM effects WHERE job = 'flaky'`.execute(database.db).then((r) => r.rows[0]!.n);
    expect(await effects()).toBe(0);
    const job = await database.db.selectFrom('jobs').selectAll().where('kind', '=', 'flaky').executeTakeFirstOrThrow();
    expect(job).toMatchObject({ attempts: 1, last_error: 'gateway down', done_at: null });
    expect(job.run_at.getTime()).toBe(clock.now().getTime() + 60_000);
    fail = false;
    expect(await queue.runDue()).toBe(0); // not due yet
    clock.advance(60_000);
    expect(await queue.runDue()).toBe(1);
    expect(await effects()).toBe(1);
  });
});
