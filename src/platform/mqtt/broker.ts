import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { samePassword } from './credentials.js';
import type { DeviceTopics } from './topics.js';

/** Who a connection belongs to, decided once at CONNECT. */
type Identity = { kind: 'platform' } | { kind: 'device'; deviceId: string } | { kind: 'integration' };

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0: any free port (tests); read the chosen one from `port`. */
  port: number;
  topics: DeviceTopics;
  /** The platform's own service account (full access under the topic prefix). */
  platform: { username: string; password: string };
  /**
   * An integration that speaks its own topics, e.g. Frigate publishing `frigate/events`: it may
   * publish and subscribe under `prefix/` only, and the platform may subscribe there too.
   */
  integration?: { username: string; password: string; prefix: string };
  /** Checks a device's id and secret (against the devices table). */
  authenticateDevice(deviceId: string, secret: string): Promise<boolean>;
  logger: Logger;
  /** Largest payload a device may publish; bigger ones are refused and the device disconnected. */
  maxDevicePayloadBytes?: number;
}

/** CONNACK return codes of MQTT 3.1.1. */
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function refusal(returnCode: number, message: string) {
  return Object.assign(new Error(message), { returnCode });
}

/**
 * The in-process MQTT broker (aedes; MQTT 3.1.1 only, so clients use protocolVersion 4), used
 * when MQTT_URL is not set. It authenticates every connection (a device by its id and secret,
 * the platform by its service account) and enforces the topic rule of `DeviceTopics`: a device
 * publishes only on its own status/ack/heartbeat topics and subscribes only to its own commands.
 * A device must use its id as its client id, so nobody can take over another device's session.
 */
export class EmbeddedBroker {
  private readonly identities = new WeakMap<Client, Identity>();
  private readonly sockets = new Set<Socket>();
  /** The live connection of each device (a newer one replaces an older one with the same id). */
  private readonly deviceClients = new Map<string, Client>();
  /** Counters since start, for the devices metrics. */
  readonly stats = { connectionsRefused: 0, publishesRefused: 0, subscriptionsRefused: 0 };

