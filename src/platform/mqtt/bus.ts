import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { connectAsync, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { type DeviceChannel, deviceChannels, type DeviceTopics } from './topics.js';

export interface DeviceMessage {
  deviceId: string;
  channel: DeviceChannel;
  payload: Buffer;
  /** True for a retained message the broker replays at subscription (a device's last status). */
  retained: boolean;
}

export type DeviceMessageHandler = (message: DeviceMessage) => Promise<void>;

/** A water meter's readings message (`<prefix>/meters/<id>/readings`). */
export type MeterMessageHandler = (meterId: string, payload: Buffer) => Promise<void>;

export interface MqttBusOptions {
  url: string;
  username: string;
  password?: string;
  topics: DeviceTopics;
  /**
   * Shared subscription group (`$share/<group>/…`), so several platform processes split device
   * traffic between them; undefined where the broker has none (aedes).
   */
  shareGroup?: string;
  logger: Logger;
  /** Device messages handled at once before the bus stops reading from the broker (default 500). */
  maxInFlight?: number;
}

/**
 * The platform's own MQTT client: commands out (QoS 1), device reports in. Messages of one device
 * are handled in order, different devices concurrently, and no more than `maxInFlight` at a time
 * (beyond that the client stops acknowledging, and so reading, until some finish).
 */
export class MqttBus {
  private handler: DeviceMessageHandler | undefined;
  private meterHandler: MeterMessageHandler | undefined;
  /** Handlers of other systems' topics (e.g. Frigate's events), by exact topic. */
  private readonly topicHandlers = new Map<string, (payload: Buffer) => Promise<void>>();
  private topicChain: Promise<void> = Promise.resolve();
  private readonly chains = new Map<string, Promise<void>>();
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  readonly stats = { received: 0, published: 0, handlerErrors: 0 };

  private constructor(
    private readonly client: MqttClient,
    private readonly options: MqttBusOptions,
  ) {
    client.handleMessage = (packet, done) => this.dispatch(packet, done);
    client.on('error', (error) => options.logger.warn({ err: error }, 'mqtt: platform client error'));
    client.on('offline', () => options.logger.warn('mqtt: platform client lost the broker; reconnecting'));
    client.on('connect', () => options.logger.debug('mqtt: platform client connected'));
  }

  static async connect(options: MqttBusOptions): Promise<MqttBus> {
    const clientOptions: IClientOptions = {
      // aedes speaks MQTT 3.1.1 only; Mosquitto and EMQX speak it too.
      protocolVersion: 4,
      clientId: `${options.username}-${hostname().replace(/[^A-Za-z0-9_-]/g, '').slice(0, 20)}-${process.pid}-${randomBytes(3).toString('hex')}`,
      username: options.username,
      password: options.password,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      resubscribe: true,
    };
    const client = await connectAsync(options.url, clientOptions, false);
    return new MqttBus(client, options);
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /**
   * Starts receiving device reports. With a share group, first reads the retained statuses with
   * a plain subscription (brokers give none to shared subscriptions), then leaves it.
   */
  async listen(handler: DeviceMessageHandler): Promise<void> {
    this.handler = handler;
    const { topics, shareGroup } = this.options;
    const filter = (channel: DeviceChannel) => (shareGroup ? `$share/${shareGroup}/${topics.everyDevice(channel)}` : topics.everyDevice(channel));
    const granted = await this.client.subscribeAsync(Object.fromEntries(deviceChannels.map((c) => [filter(c), { qos: c === 'heartbeat' ? 0 : 1 }])));
    const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
    if (refused.length > 0) throw new Error(`the MQTT broker refused the platform's subscriptions: ${refused.join(', ')}`);
    if (shareGroup) {
      const statuses = topics.everyDevice('status');
      await this.client.subscribeAsync(statuses, { qos: 1 });
      // Retained messages follow the SUBACK at once; a status seen twice in the meantime is harmless.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await this.client.unsubscribeAsync(statuses);
    }
  }

  /**
   * Starts receiving water meters' readings (shared between platform processes like device
   * traffic); one meter's messages are handled in order, like a device's.
   */
  async listenMeters(handler: MeterMessageHandler): Promise<void> {
    this.meterHandler = handler;
    const topic = this.options.topics.everyMeter();
    const filter = this.options.shareGroup ? `$share/${this.options.shareGroup}/${topic}` : topic;
    const granted = await this.client.subscribeAsync(filter, { qos: 1 });
    if (granted.some((g) => g.qos === 128)) throw new Error(`the MQTT broker refused the platform's subscription to ${topic}`);
  }

  /**
   * Receives another system's messages on one topic (QoS 1, in order; shared between platform
   * processes like device traffic). A handler's failure is logged, never fatal.
   */
  async subscribeTopic(topic: string, handler: (payload: Buffer) => Promise<void>): Promise<void> {
    this.topicHandlers.set(topic, handler);
    const filter = this.options.shareGroup ? `$share/${this.options.shareGroup}/${topic}` : topic;
    const granted = await this.client.subscribeAsync(filter, { qos: 1 });
    if (granted.some((g) => g.qos === 128)) throw new Error(`the MQTT broker refused the platform's subscription to ${topic}`);
  }

  /** Publishes and waits for the broker's PUBACK (QoS 1). */
  async publish(topic: string, payload: string | Buffer, options: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    if (this.closed) throw new Error('the MQTT bus is closed');
    await this.client.publishAsync(topic, payload, { qos: options.qos ?? 1, retain: options.retain ?? false });
    this.stats.published++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.endAsync();
    await Promise.all([...this.chains.values()]);
    for (const resume of this.waiting.splice(0)) resume();
  }

  private dispatch(packet: IPublishPacket, done: (error?: Error) => void): void {
    const topicHandler = this.topicHandlers.get(packet.topic);
    if (topicHandler) {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      this.stats.received++;
      this.topicChain = this.topicChain
        .then(() => topicHandler(payload))
        .catch((error: unknown) => {
          this.stats.handlerErrors++;
          this.options.logger.error({ err: error, topic: packet.topic }, 'mqtt: topic handler failed');
        });
      done();
      return;
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const meterId = this.options.topics.parseMeter(packet.topic);
    if (meterId !== undefined && this.meterHandler) {
      const handler = this.meterHandler;
      this.stats.received++;
      this.inOrder(`meter:${meterId}`, () => handler(meterId, payload), { meterId }, done);
      return;
    }
    const parsed = this.options.topics.parse(packet.topic);
    if (!parsed || parsed.kind === 'cmd' || !this.handler) {
      done();
      return;
    }
    this.stats.received++;
    const message: DeviceMessage = { deviceId: parsed.deviceId, channel: parsed.kind, payload, retained: packet.retain };
    const handler = this.handler;
    this.inOrder(message.deviceId, () => handler(message), { deviceId: message.deviceId, channel: message.channel }, done);
  }

  /** Runs `work` after the previous work of the same key; acknowledges at once unless too much is in hand. */
  private inOrder(key: string, work: () => Promise<void>, context: Record<string, unknown>, done: (error?: Error) => void): void {
    this.inFlight++;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(work)
      .catch((error: unknown) => {
        this.stats.handlerErrors++;
        this.options.logger.error({ err: error, ...context }, 'mqtt: device message handler failed');
      })
      .finally(() => {
        this.inFlight--;
        if (this.chains.get(key) === next) this.chains.delete(key);
        this.waiting.shift()?.();
      });
    this.chains.set(key, next);
    if (this.inFlight < (this.options.maxInFlight ?? 500)) done();
    else this.waiting.push(() => done());
  }
}
