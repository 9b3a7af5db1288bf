import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { HealthDeviceKind } from '../../platform/db/schema.js';
import type { Actor } from '../../platform/request-context.js';
import { subtreePattern } from '../../platform/scope.js';
import { requirePermission } from '../accounts/policies.js';
import type { CasesService } from '../cases/cases.service.js';
import type { DutyService } from '../duty/duty.service.js';
import { uuidFrom } from '../village-services/derived-id.js';
import type { DeviceHealthRepository, Observation } from './device-health.repository.js';
import type { Availability } from './device-health.schema.js';

export interface DeviceHealthSettings {
  /** Down this long (without a long enough return) opens a 设备报修 ticket. */
  offlineTicketMinutes: number;
  /** Back this long ends an outage; shorter returns (flapping) leave it going. */
  recoveryMinutes: number;
  meterSilentMinutes: number;
}

const KIND_NAMES: Record<HealthDeviceKind, string> = { speaker: '音柱', camera: '摄像头', water_meter: '水表' };
const KINDS: HealthDeviceKind[] = ['speaker', 'camera', 'water_meter'];
const WEEK_MS = 7 * 24 * 3600_000;

/** 'MM-DD HH:mm' in China time, for texts people read. */
function localStamp(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(5, 16).replace('T', ' ');
}

/** The share of `total` seconds that were not `down`, 0–1 (1 when nothing was watched yet). */
function share(total: number, down: number): number {
  return total > 0 ? Math.max(0, Math.min(1, 1 - down / total)) : 1;
}

interface Ticket {
  observation: Observation;
  downSince: Date;
}

/**
 * 设备健康: watches speakers, cameras and water meters. A device down longer than the threshold
 * opens one 设备报修 case, to the township's staff on duty (else routed by region like any case);
 * an outage ends only once the device has been back for the recovery time, so a flapping device
 * keeps one outage and one ticket. Its return is noted on the ticket; closing it is left to people.
 * Outages are kept for the availability figures.
 */
export class DeviceHealthService {
  constructor(
    private readonly deps: {
      db: Db;
      repository: DeviceHealthRepository;
      cases: Pick<CasesService, 'submitFromAlarm' | 'addSystemNote'>;
      duty: Pick<DutyService, 'onDuty'>;
      clock: Clock;
      logger: Logger;
      settings: DeviceHealthSettings;
    },
  ) {}

  /** One pass (the poller's): returns the tickets opened and the notes written. */
  async sweep(): Promise<{ opened: number; noted: number }> {
    const { repository, settings } = this.deps;
    const now = this.deps.clock.now();
    const recoveryMs = settings.recoveryMinutes * 60_000;
    const ticketMs = settings.offlineTicketMinutes * 60_000;
    const tickets: Ticket[] = [];
    const notes: { caseId: string; text: string }[] = [];
    await this.deps.db.transaction().execute(async (tx) => {
      if (!(await repository.tryLock(tx))) return;
      const observed = await repository.observe(tx, now, settings.meterSilentMinutes);
      const known = new Map((await repository.healthRows(tx)).map((row) => [`${row.device_kind}:${row.device_id}`, row]));
      for (const o of observed) {
        const key = `${o.kind}:${o.id}`;
        const row = known.get(key);
        known.delete(key);
        let up: boolean;
        let downSince: Date | null;
        let backSince: Date | null;
        if (!row) {
          await repository.insertHealth(tx, o, now);
          if (o.online) continue;
          await repository.startOutage(tx, o, o.since);
          [up, downSince, backSince] = [false, o.since, null];
        } else if (row.up) {
          if (o.online) continue;
          [up, downSince, backSince] = [false, o.since, null];
          await repository.startOutage(tx, o, o.since);
          if (row.ticket_open && row.ticket_case_id) notes.push({ caseId: row.ticket_case_id, text: `${KIND_NAMES[o.kind]}「${o.name}」${localStamp(o.since)} 再次离线。` });
        } else if (o.online) {
          const back = row.back_since ?? o.since;
          if (now.getTime() - back.getTime() >= recoveryMs) {
            [up, downSince, backSince] = [true, null, null];
            await repository.endOutage(tx, o.kind, o.id, back);
            if (row.ticket_open && row.ticket_case_id) {
              notes.push({ caseId: row.ticket_case_id, text: `${KIND_NAMES[o.kind]}「${o.name}」已于 ${localStamp(back)} 恢复在线（离线自 ${localStamp(row.down_since ?? back)}）。请核实后办结。` });
            }
          } else {
            [up, downSince, backSince] = [false, row.down_since, back];
          }
        } else {
          // Down, and not back (any short return is over): the outage goes on from its start.
          [up, downSince, backSince] = [false, row.down_since ?? o.since, null];
        }
        await repository.updateHealth(tx, o.kind, o.id, { up, down_since: downSince, back_since: backSince, region_path: o.regionPath, checked_at: now });
        if (up || backSince || !downSince || now.getTime() - downSince.getTime() < ticketMs) continue;
        // One ticket per outage; none while an earlier outage's ticket is still being handled.
        if (row?.ticket_case_id && (row.ticket_open || row.ticket_case_id === this.ticketId(o, downSince))) continue;
        tickets.push({ observation: o, downSince });
      }
      // Devices removed, disabled or no longer watched: their outage ends now.
      for (const row of known.values()) {
        await repository.removeHealth(tx, row.device_kind, row.device_id);
        await repository.endOutage(tx, row.device_kind, row.device_id, now);
      }
    });
    let opened = 0;
    for (const ticket of tickets) {
      try {
        await this.openTicket(ticket, now);
        opened++;
      } catch (error) {
        this.deps.logger.error({ err: error, device: ticket.observation.id }, 'device health: could not open the repair ticket; retried next pass');
      }
    }
    let noted = 0;
    for (const note of notes) {
      try {
        if (await this.deps.cases.addSystemNote(note.caseId, note.text)) noted++;
      } catch (error) {
        this.deps.logger.error({ err: error, caseId: note.caseId }, 'device health: could not note the ticket');
      }
    }
    return { opened, noted };
  }

