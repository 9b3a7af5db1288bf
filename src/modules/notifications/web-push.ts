import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import path from 'node:path';
import webpush, { WebPushError } from 'web-push';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** What the service worker receives (web/h5/public/sw.js shows it and opens `url` on a tap). */
export interface PushPayload {
  id: string;
  kind: string;
  title: string;
  body: string;
  url: string;
  severity: 'normal' | 'high';
}

/** `gone`: the push service no longer knows the subscription (404/410); it is to be removed. */
export type PushOutcome = { ok: true } | { ok: false; gone: boolean; error: string };

/**
 * The VAPID key pair kept in `file`, made once when missing (like the platform secret: written
 * whole under a temporary name and linked into place, so two processes starting together agree).
 */
export function loadOrCreateVapidKeys(file: string): VapidKeys {
  mkdirSync(path.dirname(file), { recursive: true });
  if (!existsSync(file)) {
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
    writeFileSync(temporary, JSON.stringify(webpush.generateVAPIDKeys()), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<VapidKeys>;
  if (typeof parsed.publicKey !== 'string' || typeof parsed.privateKey !== 'string') {
    throw new Error(`${file} does not hold a VAPID key pair; remove it to have a new one made (browsers then subscribe again)`);
  }
  return { publicKey: parsed.publicKey, privateKey: parsed.privateKey };
}

/**
 * Sends encrypted (aes128gcm) Web Push messages signed with the VAPID key through the `web-push`
 * library. The keys are read (or made) on first use, so building the services does no I/O.
 * `agent`: the HTTPS agent for push services (a private CA, a proxy).
 */
export class WebPushTransport {
  private keys: VapidKeys | undefined;

  constructor(
    private readonly settings: { keys?: VapidKeys; keyFile: string; subject: string; agent?: Agent; timeoutMs?: number },
  ) {}

  vapidKeys(): VapidKeys {
    this.keys ??= this.settings.keys ?? loadOrCreateVapidKeys(this.settings.keyFile);
    return this.keys;
  }

  async send(target: PushTarget, payload: PushPayload, ttlSeconds: number): Promise<PushOutcome> {
    const keys = this.vapidKeys();
    try {
      await webpush.sendNotification({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, JSON.stringify(payload), {
        vapidDetails: { subject: this.settings.subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
        TTL: ttlSeconds,
        urgency: payload.severity === 'high' ? 'high' : 'normal',
        contentEncoding: 'aes128gcm',
        timeout: this.settings.timeoutMs ?? 10_000,
        ...(this.settings.agent ? { agent: this.settings.agent } : {}),
      });
      return { ok: true };
    } catch (error) {
      if (error instanceof WebPushError) {
        return { ok: false, gone: error.statusCode === 404 || error.statusCode === 410, error: `HTTP ${error.statusCode}: ${String(error.body).slice(0, 200)}` };
      }
      return { ok: false, gone: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
