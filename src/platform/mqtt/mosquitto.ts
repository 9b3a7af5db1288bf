import { DEFAULT_BROKER_LIMITS } from './limits.js';

/**
 * Configuration for an external Mosquitto 2 broker that enforces the same rules as the embedded
 * one (docs/devices.md): the ACL file, and the lines of a password file. Device lines come from
 * the devices table (`shuxiang devices mosquitto-passwd`); the hashes there are already in
 * Mosquitto's format.
 */

/**
 * The ACL: the platform's account reads and writes under the prefix; every other user (a device,
 * `%u` = its id) writes only its own status/ack/heartbeat and reads only its own commands.
 * `prefix` '+' serves any prefix (the test suite gives each test file its own).
 */
export function mosquittoAcl(prefix: string, platformUsername: string, frigate?: { username: string; prefix: string }): string {
  return [
    '# Shuxiang device ACL (docs/devices.md). Devices use their id as username (%u).',
    `user ${platformUsername}`,
    `topic readwrite ${prefix === '+' ? '#' : `${prefix}/#`}`,
    ...(frigate ? [`topic read ${frigate.prefix}/events`, '', '# Frigate (平安乡村): its own topics.', `user ${frigate.username}`, `topic readwrite ${frigate.prefix}/#`] : []),
    '',
    '# Every device: its own topics only.',
    `pattern read ${prefix}/devices/%u/cmd`,
    `pattern write ${prefix}/devices/%u/status`,
    `pattern write ${prefix}/devices/%u/ack`,
    `pattern write ${prefix}/devices/%u/heartbeat`,
    '# Water meters (docs/water.md): their own readings.',
    `pattern write ${prefix}/meters/%u/readings`,
    '',
  ].join('\n');
}

/**
 * mosquitto.conf: devices on one listener (client id forced to the username, so no device can
 * take over another's session) and optionally on a TLS listener with the same rules, the platform
 * on another (its processes need their own client ids), all with the password file and ACL.
 * `maxPacketBytes` is the embedded broker's MQTT_MAX_PACKET_BYTES; `maxConnections` caps each
 * device listener (Mosquitto has no limit per address or on connections waiting to authenticate).
 */
export function mosquittoConf(options: {
  devicePort: number;
  platformPort: number;
  passwordFile: string;
  aclFile: string;
  bindAddress?: string;
  platformBindAddress?: string;
  maxPacketBytes?: number;
  maxConnections?: number;
  tls?: { port: number; certFile: string; keyFile: string };
}): string {
  const bind = options.bindAddress ? ` ${options.bindAddress}` : '';
  const deviceListener = [
    'use_username_as_clientid true',
    ...(options.maxConnections === undefined ? [] : [`max_connections ${options.maxConnections}`]),
  ];
  return [
    '# Shuxiang: Mosquitto 2 for devices (docs/devices.md)',
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${options.passwordFile}`,
    `acl_file ${options.aclFile}`,
    '# Larger packets (whole packet, any client) end the connection; the largest device message is a',
    '# water meter\'s batch (≤ 64 KiB).',
    `max_packet_size ${options.maxPacketBytes ?? DEFAULT_BROKER_LIMITS.maxPacketBytes}`,
    'persistence false',
    '# The platform receives every device\'s reports: a broadcast to a thousand speakers brings',
    '# thousands of acks at once, which must queue (the default 1000 would drop the rest).',
    'max_queued_messages 200000',
    'max_inflight_messages 200',
    '',
    '# Devices: the username (device id) is the client id.',
    `listener ${options.devicePort}${bind}`,
    ...deviceListener,
    ...(options.tls
      ? [
          '',
          '# Devices over TLS (1.2 or later): the same accounts and rules.',
          `listener ${options.tls.port}${bind}`,
          `certfile ${options.tls.certFile}`,
          `keyfile ${options.tls.keyFile}`,
          'tls_version tlsv1.2',
          ...deviceListener,
        ]
      : []),
    '',
    '# The platform processes.',
    `listener ${options.platformPort} ${options.platformBindAddress ?? '127.0.0.1'}`,
    '',
  ].join('\n');
}
