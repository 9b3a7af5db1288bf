import { z } from 'zod';
import { PITCH_RANGE, RATE_RANGE, TTS_MAX_CHARS } from '../../platform/tts/tts-limits.js';

export const audioKinds = ['tts', 'upload', 'recording'] as const;
/** `tts`: speech made from text; `upload`: an audio file; `recording`: a voice message recorded in the browser (喊话). */
export const audioKind = z.enum(audioKinds);

export const ttsBody = z.strictObject({
  text: z
    .string()
    .min(1)
    .max(TTS_MAX_CHARS * 2)
    .describe(`the text to speak, 1–${TTS_MAX_CHARS} characters after whitespace is collapsed; Chinese punctuation sets the pauses`),
  voice: z.string().max(40).optional().describe('the engine’s voice; default `cmn` (Mandarin). espeak-ng: cmn, yue (Cantonese), en-us'),
  rate: z.number().min(RATE_RANGE[0]).max(RATE_RANGE[1]).optional().describe('speed relative to normal, 0.5–2 (default 1)'),
  pitch: z.number().int().min(PITCH_RANGE[0]).max(PITCH_RANGE[1]).optional().describe('voice pitch 0–100 (default 50)'),
});

export const audioClipView = z.object({
  id: z.uuid(),
  kind: audioKind,
  text: z.string().nullable().describe('tts: the text spoken; uploads and recordings: their description, if any'),
  voice: z.string().nullable(),
  contentType: z.string().describe('audio/mpeg or audio/wav, or the browser’s own format when the server has no ffmpeg'),
  sourceContentType: z.string().nullable().describe('the uploaded format, when it was converted to MP3'),
  bytes: z.number().int(),
  durationMs: z.number().int().nullable().describe('null only when the format could not be measured (no ffmpeg)'),
  url: z.string().describe('signed, expiring URL of the audio file (Range requests supported)'),
  urlExpiresAt: z.string(),
  createdBy: z.uuid().nullable().describe('null: made by the platform itself'),
  createdAt: z.string(),
});

export const ttsResult = audioClipView;

export const audioParams = z.strictObject({ id: z.uuid() });

/** Missing or malformed values are a bad signature (403), not a validation error. */
export const signedQuery = z.strictObject({
  exp: z.string().max(20).optional(),
  sig: z.string().max(100).optional(),
});

/** The optional text fields of an upload, beside the file in the field `audio`. */
export const uploadFields = z.strictObject({
  kind: z.enum(['upload', 'recording']).default('upload'),
  text: z.string().trim().min(1).max(200).optional(),
});

export type AudioKind = z.infer<typeof audioKind>;
export type AudioClipView = z.infer<typeof audioClipView>;
export type TtsBody = z.infer<typeof ttsBody>;
export type UploadFields = z.infer<typeof uploadFields>;
