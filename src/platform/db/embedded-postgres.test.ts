import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseEmbeddedPort, firstUntraversable, portFreeOnLocalhost } from './embedded-postgres.js';

const dirs: string[] = [];
const servers: net.Server[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shuxiang-pg-'));
  dirs.push(dir);
  return dir;
};
/** Holds a port on 127.0.0.1 as another program would. */
const holdPort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    servers.push(server);
  });
const quiet = pino({ level: 'silent' });
/** A logger whose warnings land in `into`. */
const recording = (into: string[]) => pino({ level: 'warn' }, { write: (line: string) => void into.push(JSON.parse(line).msg) });

afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  for (const dir of dirs) {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the folders the OS user postgres must enter (running as root)', () => {
  // A user that owns none of these folders and is in none of their groups.
  const stranger = { uid: 54_321, gid: 54_321, groups: [54_321] };

  it('names the first private folder on the way, and passes once others may enter it', () => {
    const root = tempDir();
    const data = path.join(root, 'app', 'data');
    mkdirSync(data, { recursive: true });
    chmodSync(root, 0o700); // as mktemp -d makes it
    expect(firstUntraversable(path.join(data, 'pg'), stranger)).toEqual({ dir: root, mode: 0o700, uid: statSync(root).uid });
    chmodSync(root, 0o711);
    expect(firstUntraversable(path.join(data, 'pg'), stranger)).toBeUndefined();
  });

  it('lets the owner and the group in by their own permission bits', () => {
    const root = tempDir();
    const { uid, gid } = statSync(root);
    chmodSync(root, 0o710);
    expect(firstUntraversable(root, stranger)?.dir).toBe(root);
    expect(firstUntraversable(root, { uid: 54_321, gid, groups: [gid] })).toBeUndefined();
    expect(firstUntraversable(root, { uid: 54_321, gid: 54_321, groups: [54_321, gid] })).toBeUndefined();
    chmodSync(root, 0o070);
    expect(firstUntraversable(root, { uid, gid: 54_321, groups: [] })?.dir).toBe(root); // the owner's bits rule the owner
  });
});

describe('the embedded PostgreSQL port', () => {
  it('EMBEDDED_PG_PORT taken by another program: refused at once, naming the variable', async () => {
    const taken = await holdPort();
    expect(await portFreeOnLocalhost(taken)).toBe(false);
    await expect(chooseEmbeddedPort(tempDir(), taken, quiet)).rejects.toThrow(`EMBEDDED_PG_PORT=${taken} is in use`);
  });

  it('EMBEDDED_PG_PORT free: used as it is, nothing remembered', async () => {
    const dir = tempDir();
    const port = await holdPort();
    await new Promise((resolve) => servers.pop()!.close(resolve));
    expect(await chooseEmbeddedPort(dir, port, quiet)).toBe(port);
    expect(() => readFileSync(path.join(dir, 'pg-port'))).toThrow();
  });

  it('unset: the remembered port while it is free; when it is taken, another free one, remembered with a warning', async () => {
    const dir = tempDir();
    const taken = await holdPort();
    writeFileSync(path.join(dir, 'pg-port'), `${taken}\n`);
    const warnings: string[] = [];
    const chosen = await chooseEmbeddedPort(dir, undefined, recording(warnings));
    expect(chosen).not.toBe(taken);
    expect(await portFreeOnLocalhost(chosen)).toBe(true);
    expect(readFileSync(path.join(dir, 'pg-port'), 'utf8').trim()).toBe(String(chosen));
    expect(warnings).toEqual([expect.stringContaining(`port ${taken} is in use`)]);
    // The next start reuses it, silently.
    warnings.length = 0;
    expect(await chooseEmbeddedPort(dir, undefined, recording(warnings))).toBe(chosen);
    expect(warnings).toEqual([]);
  });
});
