import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

describe('platform HTTP basics', () => {
  it('reports health with the database up', async () => {
    const res = await t.request({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', db: 'ok' });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('serves the OpenAPI document and the browsable reference', async () => {
    const spec = await t.request({ method: 'GET', url: '/api/openapi.json' });
    expect(spec.statusCode).toBe(200);
    const doc = spec.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/regions', '/api/users', '/api/health']));
    const docs = await t.request({ method: 'GET', url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await t.request({ method: 'GET', url: '/api/nothing-here', headers: { 'x-request-id': 'req-abc' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', message: '接口不存在', messageEn: 'No such endpoint', requestId: 'req-abc' });
  });

  it('lists every bad field of a request, in Chinese and English', async () => {
    const res = await t.request({ method: 'POST', url: '/api/auth/login', payload: { phone: '12', extra: 1 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    const fields = body.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['body', 'body.password', 'body.phone']);
    for (const d of body.details) {
      expect(d.message).toMatch(/[\u4e00-\u9fff]/);
      expect(d.messageEn).toMatch(/[a-z]/);
    }
  });

  it('rejects malformed JSON, wrong content types and huge bodies without a 5xx', async () => {
    const bad = await t.request({ method: 'POST', url: '/api/auth/login', payload: '{"phone":', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('MALFORMED_REQUEST');
    const wrongType = await t.request({ method: 'POST', url: '/api/auth/login', payload: 'phone=1', headers: { 'content-type': 'text/csv' } });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await t.request({
      method: 'POST',
      url: '/api/auth/login',
      payload: JSON.stringify({ phone: '13800000001', password: 'x'.repeat(2 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('never leaks a stack trace', async () => {
    const res = await t.request({ method: 'GET', url: '/api/regions/%E0%A4%A' });
    expect(res.statusCode).toBeLessThan(500);
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
  });
});
