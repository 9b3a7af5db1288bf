/**
 * Screenshots of the web apps against a running platform in demo mode, for docs/screenshots/.
 * It also files a few demo cases through the API (reports, an acceptance, a resolution, an
 * approval) so that the case pages have something to show: run it on a throwaway data folder.
 * Then it sweeps every page at the sizes people use (docs/screenshots/sizes/): every console menu
 * page at 1440×900 and 1366×768, the big screen at 1920×1080 and 1366×768, the phone's pages at
 * 390×844 for each role that has them.
 *
 *   SHUXIANG_DATA_DIR=$(mktemp -d) PORT=18480 EMBEDDED_PG_PORT=55480 npm start &
 *   node --import tsx scripts/screenshots.ts --base http://localhost:18480 [--out docs/screenshots]
 *
 * Uses Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) through playwright-core.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';

const { values } = parseArgs({ options: { base: { type: 'string', default: 'http://localhost:8080' }, out: { type: 'string', default: 'docs/screenshots' } } });
const base = values.base!;
const out = values.out!;
const PASSWORD = 'shuxiang-demo';
const phones = { admin: '13800000000', staff: '13800000001', cadre: '13800000002', secretary: '13800000003', worker: '13800000004', villager: '13800000005' };
const GRID = '13063120220601'; // 西阳邱村第一网格
const PARTY_MEMBER = '13800000101'; // 西阳邱村党支部, a member with an account

async function api<T>(method: string, url: string, token: string | null, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body instanceof FormData || body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

const tokens = new Map<string, string>();
/** One login per account per run: the platform limits login attempts per address. */
async function login(phone: string): Promise<string> {
  let token = tokens.get(phone);
  if (!token) {
    token = (await api<{ token: string }>('POST', '/api/auth/login', null, { phone, password: PASSWORD })).token;
    tokens.set(phone, token);
  }
  return token;
}

/** A photo-like JPEG drawn in the browser (a sky, a field, a heap of rubbish), so reports carry real images. */
async function makePhoto(page: Page, seed: number): Promise<Buffer> {
  const dataUrl = await page.evaluate((s) => {
    const c = document.createElement('canvas');
    c.width = 1200;
    c.height = 900;
    const g = c.getContext('2d')!;
    const sky = g.createLinearGradient(0, 0, 0, 450);
    sky.addColorStop(0, '#9cc7e8');
    sky.addColorStop(1, '#e3eef5');
    g.fillStyle = sky;
    g.fillRect(0, 0, 1200, 450);
    g.fillStyle = '#7a9a4e';
    g.fillRect(0, 450, 1200, 450);
    g.fillStyle = '#b9a37a';
    g.beginPath();
    g.moveTo(500, 900);
    g.lineTo(700, 450);
    g.lineTo(740, 450);
    g.lineTo(1000, 900);
    g.fill();
    for (let i = 0; i < 40; i++) {
      g.fillStyle = ['#6b4f3a', '#8c8c8c', '#c94f3d', '#3f6fa8', '#d8c35a'][(i + s) % 5]!;
      g.beginPath();
      g.ellipse(200 + ((i * 37 + s * 53) % 300), 640 + ((i * 23) % 120), 30 + (i % 5) * 8, 18 + (i % 3) * 6, i, 0, Math.PI * 2);
      g.fill();
    }
    g.fillStyle = '#5b4636';
    g.fillRect(900, 300, 120, 180);
    g.fillStyle = '#8a2f2f';
    g.beginPath();
    g.moveTo(880, 300);
    g.lineTo(960, 240);
    g.lineTo(1040, 300);
    g.fill();
    return c.toDataURL('image/jpeg', 0.85);
  }, seed);
  return Buffer.from(dataUrl.split(',')[1]!, 'base64');
}

async function uploadPhoto(token: string, jpeg: Buffer): Promise<string> {
  const form = new FormData();
  form.append('photos', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'photo.jpg');
  const res = await api<{ items: { id: string }[] }>('POST', '/api/photos', token, form);
  return res.items[0]!.id;
}

