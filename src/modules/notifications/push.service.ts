import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { Actor } from '../../platform/request-context.js';
import type { PreferencesRow, PushRepository } from './push.repository.js';
import type { NotificationPreferences, PushSubscriptionBody } from './push.schema.js';
import type { PushPayload, WebPushTransport } from './web-push.js';

/** Asia/Shanghai has no daylight saving: local time is UTC+8 all year. */
const LOCAL_OFFSET_MINUTES = 8 * 60;
const DAY_MINUTES = 24 * 60;
/** How long a claimed notification is held by the process sending it before another may retry it. */
const LEASE_MS = 60_000;
/** How long a push service keeps a message for a phone that is off (normal; alarms a shorter time). */
const TTL_SECONDS = { normal: 24 * 3600, high: 3600 } as const;

/** Push on, SMS for what must not be missed on, quiet 22:00–07:00. */
export const defaultPreferences: PreferencesRow = { push: true, smsMustNotMiss: true, quietStart: 22 * 60, quietEnd: 7 * 60 };

export function localMinuteOf(at: Date): number {
  return Math.floor((at.getTime() / 60_000 + LOCAL_OFFSET_MINUTES) % DAY_MINUTES);
}

/** Whether `at` lies in the quiet hours [start, end) (local minutes; across midnight when start > end; none when equal). */
export function inQuietHours(p: Pick<PreferencesRow, 'quietStart' | 'quietEnd'>, at: Date): boolean {
  const m = localMinuteOf(at);
  if (p.quietStart === p.quietEnd) return false;
  return p.quietStart < p.quietEnd ? m >= p.quietStart && m < p.quietEnd : m >= p.quietStart || m < p.quietEnd;
}

/** The next instant at which the local clock reads `endMinute`. */
export function nextLocalMinute(endMinute: number, at: Date): Date {
  const wholeMinute = Math.floor(at.getTime() / 60_000) * 60_000;
  const ahead = (endMinute - localMinuteOf(at) + DAY_MINUTES) % DAY_MINUTES || DAY_MINUTES;
  return new Date(wholeMinute + ahead * 60_000);
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const minutesOf = (value: string) => Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5));

/**
 * Notifications that leave the app: each in-app notification is pushed, after its transaction has
 * committed, to the recipient's subscribed browsers, following their preferences and quiet hours
 * (high severity ignores quiet hours). Failures are logged and recorded on the subscription; they
 * never touch the notification itself.
 */
export class PushService {
  constructor(
    private readonly deps: { repository: PushRepository; transport: WebPushTransport; clock: Clock; logger: Logger; allowedHosts: string[] },
  ) {}

  publicKey(): string {
    return this.deps.transport.vapidKeys().publicKey;
  }

  async status(actor: Actor) {
    return { publicKey: this.publicKey(), subscriptions: await this.deps.repository.countFor(actor.userId) };
  }

  async subscribe(actor: Actor, body: PushSubscriptionBody, userAgent: string | undefined): Promise<void> {
    const host = new URL(body.endpoint).hostname;
    if (!this.deps.allowedHosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`))) {
      throw fieldError('body.endpoint', `推送服务 ${host} 不在允许的列表中（WEB_PUSH_ALLOWED_HOSTS）`, `the push service ${host} is not an allowed one (WEB_PUSH_ALLOWED_HOSTS)`);
    }
    await this.deps.repository.upsert({
      userId: actor.userId,
      endpoint: body.endpoint,
      p256dh: body.keys.p256dh,
      auth: body.keys.auth,
      userAgent: userAgent?.slice(0, 300) ?? null,
      at: this.deps.clock.now(),
    });
  }

  async unsubscribe(actor: Actor, endpoint: string): Promise<void> {
    if ((await this.deps.repository.remove(actor.userId, endpoint)) === 0) throw new AppError('PUSH_SUBSCRIPTION_NOT_FOUND');
  }

  async preferences(actor: Actor): Promise<NotificationPreferences> {
    const p = (await this.deps.repository.preferences([actor.userId])).get(actor.userId) ?? defaultPreferences;
    return { push: p.push, smsMustNotMiss: p.smsMustNotMiss, quietStart: hhmm(p.quietStart), quietEnd: hhmm(p.quietEnd) };
  }

  async setPreferences(actor: Actor, body: NotificationPreferences): Promise<NotificationPreferences> {
    const row = { push: body.push, smsMustNotMiss: body.smsMustNotMiss, quietStart: minutesOf(body.quietStart), quietEnd: minutesOf(body.quietEnd) };
    await this.deps.repository.savePreferences(actor.userId, row, this.deps.clock.now());
    return this.preferences(actor);
  }

  /**
   * Of these users, those who want an SMS for what must not be missed (the alarm ladder's steps):
   * everyone unless they turned it off.
   */
  async wantSms(userIds: string[]): Promise<string[]> {
    const prefs = await this.deps.repository.preferences(userIds);
    return userIds.filter((id) => (prefs.get(id) ?? defaultPreferences).smsMustNotMiss);
  }

  /** Pushes the due notifications (the poller calls this); returns how many went to at least one browser. */
  async dispatch(limit = 100): Promise<number> {
    const { repository, clock, logger } = this.deps;
    const now = clock.now();
    const claimed = await repository.claimDue(now, new Date(now.getTime() + LEASE_MS), limit);
    if (claimed.length === 0) return 0;
    const userIds = [...new Set(claimed.map((n) => n.user_id))];
    const [prefs, subscriptions] = await Promise.all([repository.preferences(userIds), repository.subscriptionsOf(userIds)]);
    let delivered = 0;
    for (const n of claimed) {
      const p = prefs.get(n.user_id) ?? defaultPreferences;
      const targets = subscriptions.filter((s) => s.user_id === n.user_id);
      if (!p.push || targets.length === 0) {
        await repository.finish(n.id);
        continue;
      }
      if (n.severity !== 'high' && inQuietHours(p, now)) {
        // Held back, not dropped: it goes out when the quiet hours end.
        await repository.defer(n.id, nextLocalMinute(p.quietEnd, now));
        continue;
      }
      const payload: PushPayload = {
        id: String(n.id),
        kind: n.kind,
        title: n.title,
        body: n.body,
        url: n.url ?? (n.case_id ? `/h5/cases/${n.case_id}` : '/h5/'),
        severity: n.severity,
      };
      const outcomes = await Promise.all(
        targets.map(async (target) => {
          const outcome = await this.deps.transport.send(target, payload, TTL_SECONDS[n.severity]);
          if (outcome.ok) {
            await repository.markOk(target.id, now);
          } else if (outcome.gone) {
            // The browser unsubscribed or the subscription expired: the push service will never take it again.
            await repository.removeById(target.id);
            logger.info({ subscription: target.id, userId: n.user_id }, 'web push subscription gone; removed');
          } else {
            await repository.markFailed(target.id, now, outcome.error);
            logger.warn({ subscription: target.id, notification: n.id, error: outcome.error }, 'web push failed');
          }
          return outcome.ok;
        }),
      );
      if (outcomes.some(Boolean)) delivered++;
      await repository.finish(n.id);
    }
    return delivered;
  }
}
