import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { EventBus } from '../../platform/events.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { EmbeddedBroker } from '../../platform/mqtt/broker.js';
import type { DeviceMessage, MqttBus } from '../../platform/mqtt/bus.js';
import { generateDeviceSecret, hashDeviceSecret, verifyDeviceSecret } from '../../platform/mqtt/credentials.js';
import { DeviceTopics, isDeviceId } from '../../platform/mqtt/topics.js';
import type { Actor, RequestMeta } from '../../platform/request-context.js';
import { isWithin } from '../../platform/scope.js';
import { requirePermission } from '../accounts/policies.js';
import type { AuditService } from '../audit/audit.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import {
  type AckState,
  deviceAck,
  type DeviceCommand,
  deviceCommand,
  deviceHeartbeat,
  deviceStatus,
  parseDevicePayload,
  type RejectReason,
} from './device-protocol.js';
import type { DeviceRow, DevicesRepository, SpeakerRow } from './devices.repository.js';
import type {
  CreateDeviceBody,
  DeviceCredentials,
  DeviceDetail,
  DeviceStats,
  DeviceView,
  ListDevicesQuery,
  UpdateDeviceBody,
} from './devices.schema.js';

/**
 * Domain events of the devices module, emitted in the process that handled the device's message
 * (with several platform processes, the one its shared subscription chose). Listeners that must
 * hold across processes write to the database.
 */
export interface DeviceEvents {
  'device.online': { deviceId: string; regionPath: string; at: Date };
  'device.offline': { deviceId: string; regionPath: string; at: Date; reason: string };
  'device.ack': { deviceId: string; regionPath: string; commandId: string; state: AckState; reason: string | null; at: Date };
}

/** A command as callers give it: the id (default: a new UUID) and sentAt are filled in. */
export type CommandInput = DeviceCommand extends infer C ? (C extends DeviceCommand ? Omit<C, 'id' | 'sentAt'> & { id?: string } : never) : never;

export interface SendOptions {
  /** Publish even when the device is offline (it is lost unless the device keeps a session). */
  evenIfOffline?: boolean;
}

export interface SendResult {
  deviceId: string;
  commandId: string;
  /** Set when this device was not sent the command. */
  error?: 'DEVICE_NOT_FOUND' | 'DEVICE_DISABLED' | 'DEVICE_OFFLINE' | 'DEVICE_MESSAGING_UNAVAILABLE';
}

export interface Speaker {
  id: string;
  name: string;
  regionCode: string;
  regionPath: string;
  online: boolean;
  volume: number;
  location: { lon: number; lat: number } | null;
  boundCameraId: string | null;
}

export interface DeviceMessaging {
  bus: MqttBus;
  broker?: EmbeddedBroker;
  /** The address devices connect to, handed out with new credentials. */
  deviceUrl: string;
}

/**
 * Other things that connect to the broker as devices (the water module's meters): the broker asks
 * them about an id the devices table does not know, and their lines join the Mosquitto password file.
 */
export interface CredentialSource {
  /** true/false when the id is theirs; undefined when it is not. */
  verify(id: string, secret: string): Promise<boolean | undefined>;
  passwordLines(): Promise<string[]>;
}

export interface DevicesSettings {
  topicPrefix: string;
  /** The platform's MQTT username, which no device may take as its id. */
  platformUsername: string;
  heartbeatTimeoutSeconds: number;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function toSpeaker(row: SpeakerRow): Speaker {
  return {
    id: row.id,
    name: row.name,
    regionCode: row.region_code,
    regionPath: row.region_path,
    online: row.online,
    volume: row.volume,
    location: row.lon === null || row.lat === null ? null : { lon: row.lon, lat: row.lat },
    boundCameraId: row.bound_camera_id,
  };
}

/**
 * Devices (智能音柱 first): the register (scoped like everything else), their credentials for
 * the MQTT broker, their live state from MQTT (status with last will, heartbeats, acks), and
 * commands to them. Malformed device messages are counted and logged, never applied.
 */
export class DevicesService {
  readonly events: EventBus<DeviceEvents>;
  readonly topics: DeviceTopics;
  private messaging: DeviceMessaging | undefined;
  private readonly counters = { received: 0, rejected: {} as Record<string, number>, commandsSent: 0, acks: 0 };
  private readonly lastWarned = new Map<string, number>();
  private readonly credentialSources: CredentialSource[] = [];

