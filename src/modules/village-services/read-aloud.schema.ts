import { z } from 'zod';

/** The longest text a page may have read aloud (a notice's opening, a guide's conditions). */
export const READ_ALOUD_MAX_CHARS = 500;

export const readAloudBody = z.strictObject({
  text: z.string().trim().min(1).max(READ_ALOUD_MAX_CHARS).describe(`the page’s main text, at most ${READ_ALOUD_MAX_CHARS} characters`),
  rate: z.number().min(0.6).max(1.2).optional().describe('speed relative to normal (default 0.9: a little slower, for elderly listeners)'),
});

export const readAloudResult = z.object({
  url: z.string().describe('signed, expiring URL of the speech (WAV); plays in an <audio> element'),
  expiresAt: z.string(),
  durationMs: z.number().int().nullable(),
});

export type ReadAloudBody = z.infer<typeof readAloudBody>;
export type ReadAloudResult = z.infer<typeof readAloudResult>;

