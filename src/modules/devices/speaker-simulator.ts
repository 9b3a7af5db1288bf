import { EventEmitter } from 'node:events';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { DeviceTopics } from '../../platform/mqtt/topics.js';
import { audioInfo } from './audio-duration.js';
import { type AckState, type DeviceCommand, deviceCommand, type PlayCommand } from './device-protocol.js';

export interface SimulatedSpeakerConfig {
  id: string;
  secret: string;
  name?: string;
}

export interface SpeakerSimulatorOptions {
  /** The broker devices connect to, e.g. mqtt://127.0.0.1:1883. */
  url: string;
  topicPrefix: string;
  logger: Logger;
  /** Seconds between heartbeats (default 30). */
  heartbeatSeconds?: number;
  /** 1 plays in real time; 0.1 ten times faster (tests). */
  timeScale?: number;
  fetchTimeoutMs?: number;
  maxAudioBytes?: number;
  initialVolume?: number;
  /** Milliseconds between reconnection attempts after the broker is lost (default 2000). */
  reconnectPeriodMs?: number;
}

export interface AckRecord {
  commandId: string;
  state: AckState;
  reason?: string;
}

export interface PlayRecord {
  commandId: string;
  url: string;
  seconds: number;
  priority: number;
  outcome: 'finished' | 'stopped' | 'interrupted' | 'offline' | 'playing';
}

interface Playing {
  command: PlayCommand;
  seconds: number;
  timer: NodeJS.Timeout;
  record: PlayRecord;
}

interface Pending {
  command: PlayCommand;
  abort: AbortController;
}

const OFFLINE_WILL = JSON.stringify({ state: 'offline', reason: 'connection_lost' });

/**
 * One virtual loudspeaker pillar speaking the device protocol of docs/devices.md over a real
 * MQTT connection: status (retained) with a last will, heartbeats, commands, acks. A play fetches
 * the audio over HTTP and lasts the file's real duration. Events: 'ack' (AckRecord), 'played'
 * (PlayRecord), 'command' (DeviceCommand), 'online', 'offline'.
 */
export class VirtualSpeaker extends EventEmitter {
  readonly name: string;
  volume: number;
  private client: MqttClient | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private current: Playing | undefined;
  private pending: Pending | undefined;
  private readonly startedAt = Date.now();
  private readonly topics: Record<'cmd' | 'status' | 'ack' | 'heartbeat', string>;
  /** The last 100 plays, newest last. */
  readonly plays: PlayRecord[] = [];
  /** The last 200 acks sent, newest last. */
  readonly acks: AckRecord[] = [];

  constructor(
    readonly id: string,
    private secret: string,
    private readonly options: SpeakerSimulatorOptions,
    name?: string,
  ) {
    super();
    this.name = name ?? id;
    this.volume = options.initialVolume ?? 60;
    this.topics = new DeviceTopics(options.topicPrefix).all(id);
  }

  get online(): boolean {
    return this.client?.connected ?? false;
  }

  /** What it plays now: the command id, or null. */
  get playing(): string | null {
    return this.current?.command.id ?? null;
  }

  /** Connects (clean session, last will `offline`), subscribes to its commands, says it is online. */
  async connect(secret = this.secret): Promise<void> {
    if (this.client) return;
    this.secret = secret;
    const client = connect(this.options.url, {
      protocolVersion: 4,
      clientId: this.id,
      username: this.id,
      password: secret,
      clean: true,
      keepalive: 30,
      reconnectPeriod: this.options.reconnectPeriodMs ?? 2000,
      connectTimeout: 10_000,
      will: { topic: this.topics.status, payload: Buffer.from(OFFLINE_WILL), qos: 1, retain: true },
    });
    this.client = client;
    client.on('message', (_topic, payload) => this.onCommand(payload));
    client.on('connect', () => {
      void this.announce(client);
    });
    client.on('error', (error) => this.options.logger.debug({ speaker: this.id, err: error }, 'simulator: connection error'));
    try {
      await new Promise<void>((resolve, reject) => {
        const onConnect = () => {
          client.off('error', onError);
          resolve();
        };
        const onError = (error: Error) => {
          client.off('connect', onConnect);
          reject(error);
        };
        client.once('connect', onConnect);
        client.once('error', onError);
      });
    } catch (error) {
      this.client = undefined;
      client.end(true);
      throw error;
    }
  }

