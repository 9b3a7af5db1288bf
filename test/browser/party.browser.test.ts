import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_BRANCH_ID } from '../../src/modules/party/party.demo.js';
import { calling, clickMenu, ensureWebBuilt, launchBrowser, logInConsole, responseTo, submitLogin, type TestBrowser } from '../support/browser.js';
import { sampleFile } from '../support/samples.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * 智慧党建 in real browsers against the real app (its own database with the demo): the secretary of
 * 西阳邱村党支部 schedules this month's 主题党日 in the console; 张志强, a member working in Beijing,
 * signs in remotely from the phone; 王建国 signs in by opening the on-site QR code's link; the
 * secretary records the minutes with a photo, and the branch's completion shows the month's 主题党日
 * as done. Every step is checked in the page and through the API, and leaves a screenshot in
 * docs/screenshots/party-*.png.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const screenshots = path.join(root, 'docs', 'screenshots');
const SECRETARY = { phone: '13800000003', name: '西阳邱支部书记' };
const AWAY = { phone: '13800000103', name: '张志强' }; // 流动党员, 北京市朝阳区
const AT_HOME = { phone: '13800000102', name: '李秀兰' };
const ON_LEAVE = { phone: '13800000104', name: '刘红梅' };
const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false };
const GUIDE = {
  title: '党的二十届四中全会精神学习辅导',
  file: '学习辅导材料.pdf',
  pdf: Buffer.from('%PDF-1.4\n% 党的二十届四中全会精神学习辅导\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
};
const MINUTES = '全体党员重温入党誓词，集中学习了党的二十届四中全会精神。张志强同志在北京通过手机远程参加。会后分组清理村内河道。';

interface Completion {
  organisations: { organisation: { id: string }; items: { typeCode: string; status: string; held: number; required: number }[] }[];
}
interface Meeting {
  id: string;
  status: string;
  enteredLate: boolean;
  attendance: { memberId: string; name: string; status: string; method: string | null; leaveDecision: string | null; leaveDecidedByName: string | null }[];
  photos: unknown[];
}

let t: TestApp;
let browser: TestBrowser;
let base: string;
const tokens: Record<string, string> = {};
let consolePage: { context: BrowserContext; page: Page } | undefined;
/** The meeting the secretary plans in step 1. */
let meetingId: string | undefined;

/** This minute in China time, as the console's date and time inputs take it: five minutes ago, never before midnight. */
function plannedSlot(): { date: string; start: string; end: string } {
  const china = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString();
  const now = new Date();
  const midnight = new Date(`${china(now).slice(0, 10)}T00:00:00+08:00`);
  const start = new Date(Math.max(now.getTime() - 5 * 60_000, midnight.getTime()));
  const end = new Date(start.getTime() + 2 * 3_600_000);
  return { date: china(start).slice(0, 10), start: china(start).slice(11, 16), end: china(end).slice(11, 16) };
}
const thisMonth = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);

beforeAll(async () => {
  ensureWebBuilt();
  sampleFile('leuvenA.jpg');
  mkdirSync(screenshots, { recursive: true });
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  for (const a of [SECRETARY, AWAY, AT_HOME, ON_LEAVE]) tokens[a.phone] = await t.login(a.phone);
  browser = await launchBrowser();
}, 180_000);

afterEach(() => {
  browser?.assertNoPageErrors();
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

// ---- helpers -------------------------------------------------------------------------------------

async function api<T>(method: 'GET' | 'POST', url: string, phone: string, payload?: object): Promise<T> {
  const res = await t.request({ method, url, token: tokens[phone], ...(payload ? { payload } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json() as T;
}

const themeDay = async () => {
  const view = await api<Completion>('GET', `/api/party/completion?month=${thisMonth()}&organisationId=${DEMO_BRANCH_ID}`, SECRETARY.phone);
  return view.organisations.find((o) => o.organisation.id === DEMO_BRANCH_ID)!.items.find((i) => i.typeCode === 'theme_day')!;
};

async function notice(page: Page, selector: '.van-toast' | '.el-message', text: string): Promise<void> {
  const shown = page.locator(selector).filter({ hasText: text });
  await shown.waitFor({ state: 'visible' });
  await shown.waitFor({ state: 'hidden' });
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0));
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  const screen = page.viewportSize()!;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  if (height > screen.height) await page.setViewportSize({ width: screen.width, height });
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), animations: 'disabled' });
  if (height > screen.height) await page.setViewportSize(screen);
}