/** Demo cases in 西阳邱村: three open, one handled and awaiting evaluation, one closed. */
async function seedCases(page: Page) {
  const villager = await login(phones.villager);
  const worker = await login(phones.worker);
  const secretary = await login(phones.secretary);
  const existing = await api<{ total: number }>('GET', '/api/cases?mine=reported', villager);
  if (existing.total > 0) return;
  const grid = await api<{ centre: { lon: number; lat: number } }>('GET', `/api/regions/${GRID}`, villager);
  const at = (dx: number, dy: number) => ({ lon: grid.centre.lon + dx, lat: grid.centre.lat + dy });
  const reports = [
    { categoryCode: 'sanitation', description: '村西头大坑边上有人倒了一堆建筑垃圾和生活垃圾，夏天有味道，请处理。', location: at(-0.0008, 0.0006), address: '村西大坑北侧' },
    { categoryCode: 'infrastructure', description: '村委会门口往东第三根路灯不亮，晚上路黑，老人出门不方便。', location: at(0.0005, -0.0004), address: '村委会东侧主街' },
    { categoryCode: 'safety_hazard', description: '北边坑塘边的护栏断了一截，孩子放学常从这里走，有落水危险。', location: at(0.0002, 0.0012), address: '北坑塘南岸' },
    { categoryCode: 'village_appearance', description: '主街南段有人私搭了一个棚子占了半条路，车过不去。', location: at(-0.0003, -0.0010) },
    { categoryCode: 'sanitation', description: '小学后面的排水沟堵了，下雨后积水很深。', location: at(0.0010, 0.0002) },
  ];
  const ids: string[] = [];
  for (const [i, r] of reports.entries()) {
    const photoIds = i < 3 ? [await uploadPhoto(villager, await makePhoto(page, i)), ...(i === 0 ? [await uploadPhoto(villager, await makePhoto(page, 7))] : [])] : [];
    const created = await api<{ id: string }>('POST', '/api/cases', villager, { id: crypto.randomUUID(), ...r, photoIds, smsOptIn: i === 0 });
    ids.push(created.id);
  }
  // The worker accepts the first four, resolves two; the secretary approves one; the villager rates it.
  for (const id of ids.slice(0, 4)) await api('POST', `/api/cases/${id}/accept`, worker);
  const after = await uploadPhoto(worker, await makePhoto(page, 11));
  await api('POST', `/api/cases/${ids[3]}/resolve`, worker, { note: '已联系搭棚户主，当天拆除，道路已恢复通行。', photoIds: [after] });
  await api('POST', `/api/cases/${ids[1]}/resolve`, worker, { note: '已报电工更换灯泡和镇流器，晚上试亮正常。', photoIds: [] });
  await api('POST', `/api/cases/${ids[3]}/approve`, secretary, { comment: '处置及时，现场已恢复。' });
  await api('POST', `/api/cases/${ids[3]}/rate`, villager, { rating: 5, comment: '很快就处理了，谢谢！' });
  return ids;
}

async function signIn(context: BrowserContext, app: 'h5' | 'console', phone: string) {
  const token = await login(phone);
  // As a login in the page would: the HttpOnly session cookie and the apps' mark that this browser signed in.
  await context.addCookies([{ name: 'shuxiang_session', value: token, url: base, httpOnly: true, sameSite: 'Strict' }]);
  await context.addInitScript(() => {
    if (location.protocol.startsWith('http')) localStorage.setItem('shuxiang.signedIn', '1');
  });
  return token;
}

async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}) {
  // A page that polls or streams is never idle: give it a few seconds, then take it as it is.
  await page.waitForLoadState('networkidle', { timeout: 8000 }).catch(() => undefined);
  await page.waitForFunction(() => ![...document.querySelectorAll('.el-loading-mask, .van-loading')].some((el) => el.getClientRects().length > 0), undefined, { timeout: 8000 }).catch(() => undefined);
  await page.waitForTimeout(400); // transitions
  const file = path.join(out, `${name}.png`);
  // A 256-colour palette keeps the pictures sharp at a third of the size in the repository.
  await sharp(await page.screenshot({ fullPage: options.fullPage ?? false }))
    .png({ palette: true, quality: 90, effort: 7 })
    .toFile(file);
  process.stdout.write(`  ${file}\n`);
}

function watch(context: BrowserContext) {
  context.on('page', (page) => {
    page.on('pageerror', (error) => process.stderr.write(`  page error: ${error.message}\n`));
    page.on('console', (message) => {
      if (message.type() === 'error') process.stderr.write(`  console: ${message.text()}\n`);
    });
  });
  return context;
}

async function h5Context(browser: Browser) {
  return watch(await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' }));
}

async function consoleContext(browser: Browser) {
  return watch(await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' }));
}

const DESKS = [
  { width: 1440, height: 900 },
  { width: 1366, height: 768 },
];
const SCREENS = [
  { width: 1920, height: 1080 },
  { width: 1366, height: 768 },
];
/** The phone's pages a role has, by path (tabs first). */
const PHONE_PAGES: { role: keyof typeof phones | 'partyMember'; paths: string[] }[] = [
  { role: 'villager', paths: ['home', 'points', 'me', 'report', 'cases/mine', 'notices', 'services', 'requests', 'family', 'points/history', 'points/store', 'points/orders', 'points/ranking', 'points/household', 'points/claims', 'sessions'] },
  { role: 'worker', paths: ['home', 'work', 'me', 'care', 'broadcast'] },
  { role: 'secretary', paths: ['home', 'work', 'party', 'party/meetings', 'party/study', 'party/dues'] },
  { role: 'partyMember', paths: ['home', 'party', 'party/meetings', 'party/study', 'party/dues'] },
];

/** The console's sidebar pages, read from its router (a route with `menu:` has a sidebar entry). */
function consoleMenuPaths(): string[] {
  const source = readFileSync(path.join(import.meta.dirname, '..', 'web', 'src', 'console', 'router.ts'), 'utf8');
  return [...source.matchAll(/path: '([^':]+)',(?:(?!path: ')[\s\S])*?\bmenu: \{/g)].map((m) => m[1]!);
}

