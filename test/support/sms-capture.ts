import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';

/** One text as the logging SMS provider wrote it (demo mode: the whole number and the whole text). */
export interface LoggedSms {
  to: string;
  template: string | null;
  body: string;
}

export interface SmsCapture {
  /** Pass as the test app's logger: the services log through it, the SMS provider among them. */
  logger: Logger;
  /** Every text logged so far, oldest first. */
  texts(): LoggedSms[];
  /** The texts logged to a phone so far. */
  textsTo(phone: string): LoggedSms[];
  /**
   * The code of the next text to `phone` not read yet, read from its body the way a person reads it;
   * waits for it (the outbox sends right after the commit, in the background).
   */
  nextCode(phone: string, timeoutMs?: number): Promise<string>;
}

/** Reads what the logging SMS provider delivers, from the app's own log lines (no backdoor). */
export function captureSms(): SmsCapture {
  const logged: LoggedSms[] = [];
  const read = new Map<string, number>();
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { sms?: LoggedSms };
        if (entry.sms) logged.push(entry.sms);
      },
    },
  );
  const textsTo = (phone: string) => logged.filter((sms) => sms.to === phone);
  return {
    logger,
    texts: () => [...logged],
    textsTo,
    async nextCode(phone, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = read.get(phone) ?? 0;
        const next = textsTo(phone)[seen];
        if (next) {
          read.set(phone, seen + 1);
          const match = /验证码(\d{6})/.exec(next.body);
          if (!match) throw new Error(`the text to ${phone} holds no code: ${next.body}`);
          return match[1]!;
        }
        if (Date.now() > deadline) throw new Error(`no text reached ${phone} within ${timeoutMs} ms`);
        await sleep(20);
      }
    },
  };
}
