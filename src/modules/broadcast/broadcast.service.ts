import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { DeliveryState } from '../../platform/db/schema.js';
import { EventBus } from '../../platform/events.js';
import { AppError } from '../../platform/http/errors.js';
import type { PageRequest } from '../../platform/http/pagination.js';
import type { JobQueue } from '../../platform/jobs/job-queue.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import { requirePermission } from '../accounts/policies.js';
import { type AudioService, readableFrom } from '../audio/audio.service.js';
import type { AuditService } from '../audit/audit.service.js';
import { commonPathPrefix } from '../regions/regions.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { DeviceEvents, DevicesService, Speaker } from '../devices/devices.service.js';
import type { BroadcastRow, BroadcastRepository, DeliveryRow, QueuedDelivery, ScheduleRow } from './broadcast.repository.js';
import { ACTIVE_STATES } from './broadcast.repository.js';
import {
  type BroadcastDetail,
  type BroadcastSummary,
  type CreateBroadcastBody,
  type CreateScheduleBody,
  priorityOf,
  type ScheduleView,
  type Target,
} from './broadcast.schema.js';
import { nextRun } from './schedule-time.js';

export const SCHEDULE_JOB = 'broadcast.schedule';
/** Devices fetch the audio within this time of being told to play it. */
const AUDIO_URL_TTL_SECONDS = 15 * 60;
/** A play command with no acknowledgement in this time is handed out again. */
const ACK_TIMEOUT_MS = 60_000;

type Content = Omit<CreateBroadcastBody, 'id'>;

/**
 * Domain events after commit, for other modules' read models (the big screen's counters). A
 * programme's run commits with its job; modules that count those react to SCHEDULE_JOB as well.
 */
export interface BroadcastEvents {
  'broadcast.created': { broadcastId: string; regionPath: string };
  'delivery.finished': { broadcastId: string; deviceId: string };
}

export interface BroadcastDeps {
  db: Db;
  repository: BroadcastRepository;
  devices: DevicesService;
  audio: AudioService;
  regions: RegionsService;
  audit: AuditService;
  jobs: JobQueue;
  clock: Clock;
  logger: Logger;
  /** Where devices fetch audio from, e.g. http://192.168.1.10:8080 (PUBLIC_URL). */
  publicBaseUrl: () => string;
}

/**
 * 天翼云播: broadcasts to loudspeaker pillars. Each speaker has a queue of deliveries; the one
 * with the highest priority plays, an emergency interrupts whatever plays and the interrupted one
 * resumes afterwards, equal priorities play first come first served. A speaker that is offline
 * gets a still-valid broadcast when it reconnects. Queue changes of one speaker are serialised by
 * a PostgreSQL advisory lock, so several processes may share the work.
 */
export class BroadcastService {
  readonly events: EventBus<BroadcastEvents>;

  constructor(private readonly deps: BroadcastDeps) {
    this.events = new EventBus<BroadcastEvents>(deps.logger);
    deps.jobs.register(SCHEDULE_JOB, (tx, payload, now) => this.runSchedule(tx, String(payload.scheduleId), now));
  }

  /** Reacts to the device layer: acknowledgements move deliveries on; a reconnect gets what waited. */
  listen(events: { on: <K extends keyof DeviceEvents & string>(name: K, listener: (payload: DeviceEvents[K]) => unknown) => () => void }): () => void {
    const offs = [
      events.on('device.ack', (ack) => this.onAck(ack.deviceId, ack.commandId, ack.state, ack.reason)),
      events.on('device.online', (e) => this.dispatch(e.deviceId)),
      events.on('device.offline', (e) => this.onOffline(e.deviceId)),
    ];
    return () => offs.forEach((off) => off());
  }

  // ---- sending --------------------------------------------------------------------------------

  async create(actor: Actor, body: CreateBroadcastBody, meta: RequestMeta): Promise<{ created: boolean; broadcast: BroadcastDetail }> {
    requirePermission(actor.role, 'broadcast.send');
    const existing = await this.deps.repository.find(body.id);
    if (existing) {
      if (existing.created_by !== actor.userId) throw new AppError('BROADCAST_ID_CONFLICT');
      return { created: false, broadcast: await this.detail(existing, actor) };
    }
    const created = await this.send(body.id, body, { actor, meta, scheduleId: null, sourceRef: null });
    return { created, broadcast: await this.get(actor, body.id) };
  }