  /** The same outage always gives the same case id, so a retry after a crash finds the case again. */
  private ticketId(o: Observation, downSince: Date): string {
    return uuidFrom(`device-ticket:${o.kind}:${o.id}:${downSince.toISOString()}`);
  }

  private async openTicket({ observation: o, downSince }: Ticket, now: Date): Promise<void> {
    const onDuty = await this.deps.duty.onDuty(o.regionPath, now);
    const minutes = Math.floor((now.getTime() - downSince.getTime()) / 60_000);
    const { id } = await this.deps.cases.submitFromAlarm({
      id: this.ticketId(o, downSince),
      source: 'device',
      categoryCode: 'device_repair',
      description: `${KIND_NAMES[o.kind]}「${o.name}」（${o.id}）自 ${localStamp(downSince)} 起离线，已 ${minutes} 分钟。请检查供电、网络和设备。`,
      regionCode: o.regionCode,
      location: o.lon !== null && o.lat !== null ? { lon: o.lon, lat: o.lat } : null,
      reporter: null,
      routeTo: onDuty.length > 0 ? { level: 'township', userIds: onDuty.map((p) => p.userId), note: '设备报修，转乡镇值班人员' } : undefined,
    });
    await this.deps.repository.setTicket(o.kind, o.id, id);
  }

  /** Share of time online per village and kind of device over the last 7 days, in the caller's scope. */
  async availability(actor: Actor): Promise<Availability> {
    requirePermission(actor.role, 'devices.read');
    const to = this.deps.clock.now();
    const from = new Date(to.getTime() - WEEK_MS);
    const rows = await this.deps.repository.availability(subtreePattern(actor.scope), from, to);
    const villages = new Map<string, Availability['villages'][number]>();
    for (const row of rows) {
      const village = villages.get(row.village_code) ?? { code: row.village_code, name: row.village_name, kinds: [] };
      villages.set(row.village_code, village);
      village.kinds.push({
        kind: row.device_kind,
        devices: row.devices,
        availability: share(row.total_seconds, row.down_seconds),
      });
    }
    for (const village of villages.values()) village.kinds.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind));
    return { from: from.toISOString(), to: to.toISOString(), villages: [...villages.values()] };
  }

  /**
   * The big screen's figure: per child region of `region` (whose reader the caller has checked),
   * the share of the last 7 days its watched devices of every kind were online. Children with no
   * watched device are left out.
   */
  async availabilityOfChildren(region: { code: string; path: string }): Promise<Map<string, number>> {
    const to = this.deps.clock.now();
    const rows = await this.deps.repository.availabilityOfChildren(region, new Date(to.getTime() - WEEK_MS), to);
    const sums = new Map<string, { total: number; down: number }>();
    for (const row of rows) {
      const sum = sums.get(row.village_code) ?? { total: 0, down: 0 };
      sums.set(row.village_code, { total: sum.total + row.total_seconds, down: sum.down + row.down_seconds });
    }
    return new Map([...sums].map(([code, sum]) => [code, share(sum.total, sum.down)]));
  }
}
