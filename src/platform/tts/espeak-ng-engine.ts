import { InvalidWav, parseWav } from '../media/wav.js';
import { checkTtsInput, normalizeTtsText, type SpeechAudio, TtsError, type TtsEngine, type TtsOptions } from './tts-engine.js';
import { PoolBusy, PoolTimeout, WorkerPool, type WorkerPoolOptions } from './worker-pool.js';

/** espeak-ng's own pace (words per minute) at rate 1. */
const NORMAL_WPM = 175;

interface WorkerRequest {
  text: string;
  voice: string;
  wordsPerMinute?: number;
  pitch?: number;
}

type WorkerAnswer = { wav: Uint8Array; error?: undefined } | { error: string; wav?: undefined };

/**
 * espeak-ng 1.52 from the `espeak-ng` npm package (WebAssembly, GPL-3.0-or-later), whose
 * Mandarin voice `cmn` speaks with the right tones and tone sandhi (Debian's espeak-ng 1.51
 * `-v cmn` reads Chinese characters as English letter names). One synthesis blocks for
 * 0.1–0.4 s, so it runs in worker threads: at most `concurrency` at once, the rest queued.
 * Output: 16-bit mono PCM WAV at 22050 Hz.
 */
export class EspeakNgEngine implements TtsEngine {
  readonly id = 'espeak-ng-wasm/1.52';
  readonly voices = ['cmn', 'yue', 'en-us'] as const;
  readonly defaultVoice = 'cmn';
  private readonly pool: WorkerPool<WorkerRequest, WorkerAnswer>;

  constructor(options: Partial<WorkerPoolOptions> = {}) {
    this.pool = new WorkerPool(new URL('./espeak-ng.worker.mjs', import.meta.url), {
      concurrency: options.concurrency ?? 1,
      maxQueue: options.maxQueue ?? 100,
      timeoutMs: options.timeoutMs ?? 30_000,
      idleMs: options.idleMs ?? 60_000,
    });
  }

  async synthesize(text: string, options: TtsOptions): Promise<SpeechAudio> {
    const spoken = normalizeTtsText(text);
    checkTtsInput(this, spoken, options);
    const request: WorkerRequest = {
      text: spoken,
      voice: options.voice,
      wordsPerMinute: options.rate === undefined ? undefined : Math.round(NORMAL_WPM * options.rate),
      // espeak-ng's pitch runs 0–99.
      pitch: options.pitch === undefined ? undefined : Math.min(99, options.pitch),
    };
    let answer: WorkerAnswer;
    try {
      answer = await this.pool.run(request);
    } catch (error) {
      if (error instanceof PoolBusy) throw new TtsError('busy', 'the speech engine is busy; try again shortly');
      if (error instanceof PoolTimeout) throw new TtsError('timeout', `speech synthesis took too long (${error.message})`);
      throw new TtsError('failed', `speech synthesis failed: ${(error as Error).message}`);
    }
    if (answer.error !== undefined) throw new TtsError('failed', `espeak-ng: ${answer.error}`);
    const wav = Buffer.from(answer.wav.buffer, answer.wav.byteOffset, answer.wav.byteLength);
    try {
      return { wav, durationMs: parseWav(wav).durationMs };
    } catch (error) {
      if (error instanceof InvalidWav) throw new TtsError('failed', `espeak-ng wrote an unreadable WAV: ${error.message}`);
      throw error;
    }
  }

  stats() {
    return this.pool.stats();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
