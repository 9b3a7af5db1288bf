import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ManualClock } from '../../platform/clock.js';
import { type Actor, noRequest } from '../../platform/request-context.js';
import { localDate } from '../../platform/working-time.js';

/**
 * Device health against the real modules: devices, cameras and meters are registered through their
 * services; their online state is moved the way the MQTT and detector code moves it (the columns
 * they write); time is a manual clock, and each pass is the poller's `sweep()`.
 */

const HOME_VILLAGE = '130631202206'; // 西阳邱村
const HOME_GRID = '13063120220601';
const NEIGHBOUR_VILLAGE = '130631202207'; // 东阳邱村
const MIN = 60_000;

let t: TestApp;
let clock: ManualClock;
let admin: Actor;

const at = (minutes: number, base: Date) => new Date(base.getTime() + minutes * MIN);

async function speaker(id: string, regionCode: string) {
  await t.services.devices.create(admin, { id, kind: 'speaker', name: `音柱${id.slice(-3)}`, regionCode }, noRequest);
}

/** What the devices module writes when a speaker connects or goes silent. */
async function setSpeaker(id: string, online: boolean, when: Date) {
  await t.db.updateTable('devices').set({ online, online_changed_at: when, last_seen_at: when }).where('id', '=', id).execute();
}

async function setCamera(id: string, online: boolean, when: Date) {
  await t.db.updateTable('cameras').set({ online, online_changed_at: when }).where('id', '=', id).execute();
}

async function ticketsOf(deviceId: string) {
  return t.db.selectFrom('cases').selectAll().where('source', '=', 'device').where('description', 'like', `%（${deviceId}）%`).execute();
}

async function sweepAt(when: Date) {
  clock.set(when);
  return t.services.deviceHealth.sweep();
}

beforeAll(async () => {
  // A weekday morning in China (cases' deadlines count working hours).
  clock = new ManualClock(new Date('2027-03-10T09:00:00+08:00'));
  t = await createTestApp({ clock });
  admin = (await t.services.accounts.authenticate(await t.tokenFor('admin')))!.actor;
});

afterAll(async () => {
  await t?.close();
});

