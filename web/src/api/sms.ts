import { http } from '@/shared/http';

/** Mirrors the schema of GET /api/sms-outbox in src/modules/notifications/notifications.routes.ts (local to that file). */
export type SmsStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'skipped';
export const smsStatuses: SmsStatus[] = ['queued', 'sending', 'sent', 'delivered', 'failed', 'skipped'];

export interface SmsItem {
  id: string;
  phone: string;
  body: string;
  template: string | null;
  status: SmsStatus;
  provider: string | null;
  providerMessageId: string | null;
  attempts: number;
  errorCode: string | null;
  error: string | null;
  reference: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  sentAt: string | null;
  deliveredAt: string | null;
}

export interface SmsPage {
  items: SmsItem[];
  total: number;
  /** Texts that failed in the last 7 days, whatever the filter. */
  failedLastWeek: number;
  /** log, aliyun or tencent. */
  provider: string;
  page: number;
  pageSize: number;
}

export const smsApi = {
  list: (query: { status?: SmsStatus; page?: number; pageSize?: number } = {}, silent = false) =>
    http.get<SmsPage>('/api/sms-outbox', { status: query.status, page: query.page, pageSize: query.pageSize }, { silent }),
};
