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
 * mosquitto.conf for two listeners: devices on one (client id forced to the username, so no
 * device can take over another's session), the platform on another (its processes need their
 * own client ids), both with the password file and ACL.
 */
export function mosquittoConf(options: {
  devicePort: number;
  platformPort: number;
  passwordFile: string;
  aclFile: string;
  bindAddress?: string;
  platformBindAddress?: string;
}): string {
  return [
    '# Shuxiang: Mosquitto 2 for devices (docs/devices.md)',
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${options.passwordFile}`,
    `acl_file ${options.aclFile}`,
    'max_packet_size 262144',
    'persistence false',
    '# The platform receives every device\'s reports: a broadcast to a thousand speakers brings',
    '# thousands of acks at once, which must queue (the default 1000 would drop the rest).',
    'max_queued_messages 200000',
    'max_inflight_messages 200',
    '',
    '# Devices: the username (device id) is the client id.',
    `listener ${options.devicePort}${options.bindAddress ? ` ${options.bindAddress}` : ''}`,
    'use_username_as_clientid true',
    '',
    '# The platform processes.',
    `listener ${options.platformPort} ${options.platformBindAddress ?? '127.0.0.1'}`,
    '',
  ].join('\n');
}
