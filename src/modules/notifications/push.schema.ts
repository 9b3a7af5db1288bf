import { z } from 'zod';

const base64url = z.string().regex(/^[A-Za-z0-9_-]+=*$/, 'must be base64url');

/** A browser's PushSubscription as `subscription.toJSON()` gives it (expirationTime accepted and unused). */
export const pushSubscriptionBody = z.strictObject({
  endpoint: z.url({ protocol: /^https$/, message: 'must be an https:// URL' }).max(2000),
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({ p256dh: base64url.min(80).max(100), auth: base64url.min(16).max(32) }),
});
export type PushSubscriptionBody = z.infer<typeof pushSubscriptionBody>;

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must look like 22:00');

export const notificationPreferences = z.strictObject({
  /** Web Push to this person's subscribed browsers. */
  push: z.boolean(),
  /** An SMS as well for what must not be missed (the alarm ladder's steps). */
  smsMustNotMiss: z.boolean(),
  /** Local time (Asia/Shanghai); normal notifications wait until the end, alarms of high severity do not. Equal: none. */
  quietStart: clockTime,
  quietEnd: clockTime,
});
export type NotificationPreferences = z.infer<typeof notificationPreferences>;
