import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const TOWNSHIP = '130631202';
const VILLAGE = '130631202206'; // 西阳邱村
const NEIGHBOUR = '130631202207'; // 东阳邱村

let t: TestApp;
let cadre: string;
let secretary: string;
let staff: string;
let villager: string;
let gridWorker: string;
let neighbourCadre: Person;
let neighbourVillager: Person;

beforeAll(async () => {
  t = await createTestApp();
  [cadre, secretary, staff, villager, gridWorker] = await Promise.all([t.tokenFor('village_cadre'), t.tokenFor('branch_secretary'), t.tokenFor('township_staff'), t.tokenFor('villager'), t.tokenFor('grid_worker')]);
  neighbourCadre = await createPerson(t, { phone: '13955550001', name: '东阳邱村干部', role: 'village_cadre', regionCode: NEIGHBOUR });
  neighbourVillager = await createPerson(t, { phone: '13955550002', name: '东阳邱村民', role: 'villager', regionCode: NEIGHBOUR });
});
afterAll(async () => t.close());

const api = (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => t.request({ method, url, token, ...(payload ? { payload } : {}) });

interface Guide {
  id: string;
  code: string;
  name: string;
  region: { code: string };
  materials: string[];
  allowProxy: boolean;
  office: string;
}
const guides = async (token: string, query = '') => (await api(token, 'GET', `/api/service-guides${query}`)).json().items as Guide[];
const guideByCode = async (code: string, token = villager) => (await guides(token)).find((g) => g.code === code)!;

describe('the service catalogue (办证办事)', () => {
  it('offers the township’s guides to its villagers, searchable', async () => {
    const all = await guides(villager);
    expect(all.map((g) => g.name)).toEqual(['户口迁移', '城乡居民医保缴费（新农合）', '低保申请', '宅基地审批', '残疾人证办理', '高龄津贴申领']);
    const dibao = all.find((g) => g.code === 'dibao')!;
    expect(dibao).toMatchObject({ region: { code: TOWNSHIP }, allowProxy: true, canEdit: false });
    expect(dibao.materials.length).toBeGreaterThan(2);
    expect((await guides(villager, `?q=${encodeURIComponent('低保')}`)).map((g) => g.code)).toEqual(['dibao']);
    expect((await guides(villager, `?q=${encodeURIComponent('新农合')}`)).map((g) => g.code)).toEqual(['medical_insurance']);
    expect((await guides(villager, '?category=land')).map((g) => g.code)).toEqual(['homestead']);
    expect((await guides(neighbourVillager.token)).length).toBe(6);
  });

  it('lets a village replace a township guide with its own, seen only in that village', async () => {
    const created = await api(cadre, 'POST', '/api/service-guides', {
      code: 'dibao',
      name: '低保申请',
      category: 'civil_affairs',
      summary: '西阳邱村：先找村民政协理员王会计初审。',
      conditions: '同乡里规定。',
      materials: ['户口簿', '身份证', '收入情况说明'],
      office: '西阳邱村委会一楼',
      hours: '周一至周五上午',
      fees: '免费',
      timeLimit: '村里初审 3 天内报乡',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ region: { code: VILLAGE }, canEdit: true });
    expect((await guideByCode('dibao')).office).toBe('西阳邱村委会一楼');
    expect((await guides(villager)).filter((g) => g.code === 'dibao')).toHaveLength(1);
    expect((await guideByCode('dibao', neighbourVillager.token)).region.code).toBe(TOWNSHIP);
    // The same code twice in one village is refused; a cadre cannot change the township's guide.
    expect((await api(cadre, 'POST', '/api/service-guides', { ...created.json(), id: undefined, region: undefined, canEdit: undefined, updatedAt: undefined })).json().code).toBe('SERVICE_GUIDE_EXISTS');
    const township = (await guides(neighbourVillager.token)).find((g) => g.code === 'homestead')!;
    expect((await api(cadre, 'PATCH', `/api/service-guides/${township.id}`, { fees: '收费' })).statusCode).toBe(403);
    expect((await api(staff, 'PATCH', `/api/service-guides/${township.id}`, { fees: '免费（不收任何费用）' })).json().fees).toBe('免费（不收任何费用）');
    expect((await api(villager, 'POST', '/api/service-guides', {})).statusCode).toBe(400);
    expect((await api(neighbourCadre.token, 'PATCH', `/api/service-guides/${created.json().id}`, { fees: 'x' })).statusCode).toBe(404);
    // Switching the village's own guide off hides the matter there (the township's does not come back).
    await api(cadre, 'PATCH', `/api/service-guides/${created.json().id}`, { active: false });
    expect((await guides(villager)).map((g) => g.code)).not.toContain('dibao');
    await api(cadre, 'PATCH', `/api/service-guides/${created.json().id}`, { active: true });
    expect((await api(cadre, 'GET', '/api/service-guides?all=true')).json().items.length).toBe(7);
    expect((await api(villager, 'GET', '/api/service-guides?all=true')).statusCode).toBe(403);
  });
});

describe('a 预约/代办 request’s life', () => {
  it('goes submitted → accepted → awaiting materials → accepted → completed, each step in the history, both sides told', async () => {
    const dibao = await guideByCode('dibao');
    const body = { id: randomUUID(), guideId: dibao.id, kind: 'proxy', note: '家里老伴生病，收入少，想申请低保。', preferredDate: '2099-01-05' };
    const submitted = await api(villager, 'POST', '/api/service-requests', body);
    expect(submitted.statusCode, submitted.body).toBe(201);
    const request = submitted.json();
    expect(request).toMatchObject({ state: 'submitted', kind: 'proxy', guide: { name: '低保申请' }, region: { code: VILLAGE }, contactPhone: '13800000005', actions: ['cancel'] });
    expect(request.number).toMatch(/^BS\d{8}-\d{4}$/);
    // A retry is the same request.
    expect((await api(villager, 'POST', '/api/service-requests', body)).statusCode).toBe(200);

    // The village's cadres are told, and find it at the top of their queue.
    const told = (await api(cadre, 'GET', '/api/notifications')).json().items;
    expect(told[0]).toMatchObject({ kind: 'service_request.submitted', title: '新的办事代办：低保申请' });
    const queue = (await api(cadre, 'GET', '/api/service-requests?open=true')).json();
    expect(queue.items[0]).toMatchObject({ id: body.id, requester: { name: '西阳邱村民' } });
    const detail = (await api(cadre, 'GET', `/api/service-requests/${body.id}`)).json();
    expect(detail.actions).toEqual(['accept', 'reject']);

    const accepted = await api(cadre, 'POST', `/api/service-requests/${body.id}/accept`, { appointmentAt: '2099-01-06T09:00:00+08:00' });
    expect(accepted.json()).toMatchObject({ state: 'accepted', handlerName: '西阳邱村干部', appointmentAt: '2099-01-06T01:00:00.000Z' });
    expect((await api(cadre, 'POST', `/api/service-requests/${body.id}/request-materials`, {})).statusCode).toBe(400);
    const waiting = await api(cadre, 'POST', `/api/service-requests/${body.id}/request-materials`, { note: '请补充老伴的诊断证明。' });
    expect(waiting.json()).toMatchObject({ state: 'awaiting_materials', result: '请补充老伴的诊断证明。' });
    // The villager sees what is missing, and supplies it.
    const mine = (await api(villager, 'GET', '/api/service-requests')).json().items.find((r: { id: string }) => r.id === body.id);
    expect(mine).toMatchObject({ state: 'awaiting_materials', result: '请补充老伴的诊断证明。' });
    expect((await api(villager, 'GET', '/api/notifications')).json().items[0]).toMatchObject({ kind: 'service_request.request_materials' });
    expect((await api(villager, 'GET', `/api/service-requests/${body.id}`)).json().actions).toEqual(['supplement', 'cancel']);
    expect((await api(villager, 'POST', `/api/service-requests/${body.id}/supplement`, { note: '诊断证明已交到村委会。' })).json().state).toBe('accepted');
    const completed = await api(cadre, 'POST', `/api/service-requests/${body.id}/complete`, { note: '材料已报乡民政办。' });
    expect(completed.json()).toMatchObject({ state: 'completed', result: '材料已报乡民政办。', actions: [] });
    expect(completed.json().closedAt).not.toBeNull();
    // Completing again (a retry) changes nothing; cancelling a finished request is refused.
    expect((await api(cadre, 'POST', `/api/service-requests/${body.id}/complete`, {})).statusCode).toBe(200);
    expect((await api(villager, 'POST', `/api/service-requests/${body.id}/cancel`, {})).json().code).toBe('SERVICE_REQUEST_TRANSITION_NOT_ALLOWED');

    const history = (await api(villager, 'GET', `/api/service-requests/${body.id}`)).json().history;
    expect(history.map((e: { action: string; toState: string }) => `${e.action}→${e.toState}`)).toEqual([
      'submit→submitted',
      'accept→accepted',
      'request_materials→awaiting_materials',
      'supplement→accepted',
      'complete→completed',
    ]);
    expect(history[1]).toMatchObject({ actorName: '西阳邱村干部', actorRole: '村干部', fromState: 'submitted' });
    const audit = (await api(staff, 'GET', `/api/audit-events?targetId=${body.id}`)).json();
    expect(audit.items.map((e: { action: string }) => e.action).sort()).toEqual([
      'service_request.accept',
      'service_request.complete',
      'service_request.request_materials',
      'service_request.submit',
      'service_request.supplement',
    ]);
  });

  it('lets each side take only its own steps, and nobody outside the village see it', async () => {
    const medical = await guideByCode('medical_insurance');
    const id = randomUUID();
    expect((await api(villager, 'POST', '/api/service-requests', { id, guideId: medical.id, kind: 'appointment' })).statusCode).toBe(201);
    expect((await api(villager, 'POST', `/api/service-requests/${id}/accept`, {})).statusCode).toBe(403);
    expect((await api(cadre, 'POST', `/api/service-requests/${id}/cancel`, {})).statusCode).toBe(403);
    expect((await api(cadre, 'POST', `/api/service-requests/${id}/complete`, {})).json().code).toBe('SERVICE_REQUEST_TRANSITION_NOT_ALLOWED');
    expect((await api(cadre, 'POST', `/api/service-requests/${id}/reject`, {})).statusCode).toBe(400);
    for (const outsider of [neighbourCadre.token, neighbourVillager.token, gridWorker]) {
      expect((await api(outsider, 'GET', `/api/service-requests/${id}`)).statusCode).toBe(404);
    }
    expect((await api(staff, 'GET', `/api/service-requests/${id}`)).json().actions).toEqual(['accept', 'reject']);
    expect((await api(neighbourCadre.token, 'GET', '/api/service-requests')).json().items.map((r: { id: string }) => r.id)).not.toContain(id);
    expect((await api(villager, 'POST', `/api/service-requests/${id}/cancel`, {})).json()).toMatchObject({ state: 'cancelled', actions: [] });
    // The secretary (who did not handle it) is told of the cancellation.
    expect((await api(secretary, 'GET', '/api/notifications')).json().items[0]).toMatchObject({ kind: 'service_request.cancel' });
  });

  it('refuses ways a matter is not offered, past dates, and requests from those who handle them', async () => {
    const hukou = await guideByCode('hukou_transfer');
    expect(hukou.allowProxy).toBe(false);
    expect((await api(villager, 'POST', '/api/service-requests', { id: randomUUID(), guideId: hukou.id, kind: 'proxy' })).json().code).toBe('SERVICE_KIND_NOT_OFFERED');
    expect((await api(villager, 'POST', '/api/service-requests', { id: randomUUID(), guideId: hukou.id, kind: 'appointment', preferredDate: '2001-01-01' })).statusCode).toBe(400);
    expect((await api(cadre, 'POST', '/api/service-requests', { id: randomUUID(), guideId: hukou.id, kind: 'appointment' })).statusCode).toBe(403);
    expect((await api(villager, 'POST', '/api/service-requests', { id: randomUUID(), guideId: randomUUID(), kind: 'appointment' })).json().code).toBe('SERVICE_GUIDE_NOT_FOUND');
    // A grid worker asks like a villager, for their own village.
    const own = await api(gridWorker, 'POST', '/api/service-requests', { id: randomUUID(), guideId: hukou.id, kind: 'appointment' });
    expect(own.json()).toMatchObject({ state: 'submitted', region: { code: VILLAGE } });
  });
});
