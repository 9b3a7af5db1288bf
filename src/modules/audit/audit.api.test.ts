import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ConfigError, loadConfig } from '../../config.js';
import { ManualClock } from '../../platform/clock.js';
import { createDb, type Db } from '../../platform/db/database.js';
import { type Actor, noRequest } from '../../platform/request-context.js';
import { AUDIT_RETENTION_JOB, nextRetentionRun } from './audit.service.js';

const TOWNSHIP = '/130631/130631202/'; // 黑堡乡
const OTHER_TOWNSHIP = '/130631/130631203/';
const DAY = 86_400_000;

let t: TestApp;
const clock = new ManualClock(new Date());

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(async () => t?.close());

async function api(token: string, url: string) {
  return t.request({ method: 'GET', url, token });
}

/** The chain as stored: seq, prev_hash and hash of every entry, in order. */
async function chain(db: Db = t.db) {
  const rows = await db.selectFrom('audit_events').select(['seq', 'prev_hash', 'hash']).orderBy('seq').execute();
  return rows.map((r) => ({ seq: Number(r.seq), prev: r.prev_hash, hash: r.hash }));
}

/** Runs `fn` with the triggers off, as a database superuser could (the chain must still tell). */
async function asSuperuser(fn: (tx: Db) => Promise<unknown>) {
  await t.db.transaction().execute(async (tx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(tx);
    await fn(tx);
  });
}

/** Keeps a copy of one entry while `fn` damages it, then puts the original back exactly. */
async function saved(id: string, fn: () => Promise<void>) {
  await sql`CREATE TABLE audit_saved AS SELECT * FROM audit_events WHERE id = ${id}`.execute(t.db);
  try {
    await fn();
  } finally {
    await asSuperuser(async (tx) => {
      await sql`DELETE FROM audit_events WHERE id = ${id}`.execute(tx);
      await sql`INSERT INTO audit_events SELECT * FROM audit_saved`.execute(tx);
    });
    await sql`DROP TABLE audit_saved`.execute(t.db);
  }
}

async function someActor(role: 'township_staff' | 'admin' = 'township_staff'): Promise<Actor> {
  const user = await t.db.selectFrom('users').innerJoin('regions', 'regions.code', 'users.region_code').select(['users.id', 'users.name', 'users.phone', 'regions.code', 'regions.path']).where('users.role', '=', role).executeTakeFirstOrThrow();
  return { userId: user.id, role, name: user.name, phone: user.phone, scope: { regionCode: user.code, path: user.path } };
}