async function sweep(browser: Browser) {
  const sizes = path.join(out, 'sizes');
  mkdirSync(sizes, { recursive: true });
  const at = (name: string, size: { width: number; height: number }) => path.join('sizes', `${name}-${size.width}x${size.height}`);
  for (const size of DESKS) {
    process.stdout.write(`console sweep (${size.width}×${size.height})\n`);
    const context = watch(await browser.newContext({ viewport: size, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' }));
    await signIn(context, 'console', phones.staff);
    const page = await context.newPage();
    for (const route of ['', ...consoleMenuPaths()]) {
      await page.goto(`${base}/console/${route}`);
      await shot(page, at(`console-${route.replaceAll('/', '-') || 'home'}`, size));
    }
    await context.close();
  }
  for (const size of SCREENS) {
    process.stdout.write(`big screen (${size.width}×${size.height})\n`);
    // The township's board as its staff see it, the village's as its cadre does.
    for (const [board, phone] of [['township', phones.staff], ['village', phones.cadre]] as const) {
      const context = watch(await browser.newContext({ viewport: size, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' }));
      await signIn(context, 'console', phone);
      const page = await context.newPage();
      await page.goto(`${base}/screen/`);
      await page.waitForTimeout(2500); // the map's and charts' first drawing
      await shot(page, at(`screen-${board}`, size));
      await context.close();
    }
  }
  process.stdout.write('phone sweep (390×844)\n');
  for (const { role, paths } of PHONE_PAGES) {
    const context = await h5Context(browser);
    await signIn(context, 'h5', role === 'partyMember' ? PARTY_MEMBER : phones[role]);
    const page = await context.newPage();
    for (const route of paths) {
      await page.goto(`${base}/h5/${route}`);
      await shot(page, at(`h5-${role}-${route.replaceAll('/', '-')}`, { width: 390, height: 844 }));
    }
    await context.close();
  }
}

async function main() {
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const seedContext = await consoleContext(browser);
    const seedPage = await seedContext.newPage();
    await seedPage.goto(`${base}/console/login`);
    const ids = await seedCases(seedPage);
    await seedContext.close();
    const cases = await api<{ items: { id: string; state: string }[] }>('GET', '/api/cases?pageSize=50', await login(phones.staff));
    const byState = (s: string) => cases.items.find((c) => c.state === s)?.id ?? ids?.[0];

    // ---- h5 -----------------------------------------------------------------------------------
    process.stdout.write('h5 (390×844)\n');
    {
      const context = await h5Context(browser);
      const page = await context.newPage();
      await page.goto(`${base}/h5/login`);
      await page.getByRole('button', { name: '演示账号' }).click();
      await shot(page, 'h5-login');
      await context.close();
    }
    {
      // A new account made by staff must change its one-time password first.
      const staff = await login(phones.staff);
      const phone = `139${String(Date.now()).slice(-8)}`;
      const created = await api<{ initialPassword: string }>('POST', '/api/users', staff, { phone, name: '王秀兰', role: 'villager', regionCode: '130631202206' });
      const context = await h5Context(browser);
      const page = await context.newPage();
      await page.goto(`${base}/h5/login`);
      await page.getByTestId('login-tab-password').click();
      await page.getByTestId('login-phone').locator('input').fill(phone);
      await page.getByTestId('login-password').locator('input').fill(created.initialPassword);
      await page.getByTestId('login-submit').click();
      await page.waitForURL(/\/h5\/password/);
      await shot(page, 'h5-password');
      await context.close();
    }
    {
      const context = await h5Context(browser);
      await signIn(context, 'h5', phones.villager);
      const page = await context.newPage();
      await page.goto(`${base}/h5/home`);
      await shot(page, 'h5-home-villager');
      await page.goto(`${base}/h5/report`);
      await page.getByTestId('category-sanitation').click();
      await page.getByTestId('report-description').locator('textarea').fill('村口小桥下面的河道里漂着很多塑料袋和秸秆，水都不流了。');
      await page.getByTestId('photo-input').setInputFiles({ name: 'river.jpg', mimeType: 'image/jpeg', buffer: await makePhoto(page, 3) });
      // Place the pin by tapping the map (no GPS in a headless browser).
      const map = page.locator('.region-map svg');
      const box = (await map.boundingBox())!;
      await map.click({ position: { x: box.width * 0.42, y: box.height * 0.45 } });
      await page.waitForTimeout(800);
      await shot(page, 'h5-report', { fullPage: true });
      // Offline: the report is kept and queued.
      await context.setOffline(true);
      await page.evaluate(() => window.dispatchEvent(new Event('offline')));
      await page.getByTestId('report-submit').click();
      await page.waitForTimeout(1500);
      await page.locator('.van-dialog__confirm').click();
      await page.waitForURL(/\/h5\/drafts/);
      await shot(page, 'h5-drafts');
      await context.setOffline(false);
      await page.evaluate(() => window.dispatchEvent(new Event('online')));
      await page.waitForTimeout(1500);
      await page.goto(`${base}/h5/cases/mine`);
      await shot(page, 'h5-my-cases');
      await page.goto(`${base}/h5/cases/${byState('closed')}`);
      await shot(page, 'h5-case-closed', { fullPage: true });
      await page.goto(`${base}/h5/me`);
      await shot(page, 'h5-me');
      await page.evaluate(() => localStorage.setItem('shuxiang.lang', 'en'));
      await page.goto(`${base}/h5/home`);
      await shot(page, 'h5-home-villager-en');
      await context.close();
    }
    {
      const context = await h5Context(browser);
      await signIn(context, 'h5', phones.worker);
      const page = await context.newPage();
      await page.goto(`${base}/h5/home`);
      await shot(page, 'h5-home-grid-worker');
      await page.goto(`${base}/h5/work`);
      await shot(page, 'h5-work-queue');
      await page.goto(`${base}/h5/cases/${byState('submitted')}`);
      await shot(page, 'h5-case-accept', { fullPage: true });
      await page.goto(`${base}/h5/cases/${byState('accepted')}`);
      await page.getByTestId('resolve-note').locator('textarea').fill('已组织保洁员清运，坑边立了“禁止倾倒”的牌子。');
      await shot(page, 'h5-case-resolve', { fullPage: true });
      await context.close();
    }
    {
      const context = await h5Context(browser);
      await signIn(context, 'h5', phones.secretary);
      const page = await context.newPage();
      await page.goto(`${base}/h5/work`);
      await shot(page, 'h5-evaluate-queue');
      await page.goto(`${base}/h5/cases/${byState('resolved')}`);
      await shot(page, 'h5-case-evaluate', { fullPage: true });
      await context.close();
    }

    // ---- console ------------------------------------------------------------------------------
    process.stdout.write('console (1440×900)\n');
    {
      const context = await consoleContext(browser);
      const page = await context.newPage();
      await page.goto(`${base}/console/login`);
      await page.getByText('演示账号').click();
      await shot(page, 'console-login');
      await context.close();
    }
    {
      const context = await consoleContext(browser);
      await signIn(context, 'console', phones.staff);
      const page = await context.newPage();
      await page.goto(`${base}/console/`);
      await shot(page, 'console-home');
      await page.goto(`${base}/console/cases`);
      await shot(page, 'console-cases');
      await page.goto(`${base}/console/cases/${byState('resolved')}`);
      await shot(page, 'console-case-detail', { fullPage: true });
      await page.goto(`${base}/console/regions`);
      await page.waitForTimeout(800);
      await page.locator('.el-table__row').filter({ hasText: '西阳邱村' }).first().locator('.el-table__expand-icon').click();
      await page.waitForTimeout(800);
      await page.locator('.el-table__row').filter({ hasText: '西阳邱村' }).first().click();
      await page.waitForTimeout(800);
      await shot(page, 'console-regions');
      await page.goto(`${base}/console/users`);
      await shot(page, 'console-users');
      await page.getByTestId('user-create').click();
      await page.getByTestId('user-phone').fill(`137${String(Date.now()).slice(-8)}`);
      await page.getByTestId('user-name').fill('李建国');
      await page.getByTestId('user-role').click();
      await page.getByRole('option', { name: '网格员', exact: true }).locator('visible=true').click();
      await page.getByTestId('user-region').click();
      await page.locator('.el-select-dropdown__item:visible').filter({ hasText: '西阳邱村第二网格' }).click();
      await page.getByTestId('user-create-submit').click();
      await page.getByTestId('one-time-password').waitFor();
      await shot(page, 'console-users-created');
      await page.goto(`${base}/console/audit`);
      await shot(page, 'console-audit');
      await context.close();
    }
    {
      // Categories are edited by administrators.
      const context = await consoleContext(browser);
      await signIn(context, 'console', phones.admin);
      const page = await context.newPage();
      await page.goto(`${base}/console/categories`);
      await shot(page, 'console-categories');
      await page.getByTestId('category-edit-safety_hazard').click();
      await shot(page, 'console-category-edit');
      await context.close();
    }
    await sweep(browser);
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
