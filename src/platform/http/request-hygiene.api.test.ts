import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody } from '../../../test/support/multipart.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const VILLAGE = '130631202206'; // 西阳邱村

let t: TestApp;
let villager: string;
let staff: string;
let key: string;
let centre: { lon: number; lat: number };

beforeAll(async () => {
  t = await createTestApp();
  villager = await t.tokenFor('villager');
  staff = await t.tokenFor('township_staff');
  centre = (await t.request({ method: 'GET', url: '/api/regions/13063120220601', token: staff })).json().centre;
  const issued = await t.request({ method: 'POST', url: '/api/open311/keys', token: staff, payload: { name: '探测', regionCode: '130631202' } });
  expect(issued.statusCode).toBe(201);
  key = issued.json().key;
});
afterAll(async () => t.close());

/** The documented error body, with the fields it names. */
function expectRefused(res: { statusCode: number; json(): unknown; body: string }, fields: string[], code = 'VALIDATION_FAILED') {
  expect(res.statusCode, res.body).toBe(400);
  const body = res.json() as { code: string; message: string; messageEn: string; requestId: string; details: { field: string; message: string; messageEn: string }[] };
  expect(body).toMatchObject({ code, message: expect.any(String), messageEn: expect.any(String), requestId: expect.any(String) });
  expect(body.details.map((d) => d.field)).toEqual(fields);
  for (const detail of body.details) expect(detail.message && detail.messageEn).toBeTruthy();
  return body;
}

