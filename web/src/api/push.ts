import type { NotificationPreferences } from '@server/modules/notifications/push.schema';
import type { Availability } from '@server/modules/device-health/device-health.schema';
import { http } from '@/shared/http';

export type { Availability, NotificationPreferences };

/** Web Push subscriptions, notification preferences, and device availability: types are the server's zod schemas. */
export const pushApi = {
  status: () => http.get<{ publicKey: string; subscriptions: number }>('/api/push'),
  subscribe: (subscription: PushSubscriptionJSON) => http.post<void>('/api/push/subscriptions', subscription),
  unsubscribe: (endpoint: string) => http.delete<void>('/api/push/subscriptions', { body: { endpoint }, silent: true }),
  preferences: () => http.get<NotificationPreferences>('/api/notification-preferences'),
  savePreferences: (body: NotificationPreferences) => http.put<NotificationPreferences>('/api/notification-preferences', body),
};

export const deviceHealthApi = {
  availability: (silent = false) => http.get<Availability>('/api/device-health/availability', undefined, { silent }),
};
