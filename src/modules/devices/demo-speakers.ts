import { createHmac } from 'node:crypto';
import type { MetaRepository } from '../../platform/db/meta.repository.js';
import type { DevicesService } from './devices.service.js';
import { heibaoFeatures } from '../demo/heibao.js';
import { type AreaGeometry, centreOf } from '../regions/geometry.js';

/**
 * The demo's loudspeaker pillars: two in each Heibao village, one by the village committee and
 * one at the far end. Their secrets derive from a published seed, like the demo passwords, so
 * `shuxiang simulate speakers` can connect them from another process; never use them elsewhere.
 */
export const DEMO_DEVICE_SEED = 'shuxiang-demo-devices';

export function demoDeviceSecret(id: string): string {
  return createHmac('sha256', DEMO_DEVICE_SEED).update(id).digest('base64url');
}

export interface DemoSpeaker {
  id: string;
  name: string;
  regionCode: string;
  location: { lon: number; lat: number } | null;
  secret: string;
}

let cached: DemoSpeaker[] | undefined;

const rounded = ([lon, lat]: number[]) => ({ lon: Math.round(lon! * 1e6) / 1e6, lat: Math.round(lat! * 1e6) / 1e6 });

export function demoSpeakers(): DemoSpeaker[] {
  if (cached) return cached;
  const features = heibaoFeatures().features;
  cached = features
    .filter((f) => f.properties.level === 'village')
    .flatMap((village) => {
      // 1 at the village's centre (村委会); 2 at the centre of its eastmost grid (grids run west → east),
      // so that both stand inside the village they are registered to.
      const eastGrid = features.filter((f) => f.properties.parentCode === village.properties.code).at(-1);
      const spots = [village.geometry, eastGrid?.geometry].map((g) => (g ? rounded(centreOf(g as AreaGeometry)) : null));
      return [1, 2].map((n) => {
        const id = `spk-${village.properties.code}-0${n}`;
        return { id, name: `${village.properties.name}${n === 1 ? '村委会' : '村东'}音柱`, regionCode: village.properties.code, location: spots[n - 1] ?? null, secret: demoDeviceSecret(id) };
      });
    });
  return cached;
}

const SPEAKERS_MARKER = 'demo_speakers_seeded_at';

/** Registers the demo speakers once (a marker remembers it, so deleted ones stay deleted). */
export async function seedDemoSpeakers(
  devices: Pick<DevicesService, 'createDemoSpeaker'>,
  meta: Pick<MetaRepository, 'get' | 'set'>,
  now: Date,
): Promise<void> {
  if (await meta.get(SPEAKERS_MARKER)) return;
  for (const speaker of demoSpeakers()) await devices.createDemoSpeaker(speaker);
  await meta.set(SPEAKERS_MARKER, now.toISOString());
}
