/**
 * `npm run bench:startup`: how long `shuxiang start` takes to become healthy on a fresh data folder
 * (initdb, migrations, demo seed) and on a second start, and how much memory the running platform
 * holds (Node and the embedded PostgreSQL processes). Writes docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pssKiB } from './proc.js';
import { machine, writeSection } from './report.js';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

async function waitHealthy(port: number, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`platform exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('platform did not become healthy');
}

function childrenOf(pid: number): number[] {
  const result: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) result.push(Number(entry));
    } catch {
      // process ended meanwhile
    }
  }
  return result;
}

function descendants(pid: number): number[] {
  const direct = childrenOf(pid);
  return direct.flatMap((child) => [child, ...descendants(child)]);
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

async function startOnce(dataDir: string) {
  const port = await freePort();
  const pgPort = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/shuxiang.ts', 'start'], {
    env: { ...process.env, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), MQTT_PORT: '0', SHUXIANG_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitHealthy(port, child);
  const healthyMs = performance.now() - started;
  // Let the pool and the server settle, then touch a few endpoints so memory reflects real use.
  const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone: '13800000001', password: 'shuxiang-demo' }),
  });
  const { token } = (await login.json()) as { token: string };
  for (let i = 0; i < 50; i++) {
    await fetch(`http://127.0.0.1:${port}/api/regions?pageSize=100`, { headers: { authorization: `Bearer ${token}` } });
  }
  await new Promise((r) => setTimeout(r, 500));
  const tree = descendants(child.pid!);
  const nodePids = [child.pid!, ...tree.filter((pid) => commandOf(pid).startsWith('node'))];
  const pgPids = tree.filter((pid) => commandOf(pid).startsWith('postgres'));
  const nodeMiB = nodePids.reduce((sum, pid) => sum + pssKiB(pid), 0) / 1024;
  const pgMiB = pgPids.reduce((sum, pid) => sum + pssKiB(pid), 0) / 1024;
  const stopStarted = performance.now();
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { healthyMs, nodeMiB, pgMiB, pgProcesses: pgPids.length, stopMs: performance.now() - stopStarted, exitCode: code };
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shuxiang-bench-'));
chmodSync(dataDir, 0o755);
try {
  const first = await startOnce(dataDir);
  const second = await startOnce(dataDir);
  const fmt = (n: number) => n.toFixed(0);
  const body = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.
Command: \`npm run bench:startup\` (spawns \`shuxiang start\` on a fresh data folder, then again on the same folder).

| | first start (initdb, migrate, demo seed) | second start (reuse) |
| --- | --- | --- |
| time to \`/api/health\` 200 | ${fmt(first.healthyMs)} ms | ${fmt(second.healthyMs)} ms |
| memory, Node (PSS) | ${fmt(first.nodeMiB)} MiB | ${fmt(second.nodeMiB)} MiB |
| memory, PostgreSQL (PSS, ${second.pgProcesses} processes) | ${fmt(first.pgMiB)} MiB | ${fmt(second.pgMiB)} MiB |
| SIGTERM to exit | ${fmt(first.stopMs)} ms (exit ${first.exitCode}) | ${fmt(second.stopMs)} ms (exit ${second.exitCode}) |

PSS counts shared pages once across processes, so Node + PostgreSQL add up to what the platform holds.
Memory is read after a login and 50 region listings.`;
  console.log(body);
  writeSection('Start-up and memory (`npm run bench:startup`)', body);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