  /**
   * The AI-camera warning path: the speakers beside a camera say `text` at alarm priority (above
   * routine programmes, below emergencies). Idempotent per `sourceRef` (e.g. the alarm id).
   */
  async alarm(input: { id: string; deviceIds: string[]; text: string; title: string; sourceRef: string }): Promise<void> {
    if (input.deviceIds.length === 0) return;
    await this.send(
      input.id,
      { title: input.title, text: input.text, kind: 'routine', repeat: 1, target: { type: 'speakers', codes: input.deviceIds }, validMinutes: 5 },
      { actor: null, meta: { requestId: null, ip: null }, scheduleId: null, sourceRef: input.sourceRef, kindOverride: 'alarm' },
    );
  }

  /** The delivery states of each broadcast's speakers, for modules showing whether a warning played. */
  async deliveryStates(broadcastIds: string[]): Promise<Map<string, DeliveryState[]>> {
    return this.deps.repository.deliveryStates(broadcastIds);
  }

  private async send(
    id: string,
    content: Content,
    origin: { actor: Actor | null; meta: RequestMeta; scheduleId: string | null; sourceRef: string | null; kindOverride?: 'alarm' },
    tx?: Db,
  ): Promise<boolean> {
    const speakers = await this.resolveTarget(origin.actor, content.target);
    const clip = content.text ? await this.deps.audio.speak(content.text, content.voice) : await this.deps.audio.get(content.clipId!);
    // A recording or upload is sent only by someone who may read it (its region, or one above it).
    if (!clip || (content.clipId && origin.actor && !readableFrom(clip.regionPath, origin.actor.scope.path))) throw new AppError('AUDIO_NOT_FOUND');
    if (clip.durationMs === null) throw new AppError('AUDIO_UNPLAYABLE');
    const now = this.deps.clock.now();
    const kind = origin.kindOverride ?? content.kind;
    const priority = priorityOf[kind];
    const regionPath = commonPathPrefix(speakers.map((s) => s.regionPath));
    const write = async (db: Db) => {
      const inserted = await this.deps.repository.insert(db, {
        id,
        title: content.title,
        kind,
        priority,
        text: content.text ?? clip.text,
        voice: content.voice ?? null,
        clip_id: clip.id,
        duration_ms: clip.durationMs!,
        volume: content.volume ?? null,
        repeat: content.repeat,
        target_type: content.target.type,
        target_codes: content.target.codes,
        region_path: regionPath,
        status: speakers.length > 0 ? 'active' : 'completed',
        schedule_id: origin.scheduleId,
        source_ref: origin.sourceRef,
        created_by: origin.actor?.userId ?? null,
        created_by_name: origin.actor?.name ?? null,
        created_at: now,
        expires_at: new Date(now.getTime() + content.validMinutes * 60_000),
        completed_at: speakers.length > 0 ? null : now,
      });
      if (!inserted) return false;
      await this.deps.repository.insertDeliveries(
        db,
        speakers.map((s) => ({ broadcast_id: id, device_id: s.id, priority, state: 'pending' as const, reason: s.online ? null : 'offline', created_at: now, updated_at: now })),
      );
      await this.deps.audit.record(db, origin.actor, origin.meta, {
        action: 'broadcast.send',
        targetType: 'broadcast',
        targetId: id,
        regionPath,
        details: { title: content.title, kind, text: content.text ?? null, target: content.target, speakers: speakers.length, schedule: origin.scheduleId },
      });
      return true;
    };
    const created = tx ? await write(tx) : await this.deps.db.transaction().execute(write);
    if (created && !tx) this.events.emit('broadcast.created', { broadcastId: id, regionPath });
    // Outside any transaction: speakers fetch the audio and acknowledge on their own time.
    if (created && !tx) await Promise.all(speakers.filter((s) => s.online).map((s) => this.dispatch(s.id)));
    return created;
  }

  /** Which speakers a target names, checked against what the sender may reach. */
  private async resolveTarget(actor: Actor | null, target: Target): Promise<Speaker[]> {
    if (target.type === 'speakers') {
      const found = await this.deps.devices.speakersById(target.codes);
      const reachable = found.filter((s) => !actor || isWithin(actor.scope, s.regionPath));
      const missing = target.codes.filter((code) => !reachable.some((s) => s.id === code));
      if (missing.length > 0) throw new AppError('DEVICE_NOT_FOUND', { detail: { zh: missing.join('、'), en: missing.join(', ') } });
      return reachable;
    }
    const paths: string[] = [];
    for (const code of target.codes) {
      const place = await this.deps.regions.placeOf(code);
      const wanted = target.type === 'villages' ? 'village' : 'township';
      if (!place || place.region.level !== wanted || (actor && !isWithin(actor.scope, place.region.path))) {
        throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
      }
      paths.push(place.region.path);
    }
    return this.deps.devices.speakersIn(paths);
  }

