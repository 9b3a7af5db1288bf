import { describe, expect, it } from 'vitest';
import { mosquittoConf } from './mosquitto.js';

const base = { devicePort: 1883, platformPort: 1884, passwordFile: '/etc/mosquitto/shuxiang.passwd', aclFile: '/etc/mosquitto/shuxiang.acl' };
/** The lines of each section, keyed by its `listener` line ('' for the global part). */
function sections(conf: string): Record<string, string[]> {
  const result: Record<string, string[]> = { '': [] };
  let current = '';
  for (const line of conf.split('\n').filter((l) => l && !l.startsWith('#'))) {
    if (line.startsWith('listener ')) result[(current = line)] = [];
    else result[current]!.push(line);
  }
  return result;
}

describe('mosquittoConf', () => {
  it('without TLS: one device listener, the platform’s on loopback, the packet limit of the embedded broker', () => {
    const conf = sections(mosquittoConf(base));
    expect(Object.keys(conf)).toEqual(['', 'listener 1883', 'listener 1884 127.0.0.1']);
    expect(conf['']).toContain('max_packet_size 131072');
    expect(conf['']).toContain('allow_anonymous false');
    expect(conf['listener 1883']).toEqual(['use_username_as_clientid true']);
    expect(conf['listener 1884 127.0.0.1']).toEqual([]);
  });

  it('with TLS and limits: a TLS device listener with certificate, key, TLS 1.2 or later and the device rules', () => {
    const conf = sections(
      mosquittoConf({ ...base, bindAddress: '0.0.0.0', maxPacketBytes: 65536, maxConnections: 5000, tls: { port: 8883, certFile: '/etc/mosquitto/certs/broker.crt', keyFile: '/etc/mosquitto/certs/broker.key' } }),
    );
    expect(Object.keys(conf)).toEqual(['', 'listener 1883 0.0.0.0', 'listener 8883 0.0.0.0', 'listener 1884 127.0.0.1']);
    expect(conf['']).toContain('max_packet_size 65536');
    expect(conf['listener 1883 0.0.0.0']).toEqual(['use_username_as_clientid true', 'max_connections 5000']);
    expect(conf['listener 8883 0.0.0.0']).toEqual([
      'certfile /etc/mosquitto/certs/broker.crt',
      'keyfile /etc/mosquitto/certs/broker.key',
      'tls_version tlsv1.2',
      'use_username_as_clientid true',
      'max_connections 5000',
    ]);
  });
});
