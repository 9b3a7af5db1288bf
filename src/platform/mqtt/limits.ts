/**
 * What the embedded broker accepts from one connection (docs/devices.md, "Limits"). No imports:
 * config.ts takes its defaults from here.
 */
export interface BrokerLimits {
  /** Largest packet (fixed header included) after CONNECT; a larger one ends the connection at its header. */
  maxPacketBytes: number;
  /** Connections not yet authenticated from one address (the host's own 127.0.0.1 and ::1 excepted). */
  maxPendingPerIp: number;
  /** Connections not yet authenticated in all. */
  maxPending: number;
  /** A connection not authenticated within this time (TLS handshake, CONNECT, credentials) is closed. */
  connectTimeoutMs: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  // Twice the largest device message (a water meter's batch: ≤ 64 KiB of JSON), which leaves
  // room for Frigate's MQTT snapshots (JPEG, 270 px high) on the integration account.
  maxPacketBytes: 128 * 1024,
  maxPendingPerIp: 20,
  maxPending: 1000,
  connectTimeoutMs: 10_000,
};

/**
 * Everything a connection may send before it is authenticated, CONNECT included. A CONNECT holds
 * a client id (≤ 128), username (≤ 64), password (≤ 256) and a last will (a device status,
 * ≤ 4 KiB by the protocol): a few hundred bytes in practice.
 */
export const MAX_PRE_AUTH_BYTES = 8 * 1024;
export const MAX_CLIENT_ID_LENGTH = 128;
export const MAX_USERNAME_LENGTH = 64;
export const MAX_PASSWORD_BYTES = 256;