  /**
   * Hands a speaker its next play, if any: the top of its queue when nothing plays, or when the
   * top outranks what plays (the speaker interrupts it). Never two plays in flight at once.
   */
  async dispatch(deviceId: string): Promise<void> {
    const now = this.deps.clock.now();
    const toSend = await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockSpeaker(tx, deviceId);
      const queue = await this.deps.repository.queueOf(tx, deviceId);
      const valid = queue.filter((d) => d.status === 'active' && d.expires_at > now);
      const active = valid.find((d) => ACTIVE_STATES.includes(d.state));
      const next = valid.find((d) => d.state === 'pending' || d.state === 'interrupted');
      if (!next) return undefined;
      if (active && next.priority <= active.priority) return undefined;
      const attempt = next.attempts + 1;
      const commandId = `b-${next.broadcast_id}-${attempt}`;
      await this.deps.repository.updateDelivery(tx, next.broadcast_id, deviceId, { state: 'sent', command_id: commandId, attempts: attempt, reason: null, sent_at: now, updated_at: now });
      return { delivery: next, commandId };
    });
    if (!toSend) return;
    await this.play(deviceId, toSend.delivery, toSend.commandId);
  }

  private async play(deviceId: string, delivery: QueuedDelivery, commandId: string): Promise<void> {
    try {
      const { url } = await this.deps.audio.signedUrl(delivery.clip_id, AUDIO_URL_TTL_SECONDS, this.deps.publicBaseUrl());
      await this.deps.devices.sendCommand(deviceId, {
        id: commandId,
        type: 'play',
        url,
        priority: delivery.priority,
        repeat: delivery.repeat,
        ...(delivery.volume !== null ? { volume: delivery.volume } : {}),
        expiresAt: delivery.expires_at.toISOString(),
        ...(delivery.text ? { text: delivery.text } : {}),
      });
    } catch (error) {
      // Offline or unreachable after all: back in the queue; the reconnect or the sweep retries.
      const code = error instanceof AppError ? error.code : 'SEND_FAILED';
      await this.deps.db.transaction().execute(async (tx) => {
        await this.deps.repository.lockSpeaker(tx, deviceId);
        await this.deps.repository.updateDelivery(tx, delivery.broadcast_id, deviceId, {
          state: 'pending',
          reason: code === 'DEVICE_OFFLINE' ? 'offline' : code.toLowerCase(),
          updated_at: this.deps.clock.now(),
        });
      });
      if (code !== 'DEVICE_OFFLINE') this.deps.logger.warn({ deviceId, err: error }, 'broadcast play command not sent');
    }
  }

  /** A speaker's acknowledgement moves its delivery on; when a play ends, the next one goes out. */
  async onAck(deviceId: string, commandId: string, state: 'received' | 'playing' | 'finished' | 'failed', reason: string | null): Promise<void> {
    const delivery = await this.deps.repository.findByCommand(deviceId, commandId);
    if (!delivery) return;
    const now = this.deps.clock.now();
    const next = await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockSpeaker(tx, deviceId);
      const current = (await this.deps.repository.queueOf(tx, deviceId)).find((d) => d.broadcast_id === delivery.broadcast_id);
      // Already finished, failed, expired or cancelled, or replaced by a newer command: stale.
      if (!current || current.command_id !== commandId) return undefined;
      const next = nextDeliveryState(state, reason);
      await this.deps.repository.updateDelivery(tx, delivery.broadcast_id, deviceId, {
        state: next,
        reason: state === 'failed' ? reason : null,
        updated_at: now,
        ...(next === 'playing' ? { started_at: now } : {}),
        ...(next === 'finished' || next === 'failed' || next === 'expired' ? { finished_at: now } : {}),
      });
      return next;
    });
    // After the commit: when the last speakers finish at once, each in its own transaction, a check
    // inside it (READ COMMITTED) would see the others' deliveries still open and none would complete
    // the broadcast. Checked after each commit, the last one to commit sees them all closed.
    if (next === 'finished' || next === 'failed' || next === 'expired') await this.deps.repository.completeIfDone(this.deps.db, delivery.broadcast_id, now);
    if (next === 'finished') this.events.emit('delivery.finished', { broadcastId: delivery.broadcast_id, deviceId });
    if (next && next !== 'received' && next !== 'playing') await this.dispatch(deviceId);
  }

  /** A speaker went offline: what it was playing waits to be played again when it returns. */
  async onOffline(deviceId: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lockSpeaker(tx, deviceId);
      for (const d of await this.deps.repository.queueOf(tx, deviceId)) {
        if (ACTIVE_STATES.includes(d.state) || d.state === 'pending') {
          await this.deps.repository.updateDelivery(tx, d.broadcast_id, deviceId, { state: 'pending', reason: 'offline', updated_at: now });
        }
      }
    });
  }

  /** Background catch-up: expire old broadcasts, re-send unacknowledged plays, feed waiting speakers. */
  async sweep(): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.repository.expire(now);
    for (const d of await this.deps.repository.unacknowledged(new Date(now.getTime() - ACK_TIMEOUT_MS))) {
      await this.deps.db.transaction().execute(async (tx) => {
        await this.deps.repository.lockSpeaker(tx, d.device_id);
        await this.deps.repository.updateDelivery(tx, d.broadcast_id, d.device_id, { state: 'pending', reason: 'no_ack', updated_at: now });
      });
    }
    const waiting = await this.deps.repository.speakersWithWork(500);
    const speakers = new Map((await this.deps.devices.speakersById(waiting)).map((s) => [s.id, s]));
    for (const deviceId of waiting) if (speakers.get(deviceId)?.online) await this.dispatch(deviceId);
  }

  /** Stops a broadcast everywhere it still plays or waits. */
  async cancel(actor: Actor, id: string, meta: RequestMeta): Promise<BroadcastDetail> {
    requirePermission(actor.role, 'broadcast.send');
    const row = await this.deps.repository.findVisible(actor.scope, id);
    if (!row) throw new AppError('BROADCAST_NOT_FOUND');
    if (!isWithin(actor.scope, row.region_path)) throw new AppError('FORBIDDEN');
    if (row.status !== 'active') throw new AppError('BROADCAST_NOT_ACTIVE');
    const now = this.deps.clock.now();
    const stopped = await this.deps.db.transaction().execute(async (tx) => {
      const rows = await this.deps.repository.cancel(tx, id, now);
      await this.deps.audit.record(tx, actor, meta, { action: 'broadcast.cancel', targetType: 'broadcast', targetId: id, regionPath: row.region_path });
      return rows;
    });
    await Promise.all(
      stopped
        .filter((d) => ACTIVE_STATES.includes(d.state) && d.command_id)
        .map((d) => this.deps.devices.sendCommand(d.device_id, { type: 'stop', target: d.command_id! }).catch(() => undefined)),
    );
    await Promise.all(stopped.map((d) => this.dispatch(d.device_id)));
    return this.get(actor, id);
  }

  // ---- reading --------------------------------------------------------------------------------

  async list(actor: Actor, filter: { kind?: BroadcastRow['kind']; status?: BroadcastRow['status'] }, page: PageRequest) {
    requirePermission(actor.role, 'broadcast.read');
    const { rows, total } = await this.deps.repository.list(actor.scope, filter, page);
    const coverage = await this.coverageOf(rows.map((r) => r.id));
    return { items: rows.map((row) => this.toSummary(row, coverage.get(row.id))), total, ...page };
  }

  async get(actor: Actor, id: string): Promise<BroadcastDetail> {
    requirePermission(actor.role, 'broadcast.read');
    const row = await this.deps.repository.findVisible(actor.scope, id);
    if (!row) throw new AppError('BROADCAST_NOT_FOUND');
    return this.detail(row, actor);
  }

  /** With `actor`, the per-speaker list holds only the speakers in the actor's region (coverage stays whole). */
  private async detail(row: BroadcastRow, actor?: Actor): Promise<BroadcastDetail> {
    const [deliveries, coverage, audio] = await Promise.all([
      this.deps.repository.deliveries(row.id),
      this.coverageOf([row.id]),
      this.deps.audio.signedUrl(row.clip_id),
    ]);
    const speakers = new Map((await this.deps.devices.speakersById(deliveries.map((d) => d.device_id))).map((s) => [s.id, s]));
    const shown = actor ? deliveries.filter((d) => { const s = speakers.get(d.device_id); return s !== undefined && isWithin(actor.scope, s.regionPath); }) : deliveries;
    return {
      ...this.toSummary(row, coverage.get(row.id)),
      audioUrl: audio.url,
      deliveries: shown.map((d: DeliveryRow) => ({
        deviceId: d.device_id,
        deviceName: speakers.get(d.device_id)?.name ?? d.device_id,
        online: speakers.get(d.device_id)?.online ?? false,
        state: d.state,
        reason: d.reason,
        attempts: d.attempts,
        sentAt: d.sent_at?.toISOString() ?? null,
        startedAt: d.started_at?.toISOString() ?? null,
        finishedAt: d.finished_at?.toISOString() ?? null,
      })),
    };
  }

  private async coverageOf(ids: string[]) {
    const rows = await this.deps.repository.coverage(ids);
    const byId = new Map<string, BroadcastSummary['coverage']>();
    for (const row of rows) {
      const c = byId.get(row.broadcast_id) ?? { speakers: 0, finished: 0, playing: 0, waiting: 0, offline: 0, failed: 0 };
      c.speakers += row.n;
      if (row.state === 'finished') c.finished += row.n;
      else if (row.state === 'playing') c.playing += row.n;
      else if (['pending', 'sent', 'received', 'interrupted'].includes(row.state)) {
        c.waiting += row.n;
        c.offline += row.offline;
      } else c.failed += row.n;
      byId.set(row.broadcast_id, c);
    }
    return byId;
  }

  private toSummary(row: BroadcastRow, coverage: BroadcastSummary['coverage'] | undefined): BroadcastSummary {
    return {
      id: row.id,
      title: row.title,
      kind: row.kind,
      priority: row.priority,
      text: row.text,
      clipId: row.clip_id,
      durationMs: row.duration_ms,
      repeat: row.repeat,
      volume: row.volume,
      target: { type: row.target_type, codes: row.target_codes },
      status: row.status,
      createdBy: row.created_by_name,
      createdAt: row.created_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      completedAt: row.completed_at?.toISOString() ?? null,
      coverage: coverage ?? { speakers: 0, finished: 0, playing: 0, waiting: 0, offline: 0, failed: 0 },
    };
  }

  // ---- programmes (定时广播) ------------------------------------------------------------------

  async createSchedule(actor: Actor, body: CreateScheduleBody, meta: RequestMeta): Promise<ScheduleView> {
    requirePermission(actor.role, 'broadcast.send');
    const speakers = await this.resolveTarget(actor, body.broadcast.target);
    const now = this.deps.clock.now();
    const next = nextRun({ repeatKind: body.repeatKind, timeOfDay: body.timeOfDay, runDate: body.runDate, weekdays: body.weekdays }, now);
    if (!next) throw new AppError('VALIDATION_FAILED', { details: [{ field: 'body.runDate', message: '时间已过', messageEn: 'that time has passed' }] });
    const regionPath = speakers.length > 0 ? commonPathPrefix(speakers.map((s) => s.regionPath)) : actor.scope.path;
    await this.deps.db.transaction().execute(async (tx) => {
      const inserted = await this.deps.repository.insertSchedule(tx, {
        id: body.id,
        name: body.name,
        repeat_kind: body.repeatKind,
        run_date: body.runDate ?? null,
        time_of_day: body.timeOfDay,
        weekdays: body.weekdays,
        template: JSON.stringify(body.broadcast),
        region_path: isWithin(actor.scope, regionPath) ? regionPath : actor.scope.path,
        next_run_at: next,
        created_by: actor.userId,
        created_at: now,
        updated_at: now,
      });
      if (!inserted) return;
      await this.scheduleNext(tx, body.id, next);
      await this.deps.audit.record(tx, actor, meta, { action: 'broadcast.schedule_create', targetType: 'broadcast_schedule', targetId: body.id, regionPath, details: { ...body } });
    });
    return this.toScheduleView((await this.deps.repository.findSchedule(body.id))!);
  }

  async listSchedules(actor: Actor) {
    requirePermission(actor.role, 'broadcast.read');
    return { items: (await this.deps.repository.listSchedules(actor.scope)).map((row) => this.toScheduleView(row)) };
  }

  async setScheduleActive(actor: Actor, id: string, active: boolean, meta: RequestMeta): Promise<ScheduleView> {
    requirePermission(actor.role, 'broadcast.send');
    const row = await this.deps.repository.findScheduleInScope(actor.scope, id);
    if (!row) throw new AppError('SCHEDULE_NOT_FOUND');
    const now = this.deps.clock.now();
    await this.deps.db.transaction().execute(async (tx) => {
      const next = active ? nextRun(ruleOf(row), now) : null;
      await this.deps.repository.updateSchedule(tx, id, { active, next_run_at: next, updated_at: now });
      if (next) await this.scheduleNext(tx, id, next);
      await this.deps.audit.record(tx, actor, meta, { action: 'broadcast.schedule_update', targetType: 'broadcast_schedule', targetId: id, regionPath: row.region_path, details: { active } });
    });
    return this.toScheduleView((await this.deps.repository.findSchedule(id))!);
  }

  async deleteSchedule(actor: Actor, id: string, meta: RequestMeta): Promise<void> {
    requirePermission(actor.role, 'broadcast.send');
    const row = await this.deps.repository.findScheduleInScope(actor.scope, id);
    if (!row) throw new AppError('SCHEDULE_NOT_FOUND');
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.deleteSchedule(tx, id);
      await this.deps.audit.record(tx, actor, meta, { action: 'broadcast.schedule_delete', targetType: 'broadcast_schedule', targetId: id, regionPath: row.region_path });
    });
  }

  private async scheduleNext(tx: Db, scheduleId: string, at: Date): Promise<void> {
    await this.deps.jobs.schedule(tx, { kind: SCHEDULE_JOB, runAt: at, payload: { scheduleId }, dedupeKey: `broadcast-schedule:${scheduleId}:${at.toISOString()}` });
  }

  /** A programme's time came: one broadcast for this run (once, whatever the number of processes), then the next run. */
  private async runSchedule(tx: Db, scheduleId: string, now: Date): Promise<void> {
    const row = await this.deps.repository.findSchedule(scheduleId, tx);
    if (!row || !row.active || !row.next_run_at || row.next_run_at > now) return;
    const runAt = row.next_run_at;
    const content = row.template as unknown as Content;
    // The broadcast id is derived from the programme and the run, so a repeated job cannot send twice.
    const id = uuidFrom(`${scheduleId}:${runAt.toISOString()}`);
    await this.send(id, content, { actor: null, meta: { requestId: null, ip: null }, scheduleId, sourceRef: `schedule:${scheduleId}` }, tx);
    const next = nextRun(ruleOf(row), runAt);
    await this.deps.repository.updateSchedule(tx, scheduleId, { next_run_at: next, active: next !== null, updated_at: now });
    if (next) await this.scheduleNext(tx, scheduleId, next);
    // The speakers are told after the job commits: the sweep (or the next ack) dispatches within seconds.
  }

  private toScheduleView(row: ScheduleRow): ScheduleView {
    const t = row.template as unknown as Content;
    return {
      id: row.id,
      name: row.name,
      repeatKind: row.repeat_kind,
      runDate: row.run_date,
      timeOfDay: row.time_of_day,
      weekdays: row.weekdays,
      title: t.title,
      text: t.text ?? null,
      kind: t.kind,
      target: t.target,
      active: row.active,
      nextRunAt: row.next_run_at?.toISOString() ?? null,
      createdAt: row.created_at.toISOString(),
    };
  }
}

function ruleOf(row: ScheduleRow) {
  return { repeatKind: row.repeat_kind, timeOfDay: row.time_of_day, runDate: row.run_date, weekdays: row.weekdays };
}

/** What an acknowledgement means for the delivery. `interrupted` plays again later; other failures end it. */
function nextDeliveryState(state: 'received' | 'playing' | 'finished' | 'failed', reason: string | null): DeliveryState {
  if (state !== 'failed') return state;
  if (reason?.startsWith('interrupted')) return 'interrupted';
  // The speaker was still busy with something higher (our view lagged): it waits for its turn.
  if (reason?.startsWith('busy')) return 'pending';
  if (reason?.startsWith('expired')) return 'expired';
  if (reason?.startsWith('stopped')) return 'cancelled';
  return 'failed';
}

/** A stable UUID (v4 layout) from a string, for ids that must come out the same on every retry. */
function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

