import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type EnvInput } from '../config.js';
import { demoExposureProblem, isLoopback, startupWarnings } from './exposure.js';

const dir = mkdtempSync(path.join(tmpdir(), 'shuxiang-exposure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function certificate(name: string): { HTTPS_CERT_FILE: string; HTTPS_KEY_FILE: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { HTTPS_CERT_FILE: cert, HTTPS_KEY_FILE: key };
}

const configOf = (env: EnvInput) => loadConfig({ SHUXIANG_DATA_DIR: dir, ...env });

function problemsOf(env: EnvInput): string[] {
  try {
    configOf(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loopback or network', () => {
  it('tells loopback addresses from the rest', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'shuxiang.example.cn', '::ffff:10.0.0.1']) expect(isLoopback(host), host).toBe(false);
  });

  it('binds HTTP to 127.0.0.1 by default, and the demo passes there', () => {
    const config = configOf({});
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.demo).toBe(true);
    expect(demoExposureProblem(config)).toBeUndefined();
  });

  it('refuses the demo on a network address for HTTP or the embedded broker, unless SHUXIANG_DEMO_PUBLIC=true', () => {
    const http = demoExposureProblem(configOf({ HOST: '0.0.0.0' }));
    expect(http).toContain('HOST=0.0.0.0');
    expect(http).toContain('SHUXIANG_DEMO_PUBLIC=true');
    expect(demoExposureProblem(configOf({ MQTT_HOST: '192.168.1.10' }))).toContain('MQTT_HOST=192.168.1.10');
    // An external broker is not ours to bind.
    expect(demoExposureProblem(configOf({ MQTT_HOST: '0.0.0.0', MQTT_URL: 'mqtt://broker:1883' }))).toBeUndefined();
    expect(demoExposureProblem(configOf({ HOST: '0.0.0.0', SHUXIANG_DEMO_PUBLIC: 'true' }))).toBeUndefined();
    expect(demoExposureProblem(configOf({ HOST: '0.0.0.0', SHUXIANG_DEMO: 'false' }))).toBeUndefined();
  });

  it('warns about the demo, clear-text HTTP on a network address and TRUST_PROXY=true there', () => {
    expect(startupWarnings(configOf({}))).toEqual([expect.stringContaining('published')]);
    expect(startupWarnings(configOf({ SHUXIANG_DEMO: 'false' }))).toEqual([]);
    const open = startupWarnings(configOf({ SHUXIANG_DEMO: 'false', HOST: '0.0.0.0', TRUST_PROXY: 'true' }));
    expect(open).toEqual([expect.stringContaining('without TLS'), expect.stringContaining('forge X-Forwarded-For')]);
    const tls = startupWarnings(configOf({ SHUXIANG_DEMO: 'false', HOST: '0.0.0.0', TRUST_PROXY: '10.0.0.2', ...certificate('warn') }));
    expect(tls).toEqual([]);
  });
});

describe('HTTPS and TRUST_PROXY settings', () => {
  it('reads the certificate and key into config.http.tls', () => {
    const files = certificate('ok');
    const tls = configOf(files).http.tls;
    expect(tls?.certFile).toBe(files.HTTPS_CERT_FILE);
    expect(tls?.keyFile).toBe(files.HTTPS_KEY_FILE);
    expect(tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(tls?.key.toString()).toContain('PRIVATE KEY');
    expect(configOf({}).http.tls).toBeUndefined();
  });

  it('fails naming the variable: one file alone, an unreadable file, a key of another certificate', () => {
    const a = certificate('a');
    const b = certificate('b');
    expect(problemsOf({ HTTPS_CERT_FILE: a.HTTPS_CERT_FILE })).toEqual([expect.stringContaining('set both')]);
    expect(problemsOf({ ...a, HTTPS_CERT_FILE: path.join(dir, 'nope.crt') })).toEqual([expect.stringMatching(/^HTTPS_CERT_FILE: cannot read .*nope\.crt/)]);
    expect(problemsOf({ HTTPS_CERT_FILE: a.HTTPS_CERT_FILE, HTTPS_KEY_FILE: b.HTTPS_KEY_FILE })).toEqual([expect.stringContaining('not a PEM certificate and its private key')]);
    const garbage = path.join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    expect(problemsOf({ ...a, HTTPS_CERT_FILE: garbage })).toEqual([expect.stringContaining('not a PEM certificate')]);
  });

  it('takes TRUST_PROXY as true/false or the proxy’s addresses', () => {
    expect(configOf({}).http.trustProxy).toBe(false);
    expect(configOf({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(configOf({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,loopback' }).http.trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'loopback']);
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/33' })).toEqual([expect.stringMatching(/^TRUST_PROXY="10\.0\.0\.0\/33": .*not 10\.0\.0\.0\/33/)]);
    expect(problemsOf({ TRUST_PROXY: 'proxy.local' })).toHaveLength(1);
  });
});
