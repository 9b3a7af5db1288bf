import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { EmbeddedBroker } from '../../platform/mqtt/broker.js';
import { MqttBus } from '../../platform/mqtt/bus.js';
import { demoSpeakers } from './demo-speakers.js';
import type { DevicesService } from './devices.service.js';
import { SpeakerSimulator } from './speaker-simulator.js';

export interface DeviceMessagingHandle {
  bus: MqttBus;
  broker?: EmbeddedBroker;
  /** The address devices (and the simulator) connect to. */
  deviceUrl: string;
  simulator?: SpeakerSimulator;
  close(): Promise<void>;
}

/** `mqtt://user:pass@host:1883` → the URL without credentials, and the credentials. */
export function splitCredentials(url: string): { url: string; username?: string; password?: string } {
  const parsed = new URL(url);
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString().replace(/\/$/, ''), username, password };
}

/**
 * Device messaging for `shuxiang start`: the embedded broker (unless MQTT_URL names an external
 * one), the platform's MQTT client attached to the devices service, and in demo mode the
 * simulated speakers of the demo villages (SIMULATE_SPEAKERS).
 */
export async function startDeviceMessaging(
  config: Pick<Config, 'mqtt' | 'devices' | 'demo'> & { safeVillage?: Pick<Config['safeVillage'], 'frigate'> },
  devices: DevicesService,
  logger: Logger,
  options: { simulate?: boolean } = {},
): Promise<DeviceMessagingHandle> {
  const { mqtt } = config;
  const frigate = config.safeVillage?.frigate;
  let broker: EmbeddedBroker | undefined;
  let bus: MqttBus | undefined;
  let simulator: SpeakerSimulator | undefined;
  const close = async () => {
    await simulator?.stop().catch((error: unknown) => logger.warn({ err: error }, 'simulator: stop failed'));
    devices.detach();
    await bus?.close().catch((error: unknown) => logger.warn({ err: error }, 'mqtt: closing the platform client failed'));
    await broker?.close();
  };
  try {
    let busUrl: string;
    let username = mqtt.username;
    let password = mqtt.password;
    let deviceUrl: string;
    if (mqtt.url) {
      const external = splitCredentials(mqtt.url);
      busUrl = external.url;
      username = external.username ?? username;
      password = external.password ?? password;
      deviceUrl = mqtt.deviceUrl ?? external.url;
    } else {
      // The platform's own account on its own broker: generated per process unless configured.
      password ??= randomBytes(24).toString('base64url');
      broker = await EmbeddedBroker.start({
        host: mqtt.host,
        port: mqtt.port,
        topics: devices.topics,
        platform: { username, password },
        integration: frigate?.password ? { username: frigate.username, password: frigate.password, prefix: frigate.topicPrefix } : undefined,
        authenticateDevice: (id, secret) => devices.verifyCredentials(id, secret),
        logger,
        tls: mqtt.tls,
        limits: mqtt.limits,
      }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        throw new Error(
          `MQTT port ${mqtt.port}${mqtt.tls ? ` or TLS port ${mqtt.tls.port}` : ''} is in use; set MQTT_PORT / MQTT_TLS_PORT to another port (or MQTT_URL for an external broker). / MQTT 端口已被占用。`,
        );
      });
      const local = mqtt.host === '0.0.0.0' || mqtt.host === '::' ? '127.0.0.1' : mqtt.host;
      busUrl = `mqtt://${local.includes(':') ? `[${local}]` : local}:${broker.port}`;
      deviceUrl = mqtt.deviceUrl ?? busUrl;
      // Nobody can be connected to a broker that has just started.
      await devices.markAllOffline('broker_restart');
    }
    bus = await MqttBus.connect({
      url: busUrl,
      username,
      password,
      topics: devices.topics,
      // aedes has no shared subscriptions; one embedded broker serves one process anyway.
      shareGroup: broker || !mqtt.sharedSubscriptions ? undefined : 'shuxiang',
      logger,
    }).catch((error: unknown) => {
      throw new Error(
        `Cannot connect to the MQTT broker at ${busUrl} as ${username}: ${(error as Error).message}. Check MQTT_URL. / 无法连接 MQTT 服务器。`,
      );
    });
    await devices.attach({ bus, broker, deviceUrl });
    logger.info({ broker: broker ? 'embedded' : 'external', deviceUrl, topicPrefix: mqtt.topicPrefix }, 'mqtt: device messaging ready');
    if (options.simulate ?? (config.devices.simulateSpeakers && config.demo)) {
      simulator = new SpeakerSimulator(demoSpeakers(), { url: deviceUrl, topicPrefix: mqtt.topicPrefix, logger });
      await simulator.start();
    }
    return { bus, broker, deviceUrl, simulator, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
