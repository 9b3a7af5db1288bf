import { computed, ref } from 'vue';
import { casesApi, type SubmitCaseBody, uploadPhotos } from '@/api/cases';
import { ApiError, errorText, sessionHint } from './http';
import { dataUrlToBlob } from './images';

/**
 * Reports that could not be sent yet (no network), kept in localStorage and sent when the network
 * returns. Each carries the case id the client generated, so a report that did reach the server
 * before the connection dropped is not filed twice: the server answers the retry with the same case.
 */
export interface QueuedReport {
  id: string;
  body: Omit<SubmitCaseBody, 'photoIds'>;
  /** Photos not uploaded yet, as (scaled-down) data URLs. */
  photos: string[];
  /** Photos already on the server, so a retry does not upload them again. */
  photoIds: string[];
  categoryName: string;
  queuedAt: string;
  attempts: number;
  /** The server refused it (not a network problem): kept for the reporter to read and delete. */
  error?: string;
}

const KEY = 'shuxiang.outbox';

function load(): QueuedReport[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? (parsed as QueuedReport[]) : [];
  } catch {
    return [];
  }
}

export const outbox = ref<QueuedReport[]>(load());
export const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine);
export const pendingCount = computed(() => outbox.value.length);
export const sending = ref(false);

/** Saves the queue; false when storage is full (the caller then keeps the photos out). */
function save(): boolean {
  try {
    localStorage.setItem(KEY, JSON.stringify(outbox.value));
    return true;
  } catch {
    return false;
  }
}

export function enqueue(report: QueuedReport): { photosKept: boolean } {
  outbox.value = [...outbox.value.filter((r) => r.id !== report.id), report];
  if (save()) return { photosKept: true };
  // Storage full: keep the words and the place, drop the photos rather than lose the report.
  report.photos = [];
  outbox.value = [...outbox.value.filter((r) => r.id !== report.id), report];
  save();
  return { photosKept: false };
}

export function remove(id: string): void {
  outbox.value = outbox.value.filter((r) => r.id !== id);
  save();
}

const listeners = new Set<(caseId: string) => void>();
/** Called with the case id each time a queued report reaches the server. */
export function onSent(listener: (caseId: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function sendOne(report: QueuedReport): Promise<void> {
  if (report.photos.length) {
    const blobs = await Promise.all(report.photos.map(dataUrlToBlob));
    report.photoIds = [...report.photoIds, ...(await uploadPhotos(blobs, true)).map((p) => p.id)];
    report.photos = [];
    save();
  }
  await casesApi.submit({ ...report.body, id: report.id, photoIds: report.photoIds }, true);
}

/** Tries every queued report once; stops at the first network failure. */
export async function flush(): Promise<number> {
  if (sending.value || outbox.value.length === 0 || !sessionHint.get()) return 0;
  sending.value = true;
  let sent = 0;
  try {
    for (const report of [...outbox.value]) {
      if (report.error) continue;
      report.attempts += 1;
      try {
        await sendOne(report);
        remove(report.id);
        sent += 1;
        listeners.forEach((l) => l(report.id));
      } catch (error) {
        if (error instanceof ApiError && error.isNetwork) break;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) break; // signed out: retry later
        report.error = errorText(error);
        save();
      }
    }
  } finally {
    sending.value = false;
  }
  return sent;
}

/** Watches the network: sends the queue when it comes back, and every 30 s while reports wait. */
export function startOutbox(): void {
  window.addEventListener('online', () => {
    online.value = true;
    void flush();
  });
  window.addEventListener('offline', () => {
    online.value = false;
  });
  window.setInterval(() => {
    if (online.value && outbox.value.some((r) => !r.error)) void flush();
  }, 30_000);
  if (online.value) void flush();
}

/** Lets the reporter try a refused report again (after signing in again, say). */
export function retry(id: string): void {
  const report = outbox.value.find((r) => r.id === id);
  if (report) {
    delete report.error;
    save();
    void flush();
  }
}