  constructor(
    private readonly deps: {
      db: Db;
      repository: DevicesRepository;
      regions: RegionsService;
      audit: AuditService;
      clock: Clock;
      logger: Logger;
      settings: DevicesSettings;
    },
  ) {
    this.events = new EventBus<DeviceEvents>(deps.logger);
    this.topics = new DeviceTopics(deps.settings.topicPrefix);
  }

  // --- the register (HTTP) ----------------------------------------------------------------------

  async list(actor: Actor, query: ListDevicesQuery) {
    requirePermission(actor.role, 'devices.read');
    const { page, pageSize, ...filter } = query;
    const { rows, total } = await this.deps.repository.list(actor.scope, filter, { page, pageSize });
    return { items: rows.map((row) => this.toView(row)), total, page, pageSize };
  }

  async get(actor: Actor, id: string): Promise<DeviceDetail> {
    requirePermission(actor.role, 'devices.read');
    return this.toDetail(await this.readable(actor, id));
  }

  async create(actor: Actor, body: CreateDeviceBody, meta: RequestMeta): Promise<DeviceCredentials> {
    requirePermission(actor.role, 'devices.write');
    const place = await this.placeFor(actor, body.regionCode ?? actor.scope.regionCode, 'body.regionCode');
    if (body.id !== undefined && body.id === this.deps.settings.platformUsername) {
      throw fieldError('body.id', '该编号为平台保留', 'this id is reserved for the platform');
    }
    const secret = body.secret ?? generateDeviceSecret();
    const secretHash = await hashDeviceSecret(secret);
    const now = this.deps.clock.now();
    const villageCode = place.village?.code ?? place.region.code;
    for (let attempt = 0; ; attempt++) {
      const id = body.id ?? (await this.nextSpeakerId(villageCode));
      const created = await this.deps.db.transaction().execute(async (tx) => {
        const inserted = await this.deps.repository.insert(tx, {
          id,
          kind: body.kind,
          name: body.name,
          region_code: place.region.code,
          region_path: place.region.path,
          lon: body.location?.lon ?? null,
          lat: body.location?.lat ?? null,
          bound_camera_id: body.boundCameraId ?? null,
          secret_hash: secretHash,
          volume: body.volume ?? 60,
          reported_volume: null,
          playing_command_id: null,
          firmware: null,
          online: false,
          online_changed_at: null,
          last_seen_at: null,
          last_rejected_at: null,
          last_rejected_reason: null,
          disabled_at: null,
          created_at: now,
          updated_at: now,
        });
        if (!inserted) return false;
        const { secret: _secret, ...details } = body;
        await this.deps.audit.record(tx, actor, meta, {
          action: 'device.create',
          targetType: 'device',
          targetId: id,
          regionPath: place.region.path,
          details: { ...details, id, regionCode: place.region.code, secretProvided: body.secret !== undefined },
        });
        return true;
      });
      if (created) {
        return {
          device: this.toDetail((await this.deps.repository.findById(id))!),
          secret,
          broker: { url: this.messaging?.deviceUrl ?? null, username: id, clientId: id, protocolVersion: 4 },
        };
      }
      // A chosen id that is taken is the caller's conflict; a generated one lost a race: try the next.
      if (body.id !== undefined || attempt >= 5) throw new AppError('DEVICE_EXISTS');
    }
  }

