import { PITCH_RANGE, RATE_RANGE, TTS_MAX_CHARS } from './tts-limits.js';

/**
 * Text-to-speech behind one interface, so the default engine (espeak-ng, compiled to
 * WebAssembly, in worker threads) can be replaced by a cloud service without touching callers.
 */
export interface TtsOptions {
  /** One of the engine's `voices`. */
  voice: string;
  /** Speed relative to the engine's normal pace, 0.5–2 (default 1). */
  rate?: number;
  /** Voice pitch, 0–100 (default 50). */
  pitch?: number;
}

export interface SpeechAudio {
  /** A RIFF/WAVE file. */
  wav: Buffer;
  durationMs: number;
}

export interface TtsEngine {
  /** Names the engine and its version: part of every cache key, so a new engine never serves an old one's audio. */
  readonly id: string;
  readonly voices: readonly string[];
  readonly defaultVoice: string;
  /** Throws TtsError: `invalid` (bad text or option), `busy` (queue full), `failed` or `timeout`. */
  synthesize(text: string, options: TtsOptions): Promise<SpeechAudio>;
  /** Stops worker threads or connections. */
  close(): Promise<void>;
}

export type TtsProblem = 'invalid' | 'busy' | 'failed' | 'timeout';

export class TtsError extends Error {
  constructor(
    readonly problem: TtsProblem,
    message: string,
    /** For `invalid`: which option (`text`, `voice`, `rate`, `pitch`), and what is wrong in Chinese. */
    readonly field?: 'text' | 'voice' | 'rate' | 'pitch',
    readonly messageZh?: string,
  ) {
    super(message);
    this.name = 'TtsError';
  }
}

export { PITCH_RANGE, RATE_RANGE, TTS_MAX_CHARS };

/**
 * The text as it is spoken and cached: Unicode NFC, invisible format characters (zero-width
 * spaces, a byte-order mark) removed, runs of whitespace (line breaks included) as one space,
 * trimmed. Two texts that differ only there sound the same and share a cache entry.
 */
export function normalizeTtsText(text: string): string {
  return text.normalize('NFC').replace(/\p{Cf}/gu, '').replace(/\s+/gu, ' ').trim();
}

/** Why the (normalized) text cannot be spoken, in Chinese and English; undefined when it can. */
export function ttsTextProblem(text: string): { zh: string; en: string } | undefined {
  const length = [...text].length;
  if (length === 0) return { zh: '请输入要播报的文字', en: 'enter the text to speak' };
  if (length > TTS_MAX_CHARS) return { zh: `文字最多 ${TTS_MAX_CHARS} 字（现有 ${length} 字）`, en: `at most ${TTS_MAX_CHARS} characters (got ${length})` };
  // Control, private-use and unpaired surrogate characters have no sound and could hide text.
  if (/[\p{Cc}\p{Co}\p{Cs}]/u.test(text)) return { zh: '文字含有不可见的控制字符', en: 'the text holds invisible control characters' };
  if (!/[\p{L}\p{N}]/u.test(text)) return { zh: '文字中没有可以朗读的内容', en: 'the text holds nothing to speak (only punctuation or symbols)' };
  return undefined;
}

/** Checks text and options against the limits every engine shares; throws TtsError('invalid'). */
export function checkTtsInput(engine: Pick<TtsEngine, 'voices'>, text: string, options: TtsOptions): void {
  const problem = ttsTextProblem(text);
  if (problem) throw new TtsError('invalid', problem.en, 'text', problem.zh);
  if (!engine.voices.includes(options.voice)) {
    const known = engine.voices.join(', ');
    throw new TtsError('invalid', `unknown voice ${JSON.stringify(options.voice)}; known: ${known}`, 'voice', `没有该音色，可选：${known}`);
  }
  if (options.rate !== undefined && !(options.rate >= RATE_RANGE[0] && options.rate <= RATE_RANGE[1])) {
    throw new TtsError('invalid', `rate must be ${RATE_RANGE[0]}–${RATE_RANGE[1]}`, 'rate', `语速应为 ${RATE_RANGE[0]}–${RATE_RANGE[1]}`);
  }
  if (options.pitch !== undefined && !(Number.isInteger(options.pitch) && options.pitch >= PITCH_RANGE[0] && options.pitch <= PITCH_RANGE[1])) {
    throw new TtsError('invalid', `pitch must be an integer ${PITCH_RANGE[0]}–${PITCH_RANGE[1]}`, 'pitch', `音调应为 ${PITCH_RANGE[0]}–${PITCH_RANGE[1]} 的整数`);
  }
}
