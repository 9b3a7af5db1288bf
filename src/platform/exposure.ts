import { isIP } from 'node:net';
import type { Config } from '../config.js';

/** Reachable from this machine only. A host name other than localhost counts as a network address. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

type ExposureConfig = Pick<Config, 'http' | 'mqtt' | 'demo' | 'demoPublic'>;

/** The listeners of `shuxiang start` bound to a network address: HTTP, and the embedded MQTT broker. */
function networkListeners(config: ExposureConfig): string[] {
  return [
    ...(isLoopback(config.http.host) ? [] : [`HOST=${config.http.host}`]),
    ...(config.mqtt.url || isLoopback(config.mqtt.host) ? [] : [`MQTT_HOST=${config.mqtt.host}`]),
  ];
}

/**
 * Demo mode publishes its passwords (and derives device secrets from a published seed): on a
 * network address anyone nearby could sign in as a township official. Refused unless asked for.
 */
export function demoExposureProblem(config: ExposureConfig): string | undefined {
  if (!config.demo || config.demoPublic) return undefined;
  const listeners = networkListeners(config);
  if (listeners.length === 0) return undefined;
  return (
    `Demo mode (SHUXIANG_DEMO=true, published passwords) refuses to listen on a network address (${listeners.join(', ')}): ` +
    'anyone who reaches it can sign in as any demo account. Use 127.0.0.1, or SHUXIANG_DEMO=false for real use, ' +
    'or SHUXIANG_DEMO_PUBLIC=true to show the demo on a network on purpose. ' +
    '/ 演示模式的密码是公开的，拒绝在网络地址上监听：请改用 127.0.0.1，正式使用请设 SHUXIANG_DEMO=false，确需在网络上演示请设 SHUXIANG_DEMO_PUBLIC=true。'
  );
}

/** What the start banner warns about: settings that are fine on a laptop and dangerous on a network. */
export function startupWarnings(config: ExposureConfig): string[] {
  const warnings: string[] = [];
  const listeners = networkListeners(config);
  if (config.demo) {
    warnings.push('演示模式：演示账号的密码是公开的。Demo mode: the demo accounts’ password is published; SHUXIANG_DEMO=false for real use.');
    if (listeners.length > 0) {
      warnings.push(`演示模式可从网络访问 (${listeners.join(', ')})。The demo is reachable from the network (SHUXIANG_DEMO_PUBLIC=true).`);
    }
  }
  if (!isLoopback(config.http.host) && !config.http.tls) {
    warnings.push(
      `HTTP 在网络地址 ${config.http.host} 上未加密。HTTP on a network address without TLS: passwords and tokens travel in clear text. ` +
        'Set HTTPS_CERT_FILE and HTTPS_KEY_FILE, or put a TLS reverse proxy in front (then HOST=127.0.0.1 and TRUST_PROXY).',
    );
  }
  if (config.http.trustProxy === true && !isLoopback(config.http.host)) {
    warnings.push(
      'TRUST_PROXY=true 且监听网络地址。TRUST_PROXY=true on a network address: any client can forge X-Forwarded-For and dodge the per-address login limits. ' +
        'Set TRUST_PROXY to the proxy’s address instead.',
    );
  }
  if (!config.mqtt.url && !isLoopback(config.mqtt.host) && !config.mqtt.tls) {
    warnings.push(`MQTT 在网络地址 ${config.mqtt.host} 上未加密。MQTT on a network address without TLS: device passwords travel in clear text (MQTT_TLS_CERT_FILE).`);
  }
  return warnings;
}
