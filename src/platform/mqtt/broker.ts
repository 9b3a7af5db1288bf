import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { samePassword } from './credentials.js';
import {
  type BrokerLimits,
  DEFAULT_BROKER_LIMITS,
  MAX_CLIENT_ID_LENGTH,
  MAX_PASSWORD_BYTES,
  MAX_PRE_AUTH_BYTES,
  MAX_USERNAME_LENGTH,
} from './limits.js';
import { type GateRefusal, PacketGate } from './packet-gate.js';
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
  /** A second listener for MQTT over TLS (1.2 or later) on `host`: the same accounts, ACL and limits. Port 0: any free port. */
  tls?: { port: number; certFile: string; keyFile: string };
  /** Packet size, connections waiting to authenticate, time to authenticate (defaults: `DEFAULT_BROKER_LIMITS`). */
  limits?: Partial<BrokerLimits>;
}

/** The host's own clients (the platform, the demo's simulators) connect from here: not limited per address. */
const HOST_ITSELF = new Set(['127.0.0.1', '::1']);

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) is 1.2.3.4. */
function addressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

const hostForUrl = (host: string) => (host.includes(':') ? `[${host}]` : host);

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
 *
 * Before aedes sees a byte, every connection passes a `PacketGate` (packet sizes; at most
 * `MAX_PRE_AUTH_BYTES` before authentication), and connections still waiting to authenticate are
 * limited per address and in all, and closed after `connectTimeoutMs`.
 */
export class EmbeddedBroker {
  private readonly identities = new WeakMap<Client, Identity>();
  private readonly sockets = new Set<Socket>();
  /** The live connection of each device (a newer one replaces an older one with the same id). */
  private readonly deviceClients = new Map<string, Client>();
  /** Connections still waiting to authenticate, per remote address and in all. */
  private readonly pendingByAddress = new Map<string, number>();
  private pending = 0;
  /** What a connection's successful authentication must do: lift its gate's limits, free its pending slot. */
  private readonly onAuthenticated = new WeakMap<object, () => void>();
  private readonly lastWarned = new Map<string, { at: number; suppressed: number }>();
  /** Counters since start, for the devices metrics. */
  readonly stats = {
    connectionsRefused: 0,
    publishesRefused: 0,
    subscriptionsRefused: 0,
    /** Closed before authenticating: too many waiting from the address or in all. */
    connectionsLimited: 0,
    /** Closed for not authenticating within the connect timeout. */
    connectTimeouts: 0,
    /** Closed at a packet header announcing too much, or for sending too much before authenticating. */
    oversizedRefused: 0,
  };
  private readonly limits: BrokerLimits;
  private readonly servers: Server[] = [];
  private aedes!: Aedes;
  private ports: { plain: number; tls?: number } = { plain: 0 };