function theMeeting(): string {
  if (!meetingId) throw new Error('step 1 (the secretary schedules the 主题党日) did not complete');
  return meetingId;
}

function secretaryPage(): Page {
  if (!consolePage) throw new Error('step 1 did not open the console');
  return consolePage.page;
}

// ---- the story -----------------------------------------------------------------------------------

describe('智慧党建: a 主题党日 planned in the console, signed into from afar, recorded, counted', () => {
  it('1. the secretary schedules this month’s 主题党日 in the console; the sign-in code is shown', { timeout: 120_000 }, async () => {
    expect(await themeDay()).toMatchObject({ status: 'due', held: 0, required: 1 });
    const context = await browser.newPhone(DESKTOP);
    const page = await context.newPage();
    consolePage = { context, page };
    await logInConsole(page, base, SECRETARY.phone);

    await clickMenu(page, 'party-meetings');
    await page.waitForURL(/\/console\/party\/meetings$/);
    // The demo branch held its meetings of the last three months; one 党小组会 was entered late.
    await page.getByTestId('party-meetings-table').getByText('补录').first().waitFor();
    await page.getByTestId('party-meeting-create').click();
    const dialog = page.getByTestId('party-meeting-dialog');
    await dialog.waitFor();
    await page.getByTestId('party-meeting-type').click();
    await page.getByTestId('party-type-theme_day').click();
    const slot = plannedSlot();
    await page.getByTestId('party-meeting-date').fill(slot.date);
    await page.getByTestId('party-meeting-start').fill(slot.start);
    await page.getByTestId('party-meeting-end').fill(slot.end);
    await page.getByTestId('party-meeting-place').fill('西阳邱村党群服务中心');
    await page.getByTestId('party-meeting-agenda').fill('一、重温入党誓词\n二、集中学习\n三、志愿服务：清理村内河道');
    await screenshot(page, 'party-1-console-plan');
    const created = await calling(page, 'POST', '/api/party/meetings', () => page.getByTestId('party-meeting-save').click());
    expect(created.status()).toBe(201);
    const meeting = (await created.json()) as Meeting & { title: string; expected: number };
    meetingId = meeting.id;
    expect(meeting).toMatchObject({ status: 'planned', enteredLate: false, expected: 7 });

    await page.waitForURL(`**/console/party/meetings/${meeting.id}`);
    await page.getByTestId('party-meeting-title').filter({ hasText: meeting.title }).waitFor();
    await page.getByTestId('party-meeting-status').filter({ hasText: '已安排' }).waitFor();
    await page.getByTestId('party-qr-image').waitFor();
    const table = page.getByTestId('party-attendance-table');
    await table.getByText(AWAY.name).waitFor();
    await screenshot(page, 'party-2-console-meeting');
  });

  it('1b. the secretary publishes a study guide, a PDF uploaded in the console, to the branch', { timeout: 120_000 }, async () => {
    const page = secretaryPage();
    await clickMenu(page, 'party-study');
    await page.waitForURL(/\/console\/party\/study$/);
    await page.getByTestId('party-material-create').click();
    const dialog = page.getByTestId('party-material-dialog');
    await dialog.waitFor();
    await page.getByTestId('party-material-title').fill(GUIDE.title);
    await page.getByTestId('party-material-kind-file').click();
    const uploaded = await calling(page, 'POST', '/api/village-files', () =>
      page.getByTestId('party-material-file').setInputFiles({ name: GUIDE.file, mimeType: 'application/pdf', buffer: GUIDE.pdf }),
    );
    expect(uploaded.status()).toBe(201);
    await dialog.getByTestId('party-material-item').filter({ hasText: GUIDE.file }).waitFor();
    await screenshot(page, 'party-1b-console-study-guide');
    const created = await calling(page, 'POST', '/api/party/study/materials', () => page.getByTestId('party-material-save').click());
    expect(created.status(), await created.text()).toBe(201);
    expect(await created.json()).toMatchObject({ title: GUIDE.title, kind: 'file', url: null, files: [{ filename: GUIDE.file, kind: 'document' }] });
    await notice(page, '.el-message', '已发布');
    await page.getByRole('tab', { name: '学习资料' }).click();
    await page.getByTestId('party-materials-table').getByTestId('party-material-file').filter({ hasText: GUIDE.file }).waitFor();
    await screenshot(page, 'party-1c-console-materials');
    // Back to the meeting, where step 4 records it.
    await page.goto(`${base}/console/party/meetings/${theMeeting()}`);
    await page.getByTestId('party-attendance-table').waitFor();
  });

  it('2. 张志强, working in Beijing, signs in remotely from the phone', { timeout: 120_000 }, async () => {
    const id = theMeeting();
    const context = await browser.newPhone();
    const page = await context.newPage();
    await page.goto(`${base}/h5/`);
    await submitLogin(page, 'h5', AWAY.phone);
    await page.waitForURL(/\/h5\/home$/);
    // Party members have a 党建 tab, whatever their role.
    await Promise.all([responseTo(page, 'GET', '/api/party/me/meetings'), page.getByTestId('tab-party').click()]);
    await page.waitForURL(/\/h5\/party$/);
    await page.getByTestId('party-name').filter({ hasText: '张志强 · 正式党员' }).waitFor();
    const card = page.getByTestId(`party-meeting-${id}`);
    await card.getByText('签到已开始，可远程签到').waitFor();
    await screenshot(page, 'party-3-h5-party');

    await card.click();
    await page.waitForURL(`**/h5/party/meetings/${id}`);
    const signIn = await calling(page, 'POST', `/api/party/meetings/${id}/sign-in`, () => page.getByTestId('party-sign-in').click());
    expect(signIn.status()).toBe(200);
    expect(await signIn.json()).toMatchObject({ status: 'present', method: 'remote', alreadySignedIn: false });
    await notice(page, '.van-toast', '签到成功');
    await page.getByTestId('party-my-status').getByText('已签到').waitFor();
    await page.getByTestId('party-my-status').getByText('远程').waitFor();
    await screenshot(page, 'party-4-h5-signed-in');

    // His study hours and dues are a tap away; the branch's new study guide opens as the PDF.
    await page.goto(`${base}/h5/party/study`);
    await page.getByTestId('party-study-progress').waitFor();
    const guide = page.getByTestId('party-material-file').filter({ hasText: GUIDE.file });
    await guide.waitFor();
    const pdf = await page.request.get(new URL((await guide.getAttribute('href'))!, base).toString());
    expect([pdf.status(), pdf.headers()['content-type'], (await pdf.body()).equals(GUIDE.pdf)]).toEqual([200, 'application/pdf', true]);
    await screenshot(page, 'party-5-h5-study');
    await page.goto(`${base}/h5/party/dues`);
    await page.getByTestId('party-dues-monthly').getByText('¥120.00').waitFor(); // 8000 yuan × 1.5%
    await screenshot(page, 'party-6-h5-dues');
    await context.close();
  });

  it('3. 李秀兰 opens the on-site code’s link, logs in, and is signed in', { timeout: 120_000 }, async () => {
    const id = theMeeting();
    const code = await api<{ url: string }>('GET', `/api/party/meetings/${id}/sign-in-code`, SECRETARY.phone);
    const link = new URL(code.url);
    const context = await browser.newPhone();
    const page = await context.newPage();
    await page.goto(`${base}${link.pathname}${link.search}`);
    await submitLogin(page, 'h5', AT_HOME.phone);
    // Back on the sign-in page with the code, which signs in at once.
    const signed = await responseTo(page, 'POST', `/api/party/meetings/${id}/sign-in`);
    expect(signed.status()).toBe(200);
    expect(await signed.json()).toMatchObject({ method: 'qr', alreadySignedIn: false });
    await page.getByTestId('party-scan-result').getByText('签到成功').waitFor();
    await screenshot(page, 'party-7-h5-scan');
    await context.close();
  });

  it('4. the secretary records the minutes; the month’s 主题党日 shows as done', { timeout: 120_000 }, async () => {
    const id = theMeeting();
    const page = secretaryPage();
    // 刘红梅 cannot come and asks for leave from her phone; the secretary approves it (请假审批).
    const asked = await t.request({ method: 'POST', url: `/api/party/meetings/${id}/leave`, token: tokens[ON_LEAVE.phone], payload: { reason: '在县医院陪护母亲' } });
    expect(asked.statusCode, asked.body).toBe(200);
    expect((asked.json() as Meeting & { mine: { leaveDecision: string } }).mine.leaveDecision).toBe('pending');
    const onLeave = (await api<Meeting>('GET', `/api/party/meetings/${id}`, SECRETARY.phone)).attendance.find((a) => a.name === ON_LEAVE.name)!;
    await page.reload();
    const table = page.getByTestId('party-attendance-table');
    const away = table.locator('tr').filter({ hasText: AWAY.name });
    await away.getByText('已签到').waitFor();
    await away.getByText('远程').waitFor();
    await table.locator('tr').filter({ hasText: AT_HOME.name }).getByText('扫码').waitFor();
    await page.getByTestId(`party-leave-${onLeave.memberId}`).filter({ hasText: '待审批' }).waitFor();
    const approved = await calling(page, 'POST', `/api/party/meetings/${id}/leave/${onLeave.memberId}/decision`, () => page.getByTestId(`party-leave-approve-${onLeave.memberId}`).click());
    expect(approved.status()).toBe(200);
    await page.getByTestId(`party-leave-${onLeave.memberId}`).filter({ hasText: '已批准' }).waitFor();

    await page.getByTestId('party-record-minutes').fill(MINUTES);
    await page.getByTestId('party-record-resolutions').fill('下月继续开展河道清理，由第一党小组牵头。');
    await page.getByTestId('party-record-photos').setInputFiles(sampleFile('leuvenA.jpg'));
    const [upload, saved] = await Promise.all([
      responseTo(page, 'POST', '/api/photos'),
      responseTo(page, 'PUT', `/api/party/meetings/${id}/record`),
      page.getByTestId('party-record-save').click(),
    ]);
    expect(upload.status()).toBe(201);
    expect(saved.status()).toBe(200);
    await notice(page, '.el-message', '会议记录已保存');
    await page.getByTestId('party-meeting-status').filter({ hasText: '已召开' }).waitFor();
    expect(await page.getByTestId('party-meeting-late').count()).toBe(0);
    await screenshot(page, 'party-8-console-recorded');

    const meeting = await api<Meeting>('GET', `/api/party/meetings/${id}`, SECRETARY.phone);
    expect(meeting).toMatchObject({ status: 'held', enteredLate: false });
    expect(meeting.photos).toHaveLength(1);
    expect(meeting.attendance.find((a) => a.name === AWAY.name)).toMatchObject({ status: 'present', method: 'remote' });
    expect(meeting.attendance.find((a) => a.name === ON_LEAVE.name)).toMatchObject({ status: 'leave', leaveDecision: 'approved', leaveDecidedByName: SECRETARY.name });

    // 完成情况: this month's 主题党日 is done for 西阳邱村党支部.
    await clickMenu(page, 'party-completion');
    await page.waitForURL(/\/console\/party\/completion$/);
    await page.getByTestId(`party-completion-${DEMO_BRANCH_ID}-theme_day`).filter({ hasText: '已完成 1/1' }).waitFor();
    expect(await themeDay()).toMatchObject({ status: 'done', held: 1 });
    const [download, csv] = await Promise.all([page.waitForEvent('download'), responseTo(page, 'GET', '/api/party/completion'), page.getByTestId('party-completion-export').click()]);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    await notice(page, '.el-message', '已导出');
    await screenshot(page, 'party-9-console-completion');
  });

  it('5. the register, the dues with six months unpaid flagged, and the tree', { timeout: 120_000 }, async () => {
    const page = secretaryPage();
    await clickMenu(page, 'party-dues');
    await page.waitForURL(/\/console\/party\/dues$/);
    await page.getByTestId('party-dues-table').getByText('连续 7 个月未交').waitFor();
    await screenshot(page, 'party-10-console-dues');
    await clickMenu(page, 'party-members');
    await page.getByTestId('party-members-table').getByText('北京市朝阳区').waitFor();
    await screenshot(page, 'party-11-console-members');
    await clickMenu(page, 'party-organisations');
    await page.getByTestId(`party-org-${DEMO_BRANCH_ID}`).waitFor();
    await screenshot(page, 'party-12-console-organisations');
    await consolePage?.context.close();
  });
});
