import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../../../test/support/images.js';
import { photosForm } from '../../../test/support/multipart.js';
import { createPerson, type Person } from '../../../test/support/people.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const TOWNSHIP = '130631202'; // 黑堡乡
const VILLAGE = '130631202206'; // 西阳邱村
const NEIGHBOUR = '130631202207'; // 东阳邱村

let t: TestApp;
let cadre: string;
let secretary: string;
let staff: string;
let villager: string;
let gridWorker: string;
let neighbourVillager: Person;
let secondVillager: Person;

beforeAll(async () => {
  t = await createTestApp();
  [cadre, secretary, staff, villager, gridWorker] = await Promise.all([t.tokenFor('village_cadre'), t.tokenFor('branch_secretary'), t.tokenFor('township_staff'), t.tokenFor('villager'), t.tokenFor('grid_worker')]);
  neighbourVillager = await createPerson(t, { phone: '13966660001', name: '东阳邱村民', role: 'villager', regionCode: NEIGHBOUR });
  secondVillager = await createPerson(t, { phone: '13966660002', name: '西阳邱村民乙', role: 'villager', regionCode: `${VILLAGE}01` });
});
afterAll(async () => t.close());

const api = (token: string | undefined, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => t.request({ method, url, ...(token ? { token } : {}), ...(payload ? { payload } : {}) });

const notice = (extra: object = {}) => ({ id: randomUUID(), kind: 'notice', title: '关于召开村民代表大会的通知', body: '定于本周六上午九点在村委会召开村民代表大会，请各位代表准时参加。', ...extra });

async function publish(token: string, extra: object = {}) {
  const res = await api(token, 'POST', '/api/notices', notice(extra));
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe('publishing scope', () => {
  it('a cadre publishes to their own village only: never to a neighbouring village or the township', async () => {
    const own = await publish(cadre);
    expect(own).toMatchObject({ region: { code: VILLAGE, name: '西阳邱村', level: 'village' }, state: 'published', readCount: 0, canEdit: true });
    expect(own.publishedAt).not.toBeNull();
    for (const regionCode of [NEIGHBOUR, TOWNSHIP]) {
      const res = await api(cadre, 'POST', '/api/notices', notice({ regionCode }));
      expect([regionCode, res.statusCode, res.json().code]).toEqual([regionCode, 404, 'REGION_NOT_FOUND']);
    }
    // So does the branch secretary; grid workers and villagers publish nothing.
    expect((await api(secretary, 'POST', '/api/notices', notice())).statusCode).toBe(201);
    expect((await api(gridWorker, 'POST', '/api/notices', notice())).statusCode).toBe(403);
    expect((await api(villager, 'POST', '/api/notices', notice())).statusCode).toBe(403);
  });

  it('township staff publish to the township or any of its villages, never to a grid', async () => {
    expect((await publish(staff, { regionCode: TOWNSHIP })).region).toMatchObject({ code: TOWNSHIP, level: 'township' });
    expect((await publish(staff, { regionCode: NEIGHBOUR })).region.code).toBe(NEIGHBOUR);
    const grid = await api(staff, 'POST', '/api/notices', notice({ regionCode: `${VILLAGE}01` }));
    expect(grid.statusCode).toBe(400);
  });

  it('a village’s notice reaches its own people and the township above, not the neighbouring village', async () => {
    const own = await publish(cadre, { title: '西阳邱村专属通知' });
    const township = await publish(staff, { regionCode: TOWNSHIP, title: '全乡通知' });
    const titles = async (token: string) => ((await api(token, 'GET', '/api/notices?pageSize=100')).json().items as { title: string }[]).map((n) => n.title);
    expect(await titles(villager)).toEqual(expect.arrayContaining(['西阳邱村专属通知', '全乡通知']));
    expect(await titles(gridWorker)).toEqual(expect.arrayContaining(['西阳邱村专属通知', '全乡通知']));
    expect(await titles(neighbourVillager.token)).toContain('全乡通知');
    expect(await titles(neighbourVillager.token)).not.toContain('西阳邱村专属通知');
    expect((await api(neighbourVillager.token, 'GET', `/api/notices/${own.id}`)).statusCode).toBe(404);
    expect((await api(neighbourVillager.token, 'GET', `/api/notices/${township.id}`)).statusCode).toBe(200);
    expect(await titles(staff)).toEqual(expect.arrayContaining(['西阳邱村专属通知', '全乡通知']));
  });

  it('keeps drafts and withdrawn notices from readers; a retry with the same id is the same notice', async () => {
    const body = notice({ publish: false, title: '草稿：秋收安排' });
    const draft = await api(cadre, 'POST', '/api/notices', body);
    expect(draft.json()).toMatchObject({ state: 'draft', publishedAt: null });
    expect((await api(cadre, 'POST', '/api/notices', body)).statusCode).toBe(200);
    expect((await api(secretary, 'POST', '/api/notices', body)).json().code).toBe('NOTICE_ID_CONFLICT');
    expect((await api(villager, 'GET', `/api/notices/${body.id}`)).statusCode).toBe(404);
    expect((await api(villager, 'GET', '/api/notices?state=draft')).statusCode).toBe(403);
    expect((await api(cadre, 'GET', '/api/notices?state=draft')).json().items.map((n: { id: string }) => n.id)).toContain(body.id);

    expect((await api(cadre, 'POST', `/api/notices/${body.id}/publish`)).json().state).toBe('published');
    expect((await api(villager, 'GET', `/api/notices/${body.id}`)).statusCode).toBe(200);
    const withdrawn = await api(cadre, 'POST', `/api/notices/${body.id}/withdraw`, { reason: '时间有变' });
    expect(withdrawn.json()).toMatchObject({ state: 'withdrawn', withdrawReason: '时间有变' });
    expect((await api(villager, 'GET', `/api/notices/${body.id}`)).statusCode).toBe(404);
    expect((await api(cadre, 'PATCH', `/api/notices/${body.id}`, { title: '改' })).json().code).toBe('NOTICE_STATE_CONFLICT');
    const audit = (await api(staff, 'GET', `/api/audit-events?targetId=${body.id}`)).json();
    expect(audit.items.map((e: { action: string }) => e.action).sort()).toEqual(['notice.draft', 'notice.publish', 'notice.withdraw']);
  });
});

describe('read counts', () => {
  it('counts each person of the audience once, when they first open it', async () => {
    const n = await publish(cadre, { title: '阅读统计测试' });
    const open = async (token: string) => (await api(token, 'GET', `/api/notices/${n.id}`)).json();
    expect(await open(villager)).toMatchObject({ readCount: 1, read: true });
    expect((await open(villager)).readCount).toBe(1);
    expect((await open(secondVillager.token)).readCount).toBe(2);
    // Township staff above the village are not its audience: reading it is not a villager's read.
    expect((await open(staff)).readCount).toBe(2);
    const listed = (await api(villager, 'GET', '/api/notices?q=阅读统计')).json().items;
    expect(listed).toEqual([expect.objectContaining({ id: n.id, readCount: 2, read: true })]);
    expect((await api(gridWorker, 'GET', '/api/notices?q=阅读统计')).json().items[0].read).toBe(false);
    // Publishers see whom it reaches (the active accounts of the village); the author's own openings are no reads.
    const forCadre = await open(cadre);
    expect(forCadre.audience).toBeGreaterThanOrEqual(5);
    expect(forCadre).toMatchObject({ readCount: 2, read: false });
    expect((await open(secretary)).readCount).toBe(3);
    expect((await open(villager)).audience).toBeNull();
  });

  it('counts concurrent first openings once each', async () => {
    const n = await publish(cadre, { title: '并发阅读' });
    await Promise.all(Array.from({ length: 5 }, () => api(villager, 'GET', `/api/notices/${n.id}`)));
    expect((await api(cadre, 'GET', `/api/notices?q=并发阅读`)).json().items[0].readCount).toBe(1);
  });
});

describe('disclosures with files, search, the public archive', () => {
  it('attaches photos and documents; files are fetched by signed URL only', async () => {
    const jpeg = await makeJpeg({ width: 800, height: 600 });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const up = await t.request({
      method: 'POST',
      url: '/api/village-files',
      token: cadre,
      ...photosForm([{ name: '公开栏.jpg', data: jpeg }, { name: '三季度收支明细.pdf', data: pdf, type: 'application/pdf' }], 'files'),
    });
    expect(up.statusCode, up.body).toBe(201);
    const files = up.json().items;
    expect(files.map((f: { kind: string; filename: string }) => [f.kind, f.filename])).toEqual([['image', '公开栏.jpg'], ['document', '三季度收支明细.pdf']]);
    const n = await publish(cadre, { kind: 'affairs', affairsCategory: 'finance', title: '三季度财务公开', fileIds: files.map((f: { id: string }) => f.id) });
    expect(n.files.map((f: { filename: string }) => f.filename)).toEqual(['公开栏.jpg', '三季度收支明细.pdf']);
    expect(n.fileCount).toBe(2);
    const read = await t.request({ method: 'GET', url: n.files[1].url });
    expect(read.statusCode).toBe(200);
    expect(read.headers['content-type']).toBe('application/pdf');
    expect(read.headers['content-disposition']).toContain("filename*=UTF-8''");
    expect((await t.request({ method: 'GET', url: n.files[0].thumbUrl })).headers['content-type']).toBe('image/jpeg');
    expect((await t.request({ method: 'GET', url: `/api/village-files/${files[0].id}` })).statusCode).toBe(403);
    // Someone else's files, or files already used, cannot be attached.
    const stolen = await api(secretary, 'POST', '/api/notices', notice({ fileIds: [files[0].id] }));
    expect(stolen.json().code).toBe('FILES_NOT_ATTACHABLE');
    // A file that is neither image nor PDF/Word/Excel is refused.
    const exe = await t.request({ method: 'POST', url: '/api/village-files', token: cadre, ...photosForm([{ name: 'a.exe', data: Buffer.from('MZ\x90\x00 not really'), type: 'application/octet-stream' }], 'files') });
    expect(exe.json().code).toBe('UNSUPPORTED_FILE');
    // Affairs need a category; other kinds none.
    expect((await api(cadre, 'POST', '/api/notices', notice({ kind: 'affairs' }))).statusCode).toBe(400);
    expect((await api(villager, 'POST', '/api/village-files')).statusCode).toBe(403);
  });

  it('searches by words and kind, and serves a village’s archive without login', async () => {
    await publish(cadre, { kind: 'news', title: '村里新修了文化广场', body: '文化广场已经完工，欢迎大家晚上来跳广场舞。' });
    const found = (await api(villager, 'GET', `/api/notices?q=${encodeURIComponent('广场舞')}`)).json();
    expect(found.items.map((n: { title: string }) => n.title)).toEqual(['村里新修了文化广场']);
    expect((await api(villager, 'GET', '/api/notices?kind=news&pageSize=100')).json().items.every((n: { kind: string }) => n.kind === 'news')).toBe(true);

    const archive = await api(undefined, 'GET', `/api/public/notices?village=${VILLAGE}&pageSize=100`);
    expect(archive.statusCode).toBe(200);
    const body = archive.json();
    expect(body.village).toEqual({ code: VILLAGE, name: '西阳邱村', townshipName: '黑堡乡' });
    const titles = body.items.map((n: { title: string }) => n.title);
    expect(titles).toEqual(expect.arrayContaining(['西阳邱村2026年第三季度财务收支公开', '关于缴纳2027年度城乡居民医疗保险费的通知', '村里新修了文化广场']));
    expect(titles).not.toContain('草稿：秋收安排');
    expect(body.items[0]).not.toHaveProperty('read');
    const affairs = (await api(undefined, 'GET', `/api/public/notices?village=${VILLAGE}&kind=affairs&affairsCategory=finance&q=${encodeURIComponent('财务')}`)).json();
    expect(affairs.items.every((n: { kind: string; affairsCategory: string }) => n.kind === 'affairs' && n.affairsCategory === 'finance')).toBe(true);
    expect(affairs.total).toBeGreaterThan(0);
    const year = new Date().getFullYear();
    expect((await api(undefined, 'GET', `/api/public/notices?village=${VILLAGE}&year=${year - 5}`)).json().total).toBe(0);
    const neighbour = (await api(undefined, 'GET', `/api/public/notices?village=${NEIGHBOUR}&pageSize=100`)).json();
    expect(neighbour.items.map((n: { title: string }) => n.title)).not.toContain('村里新修了文化广场');
    expect((await api(undefined, 'GET', `/api/public/notices?village=${TOWNSHIP}`)).statusCode).toBe(404);
    const one = await api(undefined, 'GET', `/api/public/notices/${body.items[0].id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toHaveProperty('body');
  });
});

describe('send as broadcast', () => {
  it('publishes and speaks a notice on the village’s loudspeakers in one action, once', async () => {
    const n = await publish(cadre, { title: '停水通知', body: '明天上午八点到十二点检修管道，全村停水，请提前储水。', broadcast: true });
    expect(n.broadcastId).toMatch(/^[0-9a-f-]{36}$/);
    const broadcast = (await api(cadre, 'GET', `/api/broadcasts/${n.broadcastId}`)).json();
    expect(broadcast).toMatchObject({ title: '通知：停水通知', target: { type: 'villages', codes: [VILLAGE] }, kind: 'routine' });
    expect(broadcast.text).toBe('停水通知。明天上午八点到十二点检修管道，全村停水，请提前储水。');
    expect(broadcast.coverage.speakers).toBe(2); // the demo village's two speakers
    // Again: the same broadcast, nothing new.
    expect((await api(cadre, 'POST', `/api/notices/${n.id}/broadcast`, {})).json().broadcastId).toBe(n.broadcastId);
    const audit = (await api(staff, 'GET', `/api/audit-events?targetId=${n.id}`)).json();
    expect(audit.items.map((e: { action: string }) => e.action).sort()).toEqual(['notice.broadcast', 'notice.publish']);
  });

  it('speaks a township notice to the whole township; a draft cannot be broadcast', async () => {
    const n = await publish(staff, { regionCode: TOWNSHIP, title: '防火提醒', body: '秋冬季节天干物燥，严禁焚烧秸秆。' });
    const done = (await api(staff, 'POST', `/api/notices/${n.id}/broadcast`, { repeat: 2 })).json();
    const broadcast = (await api(staff, 'GET', `/api/broadcasts/${done.broadcastId}`)).json();
    expect(broadcast).toMatchObject({ target: { type: 'township', codes: [TOWNSHIP] }, repeat: 2 });
    expect(broadcast.coverage.speakers).toBe(32);
    const draft = await publish(cadre, { publish: false });
    expect((await api(cadre, 'POST', `/api/notices/${draft.id}/broadcast`, {})).json().code).toBe('NOTICE_STATE_CONFLICT');
    // A cadre cannot broadcast the township's notice.
    expect((await api(cadre, 'POST', `/api/notices/${n.id}/broadcast`, {})).statusCode).toBe(403);
  });
});