const countCases = async (id: string) =>
  Number((await t.db.selectFrom('cases').where('id', '=', id).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const casesWith = async (description: string) =>
  Number((await t.db.selectFrom('cases').where('description', 'like', `${description}%`).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

const report = (payload: Record<string, unknown> | Buffer, headers: Record<string, string> = {}) =>
  t.request({ method: 'POST', url: '/api/cases', token: villager, payload, headers: Buffer.isBuffer(payload) ? { 'content-type': 'application/json', ...headers } : headers });

describe('NUL and control characters (public endpoints)', () => {
  it('an Open311 service code in the path', async () => {
    const res = await t.request({ method: 'GET', url: '/open311/v2/services/a%00b.json' });
    expect(res.statusCode).toBe(400);
    expect(res.json()[0]).toMatchObject({ code: 400, description: expect.stringMatching(/^service_code: must not contain NUL/) });
  });

  it('an Open311 service code in the query and in a posted form: refused, nothing stored', async () => {
    const listed = await t.request({ method: 'GET', url: '/open311/v2/requests.json?service_code=a%00b' });
    expect(listed.statusCode).toBe(400);
    expect(listed.json()[0].description).toMatch(/^service_code: must not contain NUL/);

    const description = `NUL-probe-${randomUUID()}`;
    const form = new URLSearchParams({ api_key: key, service_code: 'infra\u0000structure', lat: String(centre.lat), long: String(centre.lon), description }).toString();
    const posted = await t.request({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form });
    expect(posted.statusCode).toBe(400);
    expect(posted.json()[0].description).toMatch(/service_code: must not contain NUL/);
    expect(await casesWith(description)).toBe(0);
  });

  it('the public notices’ search', async () => {
    const res = await t.request({ method: 'GET', url: `/api/public/notices?village=${VILLAGE}&q=a%00b` });
    expectRefused(res, ['querystring.q']);
    // The same search without the NUL is answered.
    expect((await t.request({ method: 'GET', url: `/api/public/notices?village=${VILLAGE}&q=ab` })).statusCode).toBe(200);
  });
});

describe('NUL and control characters (signed in)', () => {
  it('a case description: NUL and a bell are refused, tabs and new lines are text', async () => {
    const base = { categoryCode: 'village_appearance', location: centre };
    const nul = randomUUID();
    expectRefused(await report({ id: nul, ...base, description: '垃圾\u0000堆放' }), ['body.description']);
    expect(await countCases(nul)).toBe(0);
    const bell = randomUUID();
    expectRefused(await report({ id: bell, ...base, description: '垃圾\u0007堆放' }), ['body.description']);
    expect(await countCases(bell)).toBe(0);
    const lines = randomUUID();
    const ok = await report({ id: lines, ...base, description: '村口垃圾\t堆放\r\n多日无人清理' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(await countCases(lines)).toBe(1);
  });

  it('names every bad field, nested ones and keys included', async () => {
    const id = randomUUID();
    const res = await report({ id, categoryCode: 'village_appearance', location: centre, description: 'a\u0000', address: 'b\u001b', 'x\u0000y': 1 });
    const body = expectRefused(res, ['body.description', 'body.address', 'body.x\uFFFDy']);
    expect(body.details[2]!.messageEn).toBe('field name must not contain NUL characters');
    expect(await countCases(id)).toBe(0);
  });

  it('a lone surrogate (which would be stored as U+FFFD)', async () => {
    const id = randomUUID();
    expectRefused(await report({ id, categoryCode: 'village_appearance', location: centre, description: '垃圾\ud800' }), ['body.description']);
    expect(await countCases(id)).toBe(0);
  });

  it('a notice title', async () => {
    const id = randomUUID();
    const res = await t.request({ method: 'POST', url: '/api/notices', token: staff, payload: { id, kind: 'notice', title: '通知\u0000', body: '定于本周六上午九点召开村民代表大会。' } });
    expectRefused(res, ['body.title']);
    expect((await t.db.selectFrom('notices').where('id', '=', id).select('id').execute()).length).toBe(0);
  });

  it('a search q', async () => {
    expectRefused(await t.request({ method: 'GET', url: '/api/cases?q=%00', token: staff }), ['querystring.q']);
    expectRefused(await t.request({ method: 'GET', url: '/api/notices?q=a%0Ab', token: staff }), ['querystring.q']);
  });

  it('a multipart text field (the audio upload’s text)', async () => {
    const form = multipartBody([
      { field: 'text', data: '广播\u0000内容' },
      { field: 'audio', filename: 'a.wav', contentType: 'audio/wav', data: Buffer.from('RIFF') },
    ]);
    const before = Number((await t.db.selectFrom('audio_clips').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expectRefused(await t.request({ method: 'POST', url: '/api/audio', token: staff, ...form }), ['body.text']);
    const after = Number((await t.db.selectFrom('audio_clips').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect(after).toBe(before);
  });
});

describe('invalid UTF-8 and %-encoding', () => {
  const json = (prefix: string, bytes: number[], suffix: string) => Buffer.concat([Buffer.from(prefix), Buffer.from(bytes), Buffer.from(suffix)]);

  it('a JSON body with a byte that is not UTF-8, or a sequence cut short at its end: refused, not stored as U+FFFD', async () => {
    const id = randomUUID();
    const head = `{"id":"${id}","categoryCode":"village_appearance","location":${JSON.stringify(centre)},"description":"垃圾`;
    expectRefused(await report(json(head, [0xff], '"}')), ['body']);
    expectRefused(await report(json(head, [0xc3, 0x28], '"}')), ['body']);
    // Overlong encoding of "/" (a classic filter bypass).
    expectRefused(await report(json(head, [0xc0, 0xaf], '"}')), ['body']);
    expect(await countCases(id)).toBe(0);
    expectRefused(await report(json('{"a":"', [0x22, 0x7d, 0xe6, 0x9d], '')), ['body']);
    // Valid UTF-8 sent the same way is accepted.
    expect((await report(json(head, [0xe5, 0xa0, 0x86], '"}'))).statusCode).toBe(201);
    expect(await countCases(id)).toBe(1);
  });

  it('a form body (Open311) with invalid UTF-8', async () => {
    const description = `UTF8-probe-${randomUUID()}`;
    const payload = Buffer.concat([Buffer.from(`api_key=${key}&service_code=infrastructure&lat=${centre.lat}&long=${centre.lon}&description=${description}`), Buffer.from([0xff])]);
    const res = await t.request({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()[0].description).toMatch(/^body: is not valid UTF-8/);
    expect(await casesWith(description)).toBe(0);
  });

  it('a form body whose %-escapes are not UTF-8', async () => {
    const description = `UTF8-escaped-${randomUUID()}`;
    const res = await t.request({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `api_key=${key}&service_code=infrastructure&lat=${centre.lat}&long=${centre.lon}&description=${description}%FF`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()[0].description).toBe('description: has invalid %-encoding or is not UTF-8');
    expect(await casesWith(description)).toBe(0);
  });

  it('a query value or key with bad %-encoding or %-escaped bytes that are not UTF-8', async () => {
    expectRefused(await t.request({ method: 'GET', url: `/api/public/notices?village=${VILLAGE}&q=%FF` }), ['querystring.q']);
    expectRefused(await t.request({ method: 'GET', url: `/api/public/notices?village=${VILLAGE}&q=%zz` }), ['querystring.q']);
    expectRefused(await t.request({ method: 'GET', url: `/api/public/notices?village=${VILLAGE}&q=%E4%B8` }), ['querystring.q']);
    expectRefused(await t.request({ method: 'GET', url: `/api/public/notices?village=${VILLAGE}&%C0%AF=1` }), ['querystring.%C0%AF']);
    // Properly encoded Chinese is fine.
    expect((await t.request({ method: 'GET', url: `/api/public/notices?village=${VILLAGE}&q=${encodeURIComponent('财务')}` })).statusCode).toBe(200);
  });

  it('a path with bad %-encoding', async () => {
    for (const url of ['/api/cases/%FF', '/api/cases/%zz', '/open311/v2/services/%E4%B8.json']) {
      const res = await t.request({ method: 'GET', url, token: staff });
      expectRefused(res, ['path']);
      expect(res.headers['x-request-id']).toBe(res.json().requestId);
    }
  });

  it('a text body in another charset is refused (415), not read as UTF-8', async () => {
    const res = await report(Buffer.from('{}'), { 'content-type': 'application/json; charset=iso-8859-1' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', requestId: expect.any(String) });
    expect((await report(Buffer.from('{}'), { 'content-type': 'application/json; charset=UTF-8' })).statusCode).toBe(400);
  });
});

describe('error bodies of requests refused before any route', () => {
  it('a path parameter over the router’s limit and a URL over 8 KiB: 414 URI_TOO_LONG', async () => {
    for (const url of [`/api/cases/${'a'.repeat(200)}`, `/api/public/notices?village=${VILLAGE}&q=${'a'.repeat(9000)}`]) {
      const res = await t.request({ method: 'GET', url });
      expect(res.statusCode).toBe(414);
      expect(res.json()).toMatchObject({ code: 'URI_TOO_LONG', message: '请求地址过长', messageEn: 'The request URL is too long', requestId: expect.any(String) });
    }
  });

  it('an empty JSON body, broken JSON, an unknown content type, an unknown method', async () => {
    const empty = await t.request({ method: 'POST', url: '/api/cases', token: villager, headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ code: 'MALFORMED_REQUEST', requestId: expect.any(String) });
    const broken = await report(Buffer.from('{"id":'));
    expect(broken.json()).toMatchObject({ code: 'MALFORMED_REQUEST', requestId: expect.any(String) });
    const xml = await t.request({ method: 'POST', url: '/api/cases', token: villager, headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', requestId: expect.any(String) });
    const propfind = await t.request({ method: 'PROPFIND' as 'GET', url: '/api/cases', token: villager });
    expect(propfind.statusCode).toBe(404);
    expect(propfind.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', requestId: expect.any(String) });
  });
});