describe('device health', () => {
  it('opens one 设备报修 ticket for a speaker offline past the threshold, and notes its return without closing it', async () => {
    const base = new Date('2027-03-10T09:00:00+08:00');
    await speaker('spk-health-a01', HOME_GRID);
    await setSpeaker('spk-health-a01', true, base);
    await sweepAt(at(1, base));
    await setSpeaker('spk-health-a01', false, at(2, base));
    expect((await sweepAt(at(20, base))).opened).toBe(0);
    expect(await ticketsOf('spk-health-a01')).toHaveLength(0);

    expect((await sweepAt(at(33, base))).opened).toBe(1);
    await sweepAt(at(40, base));
    await sweepAt(at(90, base));
    const [ticket, ...more] = await ticketsOf('spk-health-a01');
    expect(more).toHaveLength(0);
    expect(ticket).toMatchObject({ category_code: 'device_repair', source: 'device', state: 'submitted', region_path: `/130631/130631202/${HOME_VILLAGE}/${HOME_GRID}/` });
    // Nobody on duty: routed like any case of that grid, and its grid worker is told.
    expect(ticket!.level).toBe('grid');
    const told = await t.db.selectFrom('notifications').innerJoin('users', 'users.id', 'notifications.user_id').select(['users.phone', 'notifications.kind']).where('case_id', '=', ticket!.id).execute();
    expect(told).toContainEqual({ phone: '13800000004', kind: 'case.new' });

    // Back at 95: not yet an end (the recovery time is 5 minutes), then noted.
    await setSpeaker('spk-health-a01', true, at(95, base));
    expect((await sweepAt(at(97, base))).noted).toBe(0);
    expect((await sweepAt(at(101, base))).noted).toBe(1);
    const events = await t.db.selectFrom('case_events').select(['type', 'note', 'automatic']).where('case_id', '=', ticket!.id).orderBy('id').execute();
    expect(events.at(-1)).toMatchObject({ type: 'comment', automatic: true, note: expect.stringContaining('已于 03-10 10:35 恢复在线') });
    expect((await t.db.selectFrom('cases').select('state').where('id', '=', ticket!.id).executeTakeFirstOrThrow()).state).toBe('submitted');
    const outages = await t.db.selectFrom('device_outages').select(['started_at', 'ended_at']).where('device_id', '=', 'spk-health-a01').execute();
    expect(outages).toEqual([{ started_at: at(2, base), ended_at: at(95, base) }]);
    expect((await sweepAt(at(110, base))).noted).toBe(0);
  });

  it('does not open a ticket per flap: short returns keep one outage going; long returns with short outages open none', async () => {
    const base = new Date('2027-03-10T13:00:00+08:00');
    await t.services.safeVillage.createCamera(
      admin,
      { id: 'cam-health-flap', name: '鱼塘摄像头', regionCode: HOME_VILLAGE, location: null, streamUrl: 'rtsp://127.0.0.1:9/none', detect: true, detectFps: 2, externalName: null, frameSize: null, speakerIds: [], enabled: true },
      noRequest,
    );
    await setCamera('cam-health-flap', true, base);
    await sweepAt(base);
    // Down 10 minutes, back 2 (shorter than the recovery time), again and again for an hour.
    let opened = 0;
    for (let minute = 0; minute < 72; minute += 12) {
      await setCamera('cam-health-flap', false, at(minute, base));
      opened += (await sweepAt(at(minute + 9, base))).opened;
      await setCamera('cam-health-flap', true, at(minute + 10, base));
      opened += (await sweepAt(at(minute + 11, base))).opened;
    }
    expect(opened).toBe(1);
    expect(await ticketsOf('cam-health-flap')).toHaveLength(1);
    expect(await t.db.selectFrom('device_outages').select('id').where('device_id', '=', 'cam-health-flap').execute()).toHaveLength(1);

    // A speaker down 20 minutes and back 10, twice: two outages, no ticket.
    await speaker('spk-health-b01', HOME_VILLAGE);
    const later = at(120, base);
    await setSpeaker('spk-health-b01', true, later);
    await sweepAt(later);
    for (const start of [0, 30]) {
      await setSpeaker('spk-health-b01', false, at(start + 1, later));
      await sweepAt(at(start + 2, later));
      await sweepAt(at(start + 19, later));
      await setSpeaker('spk-health-b01', true, at(start + 21, later));
      await sweepAt(at(start + 22, later));
      await sweepAt(at(start + 29, later));
    }
    expect(await ticketsOf('spk-health-b01')).toHaveLength(0);
    expect(await t.db.selectFrom('device_outages').select('ended_at').where('device_id', '=', 'spk-health-b01').execute()).toEqual([
      { ended_at: at(21, later) },
      { ended_at: at(51, later) },
    ]);
  });

  it('sends the ticket to the township’s staff on duty, and counts a silent water meter as offline', async () => {
    const base = new Date('2027-03-11T09:00:00+08:00');
    const staff = (await t.services.accounts.authenticate(await t.tokenFor('township_staff')))!.actor;
    await t.services.duty.setDay(staff, localDate(base), { userIds: [staff.userId] }, noRequest);
    await t.services.water.createMeter(
      admin,
      { id: 'wm-130631202207-901', name: '东阳邱王家水表', kind: 'household', regionCode: NEIGHBOUR_VILLAGE, elderly: false, livesAlone: false, mqtt: false },
      noRequest,
    );
    // Heard from at 06:00; silent for the 180 minutes of DEVICE_METER_SILENT_MINUTES by 09:00.
    await t.db.updateTable('water_meters').set({ last_reading_at: at(-180, base) }).where('id', '=', 'wm-130631202207-901').execute();
    expect((await sweepAt(at(-1, base))).opened).toBe(0);
    expect((await sweepAt(at(1, base))).opened).toBe(1);
    const [ticket] = await ticketsOf('wm-130631202207-901');
    expect(ticket).toMatchObject({ level: 'township', village_code: NEIGHBOUR_VILLAGE });
    const told = await t.db.selectFrom('notifications').select(['user_id', 'kind']).where('case_id', '=', ticket!.id).execute();
    expect(told).toEqual([{ user_id: staff.userId, kind: 'case.new' }]);
    const routed = await t.db.selectFrom('case_events').select('note').where('case_id', '=', ticket!.id).where('type', '=', 'routed').executeTakeFirstOrThrow();
    expect(routed.note).toBe('设备报修，转乡镇值班人员');
    // Each case list keeps its scope: the home village's cadre does not see the neighbour's ticket.
    const cadre = await t.tokenFor('village_cadre');
    expect((await t.request({ method: 'GET', url: `/api/cases/${ticket!.id}`, token: cadre })).statusCode).toBe(404);
    expect((await t.request({ method: 'GET', url: `/api/cases/${ticket!.id}`, token: await t.tokenFor('township_staff') })).statusCode).toBe(200);
  });

  it('reports availability per village and kind over 7 days, within the caller’s scope', async () => {
    // Measured at 2027-03-12 09:00; the first speaker was watched from 03-10 09:01 and down 09:02–10:35.
    clock.set(new Date('2027-03-12T09:00:00+08:00'));
    const get = async (role: 'township_staff' | 'village_cadre' | 'grid_worker' | 'villager') =>
      t.request({ method: 'GET', url: '/api/device-health/availability', token: await t.tokenFor(role) });
    const township = (await get('township_staff')).json() as { villages: { code: string; kinds: { kind: string; devices: number; availability: number }[] }[] };
    expect(township.villages.map((v) => v.code)).toEqual([HOME_VILLAGE, NEIGHBOUR_VILLAGE]);
    const home = township.villages[0]!;
    expect(home.kinds.map((k) => [k.kind, k.devices])).toEqual([
      ['speaker', 2],
      ['camera', 1],
    ]);
    // Speakers: a01 watched 47h59m, down 93 min; b01 watched from 03-10 15:00 (42h), down 2 × 20 min.
    const watched = (47 * 60 + 59) + 42 * 60;
    expect(home.kinds[0]!.availability).toBeCloseTo(1 - (93 + 40) / watched, 6);
    const neighbour = township.villages[1]!;
    expect(neighbour.kinds).toEqual([{ kind: 'water_meter', devices: 1, availability: expect.any(Number) }]);
    expect(neighbour.kinds[0]!.availability).toBeLessThan(0.5);

    const village = (await get('village_cadre')).json() as typeof township;
    expect(village.villages.map((v) => v.code)).toEqual([HOME_VILLAGE]);
    // The grid worker sees their grid's devices only (the first speaker), still under its village.
    const grid = (await get('grid_worker')).json() as typeof township;
    expect(grid.villages).toEqual([{ code: HOME_VILLAGE, name: expect.any(String), kinds: [{ kind: 'speaker', devices: 1, availability: expect.any(Number) }] }]);
    expect((await get('villager')).statusCode).toBe(403);
  });
});