  private constructor(private readonly options: EmbeddedBrokerOptions) {
    this.limits = { ...DEFAULT_BROKER_LIMITS, ...options.limits };
  }

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const broker = new EmbeddedBroker(options);
    // Read before anything listens, so a bad certificate stops the start with nothing to undo.
    const secureContext = options.tls ? loadSecureContext(options.tls) : undefined;
    broker.aedes = await broker.createAedes();
    try {
      broker.ports.plain = await broker.listen(options.port, undefined);
      if (options.tls) broker.ports.tls = await broker.listen(options.tls.port, secureContext);
    } catch (error) {
      await broker.close();
      throw error;
    }
    options.logger.info({ host: options.host, port: broker.port, tlsPort: broker.tlsPort }, 'mqtt: embedded broker listening');
    return broker;
  }

  private createAedes(): Promise<Aedes> {
    const { topics, platform, logger } = this.options;
    const options = this.options;
    const maxPayload = options.maxDevicePayloadBytes ?? 256 * 1024;
    const identityOf = (client: Client | null) => (client ? this.identities.get(client) : undefined);
    const refuse = (returnCode: number, message: string) => {
      this.stats.connectionsRefused++;
      return refusal(returnCode, message);
    };
    const admit = (client: Client, identity: Identity) => {
      this.identities.set(client, identity);
      this.onAuthenticated.get(client.conn)?.();
    };

    return Aedes.createBroker({
      // No limit on messages in flight inside the broker: with a limit (aedes' default 100), a
      // burst of a thousand publishes (every speaker saying goodbye at once) queues in mqemitter,
      // whose queue drains by recursion and overflows the stack, crashing the process.
      concurrency: 0,
      authenticate: (client, username, password, done) => {
        const secret = password?.toString('utf8') ?? '';
        if (!username) return done(refuse(NOT_AUTHORIZED, 'username required'), false);
        // Checked before any lookup; longer than any account has (device ids ≤ 64, secrets ≤ 128).
        if (client.id.length > MAX_CLIENT_ID_LENGTH) return done(refuse(IDENTIFIER_REJECTED, 'client id too long'), false);
        if (username.length > MAX_USERNAME_LENGTH || (password?.length ?? 0) > MAX_PASSWORD_BYTES) {
          return done(refuse(BAD_USERNAME_OR_PASSWORD, 'bad username or password'), false);
        }
        if (username === platform.username) {
          if (!samePassword(secret, platform.password)) {
            logger.warn({ clientId: client.id }, 'mqtt: wrong password for the platform account');
            return done(refuse(BAD_USERNAME_OR_PASSWORD, 'bad username or password'), false);
          }
          admit(client, { kind: 'platform' });
          return done(null, true);
        }
        if (options.integration && username === options.integration.username) {
          if (!samePassword(secret, options.integration.password)) {
            logger.warn({ clientId: client.id }, 'mqtt: wrong password for the integration account');
            return done(refuse(BAD_USERNAME_OR_PASSWORD, 'bad username or password'), false);
          }
          admit(client, { kind: 'integration' });
          return done(null, true);
        }
        if (client.id !== username) {
          logger.warn({ clientId: client.id, username }, 'mqtt: a device must connect with its id as client id');
          return done(refuse(IDENTIFIER_REJECTED, 'client id must be the device id'), false);
        }
        options.authenticateDevice(username, secret).then(
          (ok) => {
            if (!ok) {
              logger.warn({ deviceId: username }, 'mqtt: device refused (unknown, disabled or wrong secret)');
              return done(refuse(BAD_USERNAME_OR_PASSWORD, 'bad username or password'), false);
            }
            admit(client, { kind: 'device', deviceId: username });
            this.track(username, client);
            done(null, true);
          },
          (error: unknown) => {
            logger.error({ err: error, deviceId: username }, 'mqtt: device authentication failed');
            done(refusal(3, 'server unavailable'), false);
          },
        );
      },

      authorizePublish: (client, packet, done) => {
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
        this.stats.publishesRefused++;
        logger.warn({ clientId: client?.id, topic: packet.topic.slice(0, 200), retain: packet.retain }, 'mqtt: publish refused; disconnecting');
        // MQTT 3.1.1 cannot refuse a PUBLISH: aedes closes the connection instead.
        done(new Error('not authorized to publish here'));
      },

      authorizeSubscribe: (client, subscription, done) => {
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
        this.stats.subscriptionsRefused++;
        logger.warn({ clientId: client.id, filter: filter.slice(0, 200) }, 'mqtt: subscription refused');
        // null: SUBACK 0x80 (failure) for this filter; the connection stays open.
        done(null, null);
      },
    }).then((aedes) => {
      aedes.on('clientError', (client, error) => logger.debug({ clientId: client.id, err: error }, 'mqtt: client error'));
      aedes.on('connectionError', (client, error) => logger.debug({ clientId: client.id, err: error }, 'mqtt: connection error'));
      return aedes;
    });
  }

  private async listen(port: number, secureContext: SecureContext | undefined): Promise<number> {
    const server = createServer((socket) => this.accept(socket, secureContext));
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /**
   * A new TCP connection: refused when too many wait to authenticate (from its address or in all);
   * otherwise (TLS, then) the packet gate, then aedes, with a deadline to authenticate.
   */
  private accept(socket: Socket, secureContext: SecureContext | undefined): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined); // reported through the gate, or irrelevant once refused
    const address = addressOf(socket);
    const fromAddress = this.pendingByAddress.get(address) ?? 0;
    if (this.pending >= this.limits.maxPending || (!HOST_ITSELF.has(address) && fromAddress >= this.limits.maxPendingPerIp)) {
      this.stats.connectionsLimited++;
      this.warnThrottled(
        'pending',
        { address, waitingFromAddress: fromAddress, waiting: this.pending, limits: { perAddress: this.limits.maxPendingPerIp, total: this.limits.maxPending } },
        'mqtt: too many connections waiting to authenticate; connection refused',
      );
      socket.destroy();
      return;
    }
    this.pending++;
    this.pendingByAddress.set(address, fromAddress + 1);
    let waiting = true;
    const stopWaiting = () => {
      if (!waiting) return;
      waiting = false;
      clearTimeout(deadline);
      this.pending--;
      const left = (this.pendingByAddress.get(address) ?? 1) - 1;
      if (left > 0) this.pendingByAddress.set(address, left);
      else this.pendingByAddress.delete(address);
    };
    socket.once('close', stopWaiting);

    const stream = secureContext ? new TLSSocket(socket, { isServer: true, secureContext }) : socket;
    const gate = new PacketGate(stream, {
      preAuthBytes: MAX_PRE_AUTH_BYTES,
      maxPacketBytes: this.limits.maxPacketBytes,
      onRefused: (refusal: GateRefusal) => {
        this.stats.oversizedRefused++;
        this.warnThrottled(refusal.reason, { address, ...refusal, bytesRead: socket.bytesRead }, 'mqtt: packet too large or too much before authentication; connection closed');
      },
    });
    const deadline = setTimeout(() => {
      this.stats.connectTimeouts++;
      this.options.logger.debug({ address }, 'mqtt: not authenticated in time; connection closed');
      gate.destroy();
    }, this.limits.connectTimeoutMs);
    this.onAuthenticated.set(gate, () => {
      stopWaiting();
      gate.authenticated();
    });
    this.aedes.handle(gate);
  }

  /** At most one warning per kind every 10 s: a flood of bad connections must not flood the log. */
  private warnThrottled(kind: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const last = this.lastWarned.get(kind);
    if (last && now - last.at < 10_000) {
      last.suppressed++;
      return;
    }
    this.options.logger.warn({ ...fields, suppressedBefore: last?.suppressed ?? 0 }, message);
    this.lastWarned.set(kind, { at: now, suppressed: 0 });
  }

  /** Remembers a device's connection until its socket closes (a newer one replaces it). */
  private track(deviceId: string, client: Client): void {
    this.deviceClients.set(deviceId, client);
    client.conn.once('close', () => {
      if (this.deviceClients.get(deviceId) === client) this.deviceClients.delete(deviceId);
    });
  }

  /** The plain listener's port (the chosen one when asked for 0). */
  get port(): number {
    return this.ports.plain;
  }

  /** The TLS listener's port, when there is one. */
  get tlsPort(): number | undefined {
    return this.ports.tls;
  }

  get connectedClients(): number {
    return this.aedes.connectedClients;
  }

  /** Connections accepted and not yet authenticated (TLS handshake, CONNECT or its check under way). */
  get waitingToAuthenticate(): number {
    return this.pending;
  }

  /** Where devices reach this broker, for the start banner; `advertised`: MQTT_DEVICE_URL. */
  describeListeners(advertised?: string): string {
    const host = this.options.host;
    const everywhere = host === '0.0.0.0' || host === '::';
    const where = everywhere ? '<本机地址 this host>' : hostForUrl(host);
    const urls = [`mqtt://${where}:${this.port}`, ...(this.tlsPort === undefined ? [] : [`mqtts://${where}:${this.tlsPort}`])];
    const loopbackOnly = host === 'localhost' || host === '::1' || host.startsWith('127.');
    const note = loopbackOnly ? ' — 仅本机 this computer only (devices on the network: MQTT_HOST=0.0.0.0)' : everywhere ? ' — 所有网卡 every interface' : '';
    return `${urls.join(', ')}${note}${advertised ? `; devices are told 告知设备 ${advertised}` : ''}`;
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
    if (this.aedes) await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.filter((server) => server.listening).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** The TLS listener's certificate and key, or an error naming the files. */
function loadSecureContext(tls: { certFile: string; keyFile: string }): SecureContext {
  try {
    return createSecureContext({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), minVersion: 'TLSv1.2' });
  } catch (error) {
    throw new Error(`MQTT TLS: cannot use the certificate ${tls.certFile} with the key ${tls.keyFile}: ${(error as Error).message}`);
  }
}