  async update(actor: Actor, id: string, body: UpdateDeviceBody, meta: RequestMeta): Promise<DeviceDetail> {
    requirePermission(actor.role, 'devices.write');
    const before = await this.readable(actor, id);
    const place = body.regionCode !== undefined ? await this.placeFor(actor, body.regionCode, 'body.regionCode') : undefined;
    const now = this.deps.clock.now();
    const disabling = body.enabled === false && before.disabled_at === null;
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.lock(tx, id);
      await this.deps.repository.update(tx, id, {
        ...(body.name !== undefined && { name: body.name }),
        ...(place && { region_code: place.region.code, region_path: place.region.path }),
        ...(body.location !== undefined && { lon: body.location?.lon ?? null, lat: body.location?.lat ?? null }),
        ...(body.boundCameraId !== undefined && { bound_camera_id: body.boundCameraId }),
        ...(body.volume !== undefined && { volume: body.volume }),
        ...(body.enabled === true && { disabled_at: null }),
        ...(disabling && { disabled_at: now, online: false, online_changed_at: before.online ? now : before.online_changed_at, playing_command_id: null }),
        updated_at: now,
      });
      await this.deps.audit.record(tx, actor, meta, {
        action: 'device.update',
        targetType: 'device',
        targetId: id,
        regionPath: place?.region.path ?? before.region_path,
        details: {
          before: {
            name: before.name,
            regionCode: before.region_code,
            location: before.lon === null ? null : { lon: before.lon, lat: before.lat },
            boundCameraId: before.bound_camera_id,
            volume: before.volume,
            enabled: before.disabled_at === null,
          },
          after: body,
        },
      });
    });
    if (disabling) {
      this.messaging?.broker?.disconnect(id);
      if (before.online) this.events.emit('device.offline', { deviceId: id, regionPath: before.region_path, at: now, reason: 'disabled' });
    }
    if (body.volume !== undefined && body.volume !== before.reported_volume && before.online && !disabling) {
      await this.trySetVolume(id, body.volume);
    }
    return this.toDetail((await this.deps.repository.findById(id))!);
  }

  /** A new secret, shown once; the old one stops working and a connected device is disconnected. */
  async rotateSecret(actor: Actor, id: string, meta: RequestMeta): Promise<DeviceCredentials> {
    requirePermission(actor.role, 'devices.write');
    const device = await this.readable(actor, id);
    const secret = generateDeviceSecret();
    const secretHash = await hashDeviceSecret(secret);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.update(tx, id, { secret_hash: secretHash, updated_at: this.deps.clock.now() });
      await this.deps.audit.record(tx, actor, meta, { action: 'device.rotate_secret', targetType: 'device', targetId: id, regionPath: device.region_path });
    });
    this.messaging?.broker?.disconnect(id);
    return {
      device: this.toDetail((await this.deps.repository.findById(id))!),
      secret,
      broker: { url: this.messaging?.deviceUrl ?? null, username: id, clientId: id, protocolVersion: 4 },
    };
  }

  async remove(actor: Actor, id: string, meta: RequestMeta): Promise<void> {
    requirePermission(actor.role, 'devices.write');
    const device = await this.readable(actor, id);
    await this.deps.db.transaction().execute(async (tx) => {
      await this.deps.repository.delete(tx, id);
      await this.deps.audit.record(tx, actor, meta, {
        action: 'device.delete',
        targetType: 'device',
        targetId: id,
        regionPath: device.region_path,
        details: { name: device.name, kind: device.kind, regionCode: device.region_code },
      });
    });
    this.messaging?.broker?.disconnect(id);
    // Clear its retained status, so no broker replays a deleted device's last word.
    await this.messaging?.bus.publish(this.topics.of(id, 'status'), '', { qos: 1, retain: true }).catch(() => undefined);
    if (device.online) this.events.emit('device.offline', { deviceId: id, regionPath: device.region_path, at: this.deps.clock.now(), reason: 'deleted' });
  }

  async stats(actor: Actor): Promise<DeviceStats> {
    requirePermission(actor.role, 'devices.read');
    const counts = await this.deps.repository.stats(actor.scope);
    return {
      total: counts.total,
      online: counts.online,
      offline: counts.total - counts.online - counts.disabled,
      disabled: counts.disabled,
      rejectedMessages: counts.rejected,
      process: actor.role === 'admin' ? this.metrics() : null,
    };
  }

  /** This process's counters since start. */
  metrics(): NonNullable<DeviceStats['process']> {
    return {
      connected: this.messaging?.bus.connected ?? false,
      broker: this.messaging ? (this.messaging.broker ? 'embedded' : 'external') : null,
      received: this.counters.received,
      rejected: { ...this.counters.rejected },
      commandsSent: this.counters.commandsSent,
      acks: this.counters.acks,
      brokerClients: this.messaging?.broker?.connectedClients ?? null,
    };
  }

  // --- for other modules (broadcasting, alarms) -------------------------------------------------

  /** Enabled speakers in the regions given by path ('/130631/130631202/') or code, and below. */
  async speakersIn(regionPathsOrCodes: string[]): Promise<Speaker[]> {
    const paths = regionPathsOrCodes.filter((p) => p.startsWith('/'));
    const codes = regionPathsOrCodes.filter((p) => !p.startsWith('/'));
    return (await this.deps.repository.speakersIn(paths, codes)).map(toSpeaker);
  }

  /** Devices by id (enabled or not), for reports that name the speakers a broadcast reached. */
  async speakersById(ids: string[]): Promise<Speaker[]> {
    if (ids.length === 0) return [];
    return (await this.deps.repository.findByIds(ids)).map(toSpeaker);
  }

  /**
   * Inside the camera module's transaction: binds exactly these speakers to the camera. Each must
   * be a speaker the caller may manage; otherwise DEVICE_NOT_FOUND names it under `field`.
   */
  async bindToCamera(tx: Db, actor: Actor, cameraId: string, speakerIds: string[], field: string): Promise<void> {
    requirePermission(actor.role, 'devices.write');
    for (const [index, id] of speakerIds.entries()) {
      const row = await this.deps.repository.findInScope(actor.scope, id, tx);
      if (!row || row.kind !== 'speaker') throw new AppError('DEVICE_NOT_FOUND', { details: [{ field: `${field}.${index}`, message: `音柱 ${id} 不存在`, messageEn: `no speaker ${id}` }] });
    }
    await this.deps.repository.bindSpeakers(tx, cameraId, [...new Set(speakerIds)], this.deps.clock.now());
  }

  /** The demo seed's binding of its own speakers to its own cameras (no caller to check). */
  async bindDemoSpeakers(cameraId: string, speakerIds: string[]): Promise<void> {
    await this.deps.repository.bindSpeakers(this.deps.db, cameraId, speakerIds, this.deps.clock.now());
  }

  /** Enabled speakers bound to a camera (the one beside it warns people it sees). */
  async speakersBoundTo(cameraId: string): Promise<Speaker[]> {
    return (await this.deps.repository.speakersBoundTo(cameraId)).map(toSpeaker);
  }

  /**
   * Sends one command to one device (QoS 1) and resolves when the broker has it. Acks arrive as
   * `device.ack` events. Throws DEVICE_NOT_FOUND, DEVICE_DISABLED, DEVICE_OFFLINE (unless
   * `evenIfOffline`), DEVICE_MESSAGING_UNAVAILABLE or VALIDATION_FAILED.
   */
  async sendCommand(deviceId: string, input: CommandInput, options: SendOptions = {}): Promise<{ commandId: string; sentAt: Date }> {
    const { sentAt, results } = await this.dispatch([deviceId], input, options);
    const result = results[0]!;
    if (result.error) throw new AppError(result.error);
    return { commandId: result.commandId, sentAt };
  }

  /**
   * Sends the same command (one command id) to many devices at once; one result per device, in
   * order. Devices that cannot take it get an `error` code instead of failing the others.
   */
  async sendCommands(deviceIds: string[], input: CommandInput, options: SendOptions = {}): Promise<SendResult[]> {
    return (await this.dispatch(deviceIds, input, options)).results;
  }

  private async dispatch(deviceIds: string[], input: CommandInput, options: SendOptions): Promise<{ sentAt: Date; results: SendResult[] }> {
    const sentAt = this.deps.clock.now();
    const command = this.validCommand(input, sentAt);
    const messaging = this.messaging;
    if (!messaging || !messaging.bus.connected) throw new AppError('DEVICE_MESSAGING_UNAVAILABLE');
    const rows = new Map((await this.deps.repository.findByIds(deviceIds.filter(isDeviceId))).map((row) => [row.id, row]));
    const payload = JSON.stringify(command);
    const results = await Promise.all(
      deviceIds.map(async (deviceId): Promise<SendResult> => {
        const row = rows.get(deviceId);
        const result = { deviceId, commandId: command.id };
        if (!row) return { ...result, error: 'DEVICE_NOT_FOUND' };
        if (row.disabled_at) return { ...result, error: 'DEVICE_DISABLED' };
        if (!row.online && !options.evenIfOffline) return { ...result, error: 'DEVICE_OFFLINE' };
        try {
          await messaging.bus.publish(this.topics.of(deviceId, 'cmd'), payload, { qos: 1 });
          this.counters.commandsSent++;
          return result;
        } catch (error) {
          this.deps.logger.warn({ err: error, deviceId, commandId: command.id }, 'devices: command not delivered to the broker');
          return { ...result, error: 'DEVICE_MESSAGING_UNAVAILABLE' };
        }
      }),
    );
    return { sentAt, results };
  }

  // --- MQTT ---------------------------------------------------------------------------------------

  /** Connects the service to the broker: device reports start flowing in, commands can go out. */
  async attach(messaging: DeviceMessaging): Promise<void> {
    this.messaging = messaging;
    await messaging.bus.listen((message) => this.handleMessage(message));
  }

  detach(): void {
    this.messaging = undefined;
  }

  /** Lets another module's things (water meters) connect to the broker with their own secrets. */
  addCredentialSource(source: CredentialSource): void {
    this.credentialSources.push(source);
  }

  /** The broker's check of a connecting device: known, enabled, right secret (or another source's thing). */
  async verifyCredentials(deviceId: string, secret: string): Promise<boolean> {
    if (!isDeviceId(deviceId) || secret.length === 0 || secret.length > 256) return false;
    const row = await this.deps.repository.credentials(deviceId);
    if (!row) {
      for (const source of this.credentialSources) {
        const verdict = await source.verify(deviceId, secret);
        if (verdict !== undefined) return verdict;
      }
      return false;
    }
    if (row.disabled_at) return false;
    return verifyDeviceSecret(secret, row.secret_hash);
  }

  /** One message from a device. Malformed: counted, logged (throttled), no other effect. */
  async handleMessage(message: DeviceMessage): Promise<void> {
    this.counters.received++;
    const { deviceId, channel, payload } = message;
    const now = this.deps.clock.now();
    // An empty retained payload is how a status is cleared (a deleted device): nothing to do.
    if (channel === 'status' && payload.length === 0) return;
    switch (channel) {
      case 'status': {
        const parsed = parseDevicePayload(deviceStatus, payload);
        if (!parsed.ok) return this.reject(deviceId, now, parsed.reason, parsed.detail, channel);
        const status = parsed.value;
        if (status.state === 'offline') {
          const result = await this.deps.repository.markOffline(deviceId, now);
          if (!result) return this.unknown(deviceId, channel);
          if (result.was_online) this.events.emit('device.offline', { deviceId, regionPath: result.region_path, at: now, reason: status.reason ?? 'reported' });
          return;
        }
        const seen = await this.deps.repository.markSeen(deviceId, now, { volume: status.volume, firmware: status.firmware, playing: status.playing ?? null });
        return this.afterSeen(deviceId, seen, now, channel);
      }
      case 'heartbeat': {
        const parsed = parseDevicePayload(deviceHeartbeat, payload);
        if (!parsed.ok) return this.reject(deviceId, now, parsed.reason, parsed.detail, channel);
        const seen = await this.deps.repository.markSeen(deviceId, now, { volume: parsed.value.volume, playing: parsed.value.playing });
        return this.afterSeen(deviceId, seen, now, channel);
      }
      case 'ack': {
        const parsed = parseDevicePayload(deviceAck, payload);
        if (!parsed.ok) return this.reject(deviceId, now, parsed.reason, parsed.detail, channel);
        const ack = parsed.value;
        const seen = await this.deps.repository.markSeen(
          deviceId,
          now,
          ack.state === 'playing' ? { playing: ack.commandId } : ack.state === 'received' ? {} : { finished: ack.commandId },
        );
        await this.afterSeen(deviceId, seen, now, channel);
        if (!seen) return;
        this.counters.acks++;
        this.events.emit('device.ack', { deviceId, regionPath: seen.region_path, commandId: ack.commandId, state: ack.state, reason: ack.reason ?? null, at: now });
        return;
      }
    }
  }

  /** Online devices silent for longer than the heartbeat timeout go offline (the poller's work). */
  async markSilentOffline(): Promise<number> {
    const now = this.deps.clock.now();
    const before = new Date(now.getTime() - this.deps.settings.heartbeatTimeoutSeconds * 1000);
    const rows = await this.deps.repository.markSilentOffline(before, now);
    for (const row of rows) this.events.emit('device.offline', { deviceId: row.id, regionPath: row.region_path, at: now, reason: 'heartbeat_timeout' });
    return rows.length;
  }

  /** The embedded broker has just started: nobody can be connected to it yet. */
  async markAllOffline(reason: string): Promise<number> {
    const now = this.deps.clock.now();
    const rows = await this.deps.repository.markAllOffline(now);
    for (const row of rows) this.events.emit('device.offline', { deviceId: row.id, regionPath: row.region_path, at: now, reason });
    return rows.length;
  }

  /** `id:hash` lines of every enabled device: a Mosquitto password file (add the platform's own line). */
  async mosquittoPasswordLines(): Promise<string[]> {
    const lines = (await this.deps.repository.enabledCredentials()).map((row) => `${row.id}:${row.secret_hash}`);
    for (const source of this.credentialSources) lines.push(...(await source.passwordLines()));
    return lines;
  }

  /** Demo mode only: a speaker with a known secret; skipped when the id exists. */
  async createDemoSpeaker(input: { id: string; name: string; regionCode: string; location: { lon: number; lat: number } | null; secret: string }): Promise<void> {
    const place = await this.deps.regions.placeOf(input.regionCode);
    if (!place) return;
    const now = this.deps.clock.now();
    await this.deps.repository.insert(this.deps.db, {
      id: input.id,
      kind: 'speaker',
      name: input.name,
      region_code: place.region.code,
      region_path: place.region.path,
      lon: input.location?.lon ?? null,
      lat: input.location?.lat ?? null,
      bound_camera_id: null,
      secret_hash: await hashDeviceSecret(input.secret),
      volume: 60,
      reported_volume: null,
      playing_command_id: null,
      firmware: null,
      online: false,
      online_changed_at: null,
      last_seen_at: null,
      last_rejected_at: null,
      last_rejected_reason: null,
      disabled_at: null,
      created_at: now,
      updated_at: now,
    });
  }

  // --- inside ---------------------------------------------------------------------------------------

  private async afterSeen(deviceId: string, seen: Awaited<ReturnType<DevicesRepository['markSeen']>>, now: Date, channel: string): Promise<void> {
    if (!seen) return this.unknown(deviceId, channel);
    if (seen.was_online) return;
    this.events.emit('device.online', { deviceId, regionPath: seen.region_path, at: now });
    // Back online with another volume than the platform wants (changed while it was away): set it.
    if (seen.reported_volume !== null && seen.reported_volume !== seen.volume) await this.trySetVolume(deviceId, seen.volume);
  }

  private async trySetVolume(deviceId: string, volume: number): Promise<void> {
    if (!this.messaging) return;
    try {
      await this.sendCommand(deviceId, { type: 'set-volume', volume });
    } catch (error) {
      this.deps.logger.warn({ err: error, deviceId }, 'devices: could not send the volume');
    }
  }

  private async reject(deviceId: string, now: Date, reason: RejectReason, detail: string, channel: string): Promise<void> {
    const known = await this.deps.repository.recordRejected(deviceId, now, `${channel}: ${reason}: ${detail}`);
    const key = known ? reason : 'unknown_device';
    this.counters.rejected[key] = (this.counters.rejected[key] ?? 0) + 1;
    this.warnThrottled(deviceId, { deviceId, channel, reason, detail }, 'devices: malformed device message ignored');
  }

  private unknown(deviceId: string, channel: string): void {
    this.counters.rejected.unknown_device = (this.counters.rejected.unknown_device ?? 0) + 1;
    this.warnThrottled(deviceId, { deviceId, channel }, 'devices: message from an unknown or disabled device ignored');
  }

  /** At most one warning a minute per device, so a broken device cannot flood the log. */
  private warnThrottled(deviceId: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if ((this.lastWarned.get(deviceId) ?? 0) > now - 60_000) {
      this.deps.logger.debug(fields, message);
      return;
    }
    if (this.lastWarned.size > 10_000) this.lastWarned.clear();
    this.lastWarned.set(deviceId, now);
    this.deps.logger.warn(fields, message);
  }

  private validCommand(input: CommandInput, sentAt: Date): DeviceCommand {
    const parsed = deviceCommand.safeParse({ ...input, id: input.id ?? randomUUID(), sentAt: sentAt.toISOString() });
    if (!parsed.success) {
      throw new AppError('VALIDATION_FAILED', {
        details: parsed.error.issues.map((issue) => ({ field: `command.${issue.path.join('.')}`, message: issue.message, messageEn: issue.message })),
      });
    }
    return parsed.data;
  }

  private async nextSpeakerId(villageCode: string): Promise<string> {
    const prefix = `spk-${villageCode.toLowerCase()}-`;
    const taken = new Set(await this.deps.repository.idsStartingWith(prefix));
    for (let n = 1; ; n++) {
      const id = `${prefix}${String(n).padStart(2, '0')}`;
      if (!taken.has(id)) return id;
    }
  }

  private async readable(actor: Actor, id: string): Promise<DeviceRow> {
    const row = await this.deps.repository.findInScope(actor.scope, id);
    if (!row) throw new AppError('DEVICE_NOT_FOUND');
    return row;
  }

  /** A village or grid within the caller's scope. */
  private async placeFor(actor: Actor, code: string, field: string) {
    const place = await this.deps.regions.placeOf(code);
    if (!place || !isWithin(actor.scope, place.region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: code, en: code } });
    if (place.region.level !== 'village' && place.region.level !== 'grid') {
      throw fieldError(field, '设备应设在一个村或网格', 'a device stands in a village or a grid');
    }
    return place;
  }

  private toView(row: DeviceRow): DeviceView {
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      regionCode: row.region_code,
      regionName: row.region_name,
      location: row.lon === null || row.lat === null ? null : { lon: row.lon, lat: row.lat },
      boundCameraId: row.bound_camera_id,
      volume: row.volume,
      reportedVolume: row.reported_volume,
      playing: row.playing_command_id,
      firmware: row.firmware,
      online: row.online,
      onlineChangedAt: iso(row.online_changed_at),
      lastSeenAt: iso(row.last_seen_at),
      enabled: row.disabled_at === null,
      rejectedMessages: row.rejected_messages,
      lastRejectedAt: iso(row.last_rejected_at),
      lastRejectedReason: row.last_rejected_reason,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  private toDetail(row: DeviceRow): DeviceDetail {
    return { ...this.toView(row), topics: this.topics.all(row.id) };
  }
}