  /**
   * Goes offline. Graceful: says so (retained status), then disconnects. Otherwise the connection
   * just drops, as when the power is cut, and the broker publishes the last will.
   */
  async goOffline(options: { graceful?: boolean } = {}): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (options.graceful && client.connected) {
      this.abandon('stopped', 'shutdown', client);
      await client.publishAsync(this.topics.status, JSON.stringify({ state: 'offline', reason: 'shutdown' }), { qos: 1, retain: true }).catch(() => undefined);
      await client.endAsync().catch(() => undefined);
    } else {
      this.abandon('offline', undefined, undefined);
      await client.endAsync(true).catch(() => undefined);
    }
    this.options.logger.info({ speaker: this.id, graceful: options.graceful ?? false }, `simulator: ${this.name} offline`);
    this.emit('offline');
  }

  /** Publishes raw bytes on one of its own topics (tests: malformed messages). */
  async publishRaw(kind: 'status' | 'ack' | 'heartbeat', payload: string | Buffer, retain = false): Promise<void> {
    if (!this.client) throw new Error(`${this.id} is offline`);
    await this.client.publishAsync(this.topics[kind], payload, { qos: 1, retain });
  }

  private async announce(client: MqttClient): Promise<void> {
    try {
      await client.subscribeAsync(this.topics.cmd, { qos: 1 });
      await this.publishStatus(client);
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => {
        const beat = { uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000), volume: this.volume, playing: this.playing };
        client.publish(this.topics.heartbeat, JSON.stringify(beat), { qos: 0 }, () => undefined);
      }, (this.options.heartbeatSeconds ?? 30) * 1000);
      this.heartbeat.unref();
      this.emit('online');
    } catch (error) {
      this.options.logger.warn({ speaker: this.id, err: error }, 'simulator: could not announce itself');
    }
  }

  /** Publishes its status (retained); a connection lost meanwhile is no error (the will speaks). */
  private async publishStatus(client = this.client): Promise<void> {
    if (!client?.connected) return;
    const status = { state: 'online', volume: this.volume, playing: this.playing, firmware: 'shuxiang-sim/1' };
    await client.publishAsync(this.topics.status, JSON.stringify(status), { qos: 1, retain: true }).catch((error: unknown) => {
      this.options.logger.debug({ speaker: this.id, err: error }, 'simulator: status not sent');
    });
  }

  private ack(commandId: string, state: AckState, reason?: string): void {
    const record: AckRecord = reason ? { commandId, state, reason } : { commandId, state };
    this.acks.push(record);
    if (this.acks.length > 200) this.acks.shift();
    this.emit('ack', record);
    // Lost with the connection if it drops first, as on a real device.
    this.client?.publish(this.topics.ack, JSON.stringify({ ...record, at: new Date().toISOString() }), { qos: 1 }, () => undefined);
  }

  private onCommand(payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      this.options.logger.warn({ speaker: this.id }, 'simulator: a command that is not JSON; ignored');
      return;
    }
    const parsed = deviceCommand.safeParse(json);
    if (!parsed.success) {
      const id = (json as { id?: unknown } | null)?.id;
      this.options.logger.warn({ speaker: this.id, issues: parsed.error.issues.slice(0, 3) }, 'simulator: an invalid command');
      if (typeof id === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(id)) {
        this.ack(id, 'received');
        this.ack(id, 'failed', 'invalid_command');
      }
      return;
    }
    const command: DeviceCommand = parsed.data;
    this.emit('command', command);
    this.ack(command.id, 'received');
    switch (command.type) {
      case 'play':
        void this.play(command);
        return;
      case 'stop': {
        const target = command.target;
        if (this.pending && (!target || this.pending.command.id === target)) this.cancelPending('stopped');
        if (this.current && (!target || this.current.command.id === target)) this.endCurrent('stopped');
        this.ack(command.id, 'finished');
        void this.publishStatus();
        return;
      }
      case 'set-volume':
        this.volume = command.volume;
        this.options.logger.info({ speaker: this.id, volume: command.volume }, `simulator: ${this.name} volume ${command.volume}`);
        this.ack(command.id, 'finished');
        void this.publishStatus();
        return;
    }
  }

  private async play(command: PlayCommand): Promise<void> {
    if (command.expiresAt && Date.parse(command.expiresAt) < Date.now()) return this.ack(command.id, 'failed', 'expired');
    const active = this.pending?.command ?? this.current?.command;
    if (active && active.priority > command.priority) return this.ack(command.id, 'failed', `busy: playing priority ${active.priority}`);
    if (this.pending) this.cancelPending('interrupted');
    const pending: Pending = { command, abort: new AbortController() };
    this.pending = pending;
    let seconds: number;
    try {
      seconds = await this.fetchDuration(command.url, pending.abort.signal);
    } catch (error) {
      if (this.pending !== pending) return; // superseded or stopped meanwhile, and already acknowledged
      this.pending = undefined;
      const reason = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ speaker: this.id, url: command.url, reason }, `simulator: ${this.name} cannot play`);
      return this.ack(command.id, 'failed', reason.slice(0, 200));
    }
    if (this.pending !== pending) return;
    this.pending = undefined;
    if (this.current) this.endCurrent('interrupted');
    const repeat = command.repeat ?? 1;
    const total = seconds * repeat;
    const record: PlayRecord = { commandId: command.id, url: command.url, seconds: total, priority: command.priority, outcome: 'playing' };
    const timer = setTimeout(() => this.endCurrent('finished'), total * 1000 * (this.options.timeScale ?? 1));
    this.current = { command, seconds: total, timer, record };
    this.plays.push(record);
    if (this.plays.length > 100) this.plays.shift();
    this.ack(command.id, 'playing');
    void this.publishStatus();
    this.options.logger.info(
      { speaker: this.id, commandId: command.id, url: command.url, seconds: Math.round(total * 10) / 10, priority: command.priority, volume: command.volume ?? this.volume },
      `simulator: ${this.name} plays ${Math.round(total * 10) / 10} s${command.text ? `: “${command.text}”` : ''}`,
    );
  }

  private endCurrent(outcome: 'finished' | 'stopped' | 'interrupted'): void {
    const current = this.current;
    if (!current) return;
    clearTimeout(current.timer);
    this.current = undefined;
    current.record.outcome = outcome;
    if (outcome === 'finished') this.ack(current.command.id, 'finished');
    else this.ack(current.command.id, 'failed', outcome);
    this.emit('played', current.record);
    if (outcome === 'finished') void this.publishStatus();
  }

  private cancelPending(reason: 'stopped' | 'interrupted'): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    pending.abort.abort();
    this.ack(pending.command.id, 'failed', reason);
  }

  /** Drops what it was doing: acks it (graceful) or goes silent (the power is cut). */
  private abandon(outcome: 'stopped' | 'offline', reason: string | undefined, client: MqttClient | undefined): void {
    if (this.pending) {
      this.pending.abort.abort();
      if (client) this.ack(this.pending.command.id, 'failed', reason);
      this.pending = undefined;
    }
    if (this.current) {
      clearTimeout(this.current.timer);
      this.current.record.outcome = outcome;
      if (client) this.ack(this.current.command.id, 'failed', reason);
      this.emit('played', this.current.record);
      this.current = undefined;
    }
  }

  private async fetchDuration(url: string, signal: AbortSignal): Promise<number> {
    const timeout = AbortSignal.timeout(this.options.fetchTimeoutMs ?? 15_000);
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.any([signal, timeout]) });
    } catch (error) {
      throw new Error(`fetch_failed: ${(error as Error).name === 'TimeoutError' ? 'timeout' : ((error as Error).message ?? 'network error')}`);
    }
    if (!response.ok) throw new Error(`fetch_failed: HTTP ${response.status}`);
    const max = this.options.maxAudioBytes ?? 50 * 1024 * 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += (chunk as Uint8Array).length;
      if (size > max) throw new Error('fetch_failed: too large');
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    const info = audioInfo(Buffer.concat(chunks));
    if (!info) throw new Error('unsupported_audio');
    return info.seconds;
  }
}