describe('the audit hash chain', () => {
  it('chains every entry at commit: concurrent transactions from two connection pools make one unbroken chain', async () => {
    const second = createDb(t.database.url, 5); // another process's pool
    try {
      const actor = await someActor();
      const before = (await chain()).length;
      const write = (db: Db, i: number) =>
        db.transaction().execute(async (tx) => {
          await t.services.audit.record(tx, actor, noRequest, { action: 'test.concurrent', targetType: 'test', targetId: `a${i}`, regionPath: TOWNSHIP });
          // The transaction goes on after its audit write; others commit meanwhile.
          await sql`SELECT pg_sleep(0.02)`.execute(tx);
          await t.services.audit.record(tx, actor, noRequest, { action: 'test.concurrent', targetType: 'test', targetId: `b${i}`, regionPath: TOWNSHIP, details: { 名称: '测试', n: i } });
        });
      await Promise.all([...Array.from({ length: 10 }, (_, i) => write(t.db, i)), ...Array.from({ length: 10 }, (_, i) => write(second, 10 + i))]);
      // Outside any transaction, by hand: chained the same way.
      await sql`INSERT INTO audit_events (at, action, target_type, target_id, region_path) VALUES (now(), 'test.raw', 'test', 'raw', ${TOWNSHIP})`.execute(second);
      // A transaction that rolls back leaves no hole.
      await expect(
        t.db.transaction().execute(async (tx) => {
          await t.services.audit.record(tx, actor, noRequest, { action: 'test.rolled_back', targetType: 'test', targetId: 'x', regionPath: TOWNSHIP });
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');

      const rows = await chain();
      expect(rows).toHaveLength(before + 41);
      rows.forEach((row, i) => {
        expect(row.seq).toBe(i + 1);
        expect(row.prev).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1]!.hash);
        expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      });
      const head = await t.db.selectFrom('audit_chain_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
      expect({ seq: Number(head.seq), hash: head.hash }).toEqual({ seq: rows.at(-1)!.seq, hash: rows.at(-1)!.hash });
      // Node recomputes every hash the database made.
      const verified = await t.services.audit.verifyChain();
      expect(verified).toMatchObject({ ok: true, checked: rows.length, broken: null });
    } finally {
      await second.destroy();
    }
  });

  it('refuses changes, deletions, truncation and preset chain positions', async () => {
    const { seq } = await t.db.selectFrom('audit_events').select('seq').orderBy('seq').limit(1).executeTakeFirstOrThrow();
    await expect(sql`UPDATE audit_events SET action = 'forged' WHERE seq = ${seq}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE audit_events SET seq = seq WHERE seq = ${seq}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_events WHERE seq = ${seq}`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_events`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(
      sql`INSERT INTO audit_events (at, action, target_type, target_id, region_path, seq, prev_hash, hash) VALUES (now(), 'x', 'x', 'x', '/', 999999, 'a', 'b')`.execute(t.db),
    ).rejects.toThrow(/set by the chain/);
    // Even with the purge's setting, nothing after the anchor may go.
    await expect(
      t.db.transaction().execute(async (tx) => {
        await sql`SELECT set_config('shuxiang.audit_purge', 'on', true)`.execute(tx);
        await sql`DELETE FROM audit_events WHERE seq = ${seq}`.execute(tx);
      }),
    ).rejects.toThrow(/append-only/);
  });

  it('verify names the first broken link: an edit, a deletion, a reordering, a cut tail', async () => {
    const admin = await t.tokenFor('admin');
    const verify = async () => (await api(admin, '/api/audit/verify')).json();
    expect(await verify()).toMatchObject({ ok: true, broken: null });
    const rows = await t.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
    const k = rows[5]!;
    const k1 = rows[6]!;

    // An edited entry.
    await saved(k.id, async () => {
      await asSuperuser((tx) => sql`UPDATE audit_events SET details = '{"forged": true}' WHERE id = ${k.id}`.execute(tx));
      expect(await verify()).toMatchObject({ ok: false, broken: { seq: Number(k.seq), reason: 'hash_mismatch' }, checked: Number(k.seq) - 1 });
      expect(await t.services.audit.verifyChain()).toMatchObject({ ok: false, broken: { seq: Number(k.seq), reason: 'hash_mismatch' } });
    });
    expect(await verify()).toMatchObject({ ok: true });

    // A removed entry.
    await saved(k.id, async () => {
      await asSuperuser((tx) => sql`DELETE FROM audit_events WHERE id = ${k.id}`.execute(tx));
      expect(await verify()).toMatchObject({ ok: false, broken: { seq: Number(k.seq), reason: 'missing' } });
    });
    expect(await verify()).toMatchObject({ ok: true });

    // Two entries swapped (each keeping its own hashes).
    const swap = (a: string, b: string) =>
      asSuperuser(async (tx) => {
        const [x, y] = await Promise.all([a, b].map((id) => tx.selectFrom('audit_events').select('seq').where('id', '=', id).executeTakeFirstOrThrow()));
        await sql`UPDATE audit_events SET seq = -1 WHERE id = ${a}`.execute(tx);
        await sql`UPDATE audit_events SET seq = ${x!.seq} WHERE id = ${b}`.execute(tx);
        await sql`UPDATE audit_events SET seq = ${y!.seq} WHERE id = ${a}`.execute(tx);
      });
    await swap(k.id, k1.id);
    expect(await verify()).toMatchObject({ ok: false, broken: { seq: Number(k.seq), reason: 'link_broken' } });
    await swap(k.id, k1.id);
    expect(await verify()).toMatchObject({ ok: true });

    // The newest entry removed: the head still remembers it.
    const last = await t.db.selectFrom('audit_events').select(['id', 'seq']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    await saved(last.id, async () => {
      await asSuperuser((tx) => sql`DELETE FROM audit_events WHERE id = ${last.id}`.execute(tx));
      expect(await verify()).toMatchObject({ ok: false, broken: { seq: Number(last.seq), reason: 'truncated' } });
    });
    expect(await verify()).toMatchObject({ ok: true });

    // Only administrators verify.
    expect((await api(await t.tokenFor('township_staff'), '/api/audit/verify')).statusCode).toBe(403);
  });
});

describe('reading and exporting', () => {
  it('marks the platform’s own entries as system and leaves them out of the list unless asked', async () => {
    const id = randomUUID();
    await t.services.audit.record(t.db, null, noRequest, { action: 'broadcast.send', targetType: 'broadcast', targetId: id, regionPath: TOWNSHIP, details: { title: '告警广播' } });
    await t.services.audit.record(t.db, null, { requestId: 'req-1', ip: '203.0.113.9' }, { action: 'auth.login_failed', targetType: 'user', targetId: '13900000000', regionPath: TOWNSHIP });
    const staff = await t.tokenFor('township_staff');
    expect((await api(staff, `/api/audit-events?targetId=${id}`)).json().total).toBe(0);
    const all = (await api(staff, `/api/audit-events?targetId=${id}&includeSystem=true`)).json();
    expect(all.items).toEqual([expect.objectContaining({ actorKind: 'system', actorId: null, targetName: '告警广播', action: 'broadcast.send' })]);
    // Someone not signed in (a failed login) is no system noise.
    expect((await api(staff, '/api/audit-events?action=auth.login_failed')).json().items).toEqual([expect.objectContaining({ actorKind: 'anonymous', ip: '203.0.113.9' })]);
    // A person's entries carry their name.
    const mine = (await api(staff, '/api/audit-events?action=test.concurrent&pageSize=1')).json().items[0];
    expect(mine).toMatchObject({ actorKind: 'user', actorName: expect.any(String), seq: expect.any(Number) });
  });

  it('exports the entries in scope as CSV for Excel, and audits the export', async () => {
    const staff = await t.tokenFor('township_staff');
    const marker = `export-${randomUUID()}`;
    await t.services.audit.record(t.db, await someActor(), noRequest, { action: 'test.export', targetType: 'test', targetId: marker, regionPath: TOWNSHIP, details: { name: '=HYPERLINK("x")' } });
    await t.services.audit.record(t.db, await someActor(), noRequest, { action: 'test.export', targetType: 'test', targetId: `${marker}-elsewhere`, regionPath: OTHER_TOWNSHIP });

    const res = await api(staff, '/api/audit/export?action=test.export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = res.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toContain('哈希 hash');
    expect(lines).toHaveLength(2); // the header and the one entry in 黑堡乡
    expect(lines[1]).toContain(marker);
    expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`); // a formula is defused
    expect(res.body).not.toContain(`${marker}-elsewhere`);
    // The county administrator sees both townships.
    expect((await api(await t.tokenFor('admin'), '/api/audit/export?action=test.export')).body).toContain(`${marker}-elsewhere`);
    // A range that holds nothing gives the header alone.
    const future = new Date(clock.now().getTime() + DAY).toISOString();
    expect((await api(staff, `/api/audit/export?action=test.export&from=${encodeURIComponent(future)}`)).body.trimEnd().split('\r\n')).toHaveLength(1);

    const audited = (await api(staff, '/api/audit-events?action=audit.export')).json();
    expect(audited.total).toBe(2);
    expect(audited.items[0]).toMatchObject({ actorKind: 'user', actorRole: 'township_staff', details: expect.objectContaining({ action: 'test.export' }) });
    expect((await api(await t.tokenFor('villager'), '/api/audit/export')).statusCode).toBe(403);
  });
});

describe('permission denials', () => {
  it('records a signed-in person’s 403 once per route and minute, with the missing permission; not 404s', async () => {
    clock.advance(61_000); // a minute of its own (earlier tests were refused too)
    const villager = await t.tokenFor('villager');
    const denials = async () => (await api(await t.tokenFor('admin'), '/api/audit-events?action=access.denied&pageSize=100')).json();
    const before = (await denials()).total;
    for (let i = 0; i < 3; i++) expect((await api(villager, `/api/audit-events?page=${i + 1}`)).statusCode).toBe(403);
    expect((await api(villager, '/api/audit/export')).statusCode).toBe(403);
    let now = await denials();
    expect(now.total).toBe(before + 2);
    expect(now.items.find((e: { targetId: string }) => e.targetId === 'GET /api/audit-events')).toMatchObject({
      actorRole: 'villager',
      actorKind: 'user',
      details: { method: 'GET', route: '/api/audit-events', code: 'FORBIDDEN', permission: 'audit.read' },
    });
    // Another process's memory does not help: the database keeps the minute.
    clock.advance(61_000);
    expect((await api(villager, '/api/audit-events')).statusCode).toBe(403);
    now = await denials();
    expect(now.total).toBe(before + 3);
    // Nobody signed in: a 401, not recorded; a record outside one's region: 404, not a denial.
    expect((await t.request({ method: 'GET', url: '/api/audit-events' })).statusCode).toBe(401);
    const cadre = await t.tokenFor('village_cadre');
    expect((await t.request({ method: 'GET', url: '/api/regions/130631203', token: cadre })).statusCode).toBe(404);
    expect((await denials()).total).toBe(before + 3);
  });
});

describe('retention', () => {
  it('refuses to start with less than 180 days', () => {
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: '90' })).toThrow(ConfigError);
    expect(loadConfig({}).auditRetentionDays).toBe(365);
  });

  it('the daily job removes entries past the retention and the chain still verifies from its anchor', async () => {
    await t.services.audit.scheduleRetention(t.services.jobs);
    const planned = await t.db.selectFrom('jobs').select('run_at').where('kind', '=', AUDIT_RETENTION_JOB).where('done_at', 'is', null).execute();
    expect(planned.map((j) => j.run_at.getTime())).toEqual([nextRetentionRun(clock.now()).getTime()]);
    const oldCount = Number((await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    // 200 days on: everything so far is older than 180 days but within the default 365: kept.
    clock.advance(200 * DAY);
    await t.db.transaction().execute((tx) => t.services.audit.purge(tx, clock.now()));
    expect((await chain()).length).toBe(oldCount);

    // 400 days on, with fresh entries: the old ones go when the job runs at 04:00 China time.
    clock.advance(200 * DAY);
    const actor = await someActor();
    for (let i = 0; i < 3; i++) await t.services.audit.record(t.db, actor, noRequest, { action: 'test.fresh', targetType: 'test', targetId: String(i), regionPath: TOWNSHIP });
    const fresh = await t.db.selectFrom('audit_events').select(['seq', 'prev_hash']).where('action', '=', 'test.fresh').orderBy('seq').execute();
    // First in line, so this one job runs (not the demo's other timers).
    await t.db.updateTable('jobs').set({ run_at: new Date(0) }).where('kind', '=', AUDIT_RETENTION_JOB).where('done_at', 'is', null).execute();
    expect(await t.services.jobs.runDue(1)).toBe(1);

    const cutoff = new Date(clock.now().getTime() - 365 * DAY);
    const kept = await t.db.selectFrom('audit_events').select(['seq', 'at', 'action']).orderBy('seq').execute();
    expect(kept.filter((e) => e.at < cutoff)).toEqual([]);
    expect(kept.filter((e) => e.action === 'test.fresh')).toHaveLength(3);
    const anchor = await t.db.selectFrom('audit_chain_anchor').selectAll().executeTakeFirstOrThrow();
    expect(Number(anchor.seq)).toBe(Number(kept[0]!.seq) - 1);
    expect(Number(anchor.seq)).toBeGreaterThanOrEqual(oldCount);
    expect(kept[0]!.seq).toBe(fresh[0]!.seq);
    expect(anchor.hash).toBe(fresh[0]!.prev_hash);
    const verified = await t.services.audit.verifyChain();
    expect(verified).toMatchObject({ ok: true, checked: kept.length, anchor: { seq: Number(anchor.seq) } });
    // The next run is planned for the following day.
    const next = await t.db.selectFrom('jobs').select('run_at').where('kind', '=', AUDIT_RETENTION_JOB).where('done_at', 'is', null).execute();
    expect(next.map((j) => j.run_at.getTime())).toEqual([nextRetentionRun(clock.now()).getTime()]);
  });
});
