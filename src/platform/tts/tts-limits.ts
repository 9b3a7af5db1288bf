/**
 * The limits of speech requests, apart from the engine interface (which speaks of Node buffers) so
 * that the audio schema — and through it the web apps' typecheck, which has no Node types — can
 * import them.
 */
export const TTS_MAX_CHARS = 1000;
export const RATE_RANGE = [0.5, 2] as const;
export const PITCH_RANGE = [0, 100] as const;