/** Many virtual speakers at once (the demo's, or a bench's thousand). */
export class SpeakerSimulator {
  readonly speakers = new Map<string, VirtualSpeaker>();

  constructor(
    configs: SimulatedSpeakerConfig[],
    private readonly options: SpeakerSimulatorOptions,
  ) {
    for (const config of configs) this.speakers.set(config.id, new VirtualSpeaker(config.id, config.secret, options, config.name));
  }

  speaker(id: string): VirtualSpeaker {
    const speaker = this.speakers.get(id);
    if (!speaker) throw new Error(`no simulated speaker ${id}`);
    return speaker;
  }

  /** Connects every speaker, `concurrency` at a time; returns the ids that could not connect. */
  async start(concurrency = 50): Promise<{ connected: number; failed: { id: string; error: string }[] }> {
    const queue = [...this.speakers.values()];
    const failed: { id: string; error: string }[] = [];
    let connected = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let speaker = queue.shift(); speaker; speaker = queue.shift()) {
          try {
            await speaker.connect();
            connected++;
          } catch (error) {
            failed.push({ id: speaker.id, error: (error as Error).message });
          }
        }
      }),
    );
    this.options.logger.info({ connected, failed: failed.length, url: this.options.url }, 'simulator: speakers connected');
    return { connected, failed };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.speakers.values()].map((speaker) => speaker.goOffline({ graceful: true })));
  }
}