  private constructor(
    private readonly aedes: Aedes,
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const { topics, platform, logger } = options;
    const maxPayload = options.maxDevicePayloadBytes ?? 256 * 1024;
    let broker: EmbeddedBroker | undefined;
    const identityOf = (client: Client | null) => (client ? broker?.identities.get(client) : undefined);

    const aedes = await Aedes.createBroker({
      // No limit on messages in flight inside the broker: with a limit (aedes' default 100), a
      // burst of a thousand publishes (every speaker saying goodbye at once) queues in mqemitter,
      // whose queue drains by recursion and overflows the stack, crashing the process.
      concurrency: 0,
      authenticate(client, username, password, done) {
        const secret = password?.toString('utf8') ?? '';
        if (!username) {
          broker!.stats.connectionsRefused++;
          return done(refusal(NOT_AUTHORIZED, 'username required'), false);
        }
        if (username === platform.username) {
          if (!samePassword(secret, platform.password)) {
            broker!.stats.connectionsRefused++;
            logger.warn({ clientId: client.id }, 'mqtt: wrong password for the platform account');
            return done(refusal(BAD_USERNAME_OR_PASSWORD, 'bad username or password'), false);
          }
          broker!.identities.set(client, { kind: 'platform' });
          return done(null, true);
        }
        if (options.integration && username === options.integration.username) {
          if (!samePassword(secret, options.integration.password)) {
            broker!.stats.connectionsRefused++;
            logger.warn({ clientId: client.id }, 'mqtt: wrong password for the integration account');
            return done(refusal(BAD_USERNAME_OR_PASSWORD, 'bad username or password'), false);
          }
          broker!.identities.set(client, { kind: 'integration' });
          return done(null, true);
        }
        if (client.id !== username) {
          broker!.stats.connectionsRefused++;
          logger.warn({ clientId: client.id, username }, 'mqtt: a device must connect with its id as client id');
          return done(refusal(IDENTIFIER_REJECTED, 'client id must be the device id'), false);
        }
        options.authenticateDevice(username, secret).then(
          (ok) => {
            if (!ok) {
              broker!.stats.connectionsRefused++;
              logger.warn({ deviceId: username }, 'mqtt: device refused (unknown, disabled or wrong secret)');
              return done(refusal(BAD_USERNAME_OR_PASSWORD, 'bad username or password'), false);
            }
            broker!.identities.set(client, { kind: 'device', deviceId: username });
            broker!.track(username, client);
            done(null, true);
          },
          (error: unknown) => {
            logger.error({ err: error, deviceId: username }, 'mqtt: device authentication failed');
            done(refusal(3, 'server unavailable'), false);
          },
        );
      },

      authorizePublish(client, packet, done) {
        const identity = identityOf(client);
        if (identity?.kind === 'platform' && packet.topic.startsWith(`${topics.prefix}/`)) return done(null);
        if (identity?.kind === 'integration' && packet.topic.startsWith(`${options.integration!.prefix}/`)) return done(null);
        if (
          identity?.kind === 'device' &&
          topics.devicePublishAllowed(identity.deviceId, packet.topic, packet.retain) &&
          (packet.payload?.length ?? 0) <= maxPayload
        ) {
          return done(null);
        }
        broker!.stats.publishesRefused++;
        logger.warn({ clientId: client?.id, topic: packet.topic.slice(0, 200), retain: packet.retain }, 'mqtt: publish refused; disconnecting');
        // MQTT 3.1.1 cannot refuse a PUBLISH: aedes closes the connection instead.
        done(new Error('not authorized to publish here'));
      },

      authorizeSubscribe(client, subscription, done) {
        const identity = identityOf(client);
        const filter = subscription.topic;
        const integrationPrefix = options.integration ? `${options.integration.prefix}/` : undefined;
        const allowed =
          identity?.kind === 'platform'
            ? filter.startsWith(`${topics.prefix}/`) || (integrationPrefix !== undefined && filter.startsWith(integrationPrefix))
            : identity?.kind === 'integration'
              ? filter.startsWith(integrationPrefix!)
              : identity?.kind === 'device' && topics.deviceSubscribeAllowed(identity.deviceId, filter);
        if (allowed) return done(null, subscription);
        broker!.stats.subscriptionsRefused++;
        logger.warn({ clientId: client.id, filter: filter.slice(0, 200) }, 'mqtt: subscription refused');
        // null: SUBACK 0x80 (failure) for this filter; the connection stays open.
        done(null, null);
      },
    });
    aedes.on('clientError', (client, error) => logger.debug({ clientId: client.id, err: error }, 'mqtt: client error'));
    aedes.on('connectionError', (client, error) => logger.debug({ clientId: client.id, err: error }, 'mqtt: connection error'));

    const server = createServer((socket) => {
      broker?.sockets.add(socket);
      socket.once('close', () => broker?.sockets.delete(socket));
      aedes.handle(socket);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw error;
    }
    broker = new EmbeddedBroker(aedes, server, (server.address() as AddressInfo).port);
    logger.info({ host: options.host, port: broker.port }, 'mqtt: embedded broker listening');
    return broker;
  }

  /** Remembers a device's connection until its socket closes (a newer one replaces it). */
  private track(deviceId: string, client: Client): void {
    this.deviceClients.set(deviceId, client);
    client.conn.once('close', () => {
      if (this.deviceClients.get(deviceId) === client) this.deviceClients.delete(deviceId);
    });
  }

  get connectedClients(): number {
    return this.aedes.connectedClients;
  }

  /** Closes a device's connection (disabled, deleted, secret rotated); its last will is published. */
  disconnect(deviceId: string): boolean {
    const client = this.deviceClients.get(deviceId);
    if (!client) return false;
    this.deviceClients.delete(deviceId);
    client.close();
    return true;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
