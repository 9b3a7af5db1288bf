import type { z } from 'zod';
import type { audioClipView, ttsBody } from '@server/modules/audio/audio.schema';
import { http } from '@/shared/http';

/** 云播 audio: speech from text (试听) and uploaded files or browser recordings (喊话). */
export type AudioClip = z.infer<typeof audioClipView>;
export type TtsBody = z.input<typeof ttsBody>;

export const audioApi = {
  /** The same text gives the same clip from the server's cache (200), a new one 201. */
  tts: (body: TtsBody) => http.post<AudioClip>('/api/audio/tts', body),
  /** One file in the field `audio`: MP3/WAV, or what MediaRecorder made (converted to MP3 by the server). */
  upload: (file: Blob, fileName: string, kind: 'upload' | 'recording', text?: string) => {
    const form = new FormData();
    form.append('kind', kind);
    if (text) form.append('text', text);
    form.append('audio', file, fileName);
    return http.upload<AudioClip>('/api/audio', form);
  },
  get: (clipId: string) => http.get<AudioClip>(`/api/audio/${encodeURIComponent(clipId)}`),
};
