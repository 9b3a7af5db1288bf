import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';
import { AppError } from '../../platform/http/errors.js';
import { ReadAloudService } from './read-aloud.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const TEXT = '关于缴纳城乡居民医疗保险费的通知。缴费截止日期为十二月三十一日。';

describe('read aloud (适老化朗读)', () => {
  it('speaks a page’s text for any signed-in person and hands back a signed URL that plays', async () => {
    for (const role of ['villager', 'grid_worker', 'village_cadre'] as const) {
      const res = await t.request({ method: 'POST', url: '/api/read-aloud', token: await t.tokenFor(role), payload: { text: TEXT } });
      expect(res.statusCode, res.body).toBe(200);
      const { url, durationMs } = res.json();
      expect(url).toMatch(/^\/api\/audio\/[0-9a-f-]{36}\/file\?exp=\d+&sig=/);
      expect(durationMs).toBeGreaterThan(1000);
      const audio = await t.request({ method: 'GET', url });
      expect(audio.statusCode).toBe(200);
      expect(audio.headers['content-type']).toBe('audio/wav');
    }
    // The same text is spoken once: one clip, whoever asks.
    const clips = await t.db.selectFrom('audio_clips').select('id').where('text', '=', TEXT).execute();
    expect(clips).toHaveLength(1);
  });

  it('needs a login, and takes at most 500 characters', async () => {
    expect((await t.request({ method: 'POST', url: '/api/read-aloud', payload: { text: TEXT } })).statusCode).toBe(401);
    const villager = await t.tokenFor('villager');
    const long = await t.request({ method: 'POST', url: '/api/read-aloud', token: villager, payload: { text: '长'.repeat(501) } });
    expect(long.statusCode).toBe(400);
    expect((await t.request({ method: 'POST', url: '/api/read-aloud', token: villager, payload: { text: '   ' } })).statusCode).toBe(400);
    expect((await t.request({ method: 'POST', url: '/api/read-aloud', token: villager, payload: { text: '好', voice: 'en' } })).statusCode).toBe(400);
  });

  it('limits each person to 20 requests a minute', async () => {
    const token = await t.tokenFor('branch_secretary');
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await t.request({ method: 'POST', url: '/api/read-aloud', token, payload: { text: TEXT } })).statusCode);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    const refused = await t.request({ method: 'POST', url: '/api/read-aloud', token, payload: { text: TEXT } });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'READ_ALOUD_RATE_LIMITED' });
    expect(refused.json().retryAfterSeconds).toBeGreaterThan(0);
    // Others are not held up by one person's limit.
    expect((await t.request({ method: 'POST', url: '/api/read-aloud', token: await t.tokenFor('township_staff'), payload: { text: TEXT } })).statusCode).toBe(200);
  });

  it('opens the window again as time passes (sliding window)', async () => {
    const clock = new ManualClock(new Date('2026-11-27T02:00:00Z'));
    const service = new ReadAloudService({ audio: t.services.audio, clock, limits: { perWindow: 2, windowMs: 60_000 } });
    const actor = (await t.services.accounts.authenticate(await t.tokenFor('villager')))!.actor;
    await service.speak(actor, { text: TEXT });
    clock.advance(30_000);
    await service.speak(actor, { text: TEXT });
    await expect(service.speak(actor, { text: TEXT })).rejects.toBeInstanceOf(AppError);
    clock.advance(30_001);
    await expect(service.speak(actor, { text: TEXT })).resolves.toMatchObject({ url: expect.any(String) });
  });
});
