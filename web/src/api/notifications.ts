import { http } from '@/shared/http';

/** Mirrors the schema in src/modules/notifications/notifications.routes.ts (local to that file). */
export interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string;
  caseId: string | null;
  /** The h5 page it opens ('/h5/alarms/…'), when not its case. */
  url: string | null;
  createdAt: string;
  read: boolean;
}

export interface NotificationPage {
  items: Notification[];
  total: number;
  unread: number;
  page: number;
  pageSize: number;
}

export const notificationsApi = {
  list: (query: { unread?: boolean; page?: number; pageSize?: number } = {}, silent = false) =>
    http.get<NotificationPage>(
      '/api/notifications',
      { unread: query.unread === undefined ? undefined : String(query.unread), page: query.page, pageSize: query.pageSize },
      { silent },
    ),
  markRead: (ids: string[] | 'all') => http.post<{ updated: number }>('/api/notifications/read', { ids }, { silent: true }),
};
