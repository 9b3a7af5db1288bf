import { describe, expect, it } from 'vitest';
import { demoSpeakers } from '../devices/demo-speakers.js';
import { type AreaGeometry, containsPoint } from '../regions/geometry.js';
import { demoCameras } from '../safe-village/demo-cameras.js';
import { demoMeters } from '../water/demo-meters.js';
import { demoAccounts, demoGridWorkers } from './demo.seed.js';
import { heibaoFeatures } from './heibao.js';

/** The demo must be consistent: a device stands in the region it is registered to, and every grid has someone to look. */
const features = heibaoFeatures().features;
const regionOf = (code: string) => features.find((f) => f.properties.code === code);

describe('demo data', () => {
  it('puts every camera, speaker and meter that has a position inside the polygon of its registered region', () => {
    const placed = [
      ...demoCameras(null).map((c) => ({ id: c.id, regionCode: c.regionCode, location: c.location })),
      ...demoSpeakers().map((s) => ({ id: s.id, regionCode: s.regionCode, location: s.location })),
      ...demoMeters().map((m) => ({ id: m.id, regionCode: m.regionCode, location: m.location })),
    ];
    expect(placed.length).toBeGreaterThan(40);
    const misplaced = placed.filter((device) => {
      const region = regionOf(device.regionCode);
      if (!region?.geometry) return true; // registered to a region that does not exist or has no outline
      return device.location !== null && !containsPoint(region.geometry as AreaGeometry, [device.location.lon, device.location.lat]);
    });
    expect(misplaced.map((d) => d.id)).toEqual([]);
    // The check has something to check: the devices do have positions.
    expect(placed.filter((d) => d.location !== null).length).toBe(placed.length);
  });

  it('gives every grid a grid worker with a name and a phone of their own', () => {
    const workers = [...demoAccounts.filter((a) => a.role === 'grid_worker'), ...demoGridWorkers()];
    const grids = features.filter((f) => f.properties.level === 'grid').map((f) => f.properties.code);
    expect(grids).toHaveLength(44);
    expect(workers.map((w) => w.regionCode).sort()).toEqual([...grids].sort());
    expect(workers.every((w) => regionOf(w.regionCode)?.properties.name === w.where)).toBe(true);
    expect(demoGridWorkers().every((w) => /^[\u4e00-\u9fff]{2,3}$/.test(w.name))).toBe(true);
    const phones = [...demoAccounts, ...demoGridWorkers()].map((a) => a.phone);
    expect(new Set(phones).size).toBe(phones.length);
    expect(new Set(workers.map((w) => w.name)).size).toBe(workers.length);
    expect(demoGridWorkers().find((w) => w.regionCode === '13063120220603')).toMatchObject({ phone: '13800010603', where: '西阳邱村第三网格' });
  });
});
