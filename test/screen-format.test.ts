import { describe, expect, it, vi } from 'vitest';
import { area, cameraLabel, chinaClock, debounce, feedTime, figure, fitStage, hours, mergeFeed, percent, rating, share, shortName } from '../web/src/screen/format.ts';
import { affineFrom, bounds, centroid, contains, mercator, TILE, tilesFor, tileUrl, unmercator } from '../web/src/screen/tiles.ts';

/** The big screen's pure helpers (web/src/screen/format.ts, tiles.ts): China time, figures, feeds, the tile mosaic. */
describe('big screen formatting', () => {
  it('tells the time in China, whatever the machine’s zone', () => {
    // 2026-11-27 23:30 UTC is Saturday 07:30 in Shanghai.
    const at = new Date('2026-11-27T23:30:05Z');
    expect(chinaClock(at, 'zh')).toEqual({ time: '07:30:05', date: '2026年11月28日', weekday: '星期六' });
    expect(chinaClock(at, 'en')).toMatchObject({ time: '07:30:05', weekday: 'Saturday' });
    expect(feedTime('2026-11-27T23:10:00Z', at)).toBe('07:10');
    expect(feedTime('2026-11-27T15:59:00Z', at)).toBe('11-27 23:59');
  });

  it('writes figures with grouping, a dash when unknown', () => {
    expect(figure(29880)).toBe('29,880');
    expect(figure(null)).toBe('—');
    expect(area(40.23)).toBe('40.2');
    expect(area(123.4)).toBe('123');
    expect(percent(0.825)).toBe('82.5');
    expect(percent(1)).toBe('100');
    expect(percent(null)).toBe('—');
    expect(hours(14.64)).toBe('14.6');
    expect(rating(4.66)).toBe('4.7');
    expect(rating(null)).toBe('—');
    expect(share(13, 16)).toBe(81);
    expect(share(0, 0)).toBe(0);
    expect(shortName('西阳邱村第一网格', '西阳邱村')).toBe('第一网格');
    expect(shortName('西阳邱村', '黑堡乡')).toBe('西阳邱村');
    expect(cameraLabel('西阳邱村鱼塘', '西阳邱村第一网格')).toBe('西阳邱村鱼塘');
    expect(cameraLabel('村口', '东黑堡村')).toBe('东黑堡村 · 村口');
  });

  it('merges a live feed with the fetched one: one per id, newest first, at most max', () => {
    const item = (id: string, at: string) => ({ id, at });
    const live = [item('c', '2026-11-27T10:03:00Z'), item('a', '2026-11-27T10:01:00Z')];
    const fetched = [item('b', '2026-11-27T10:02:00Z'), item('a', '2026-11-27T10:01:00Z'), item('z', '2026-11-27T09:00:00Z')];
    expect(mergeFeed(live, fetched, (i) => i.id, (i) => i.at, 3).map((i) => i.id)).toEqual(['c', 'b', 'a']);
  });

  it('debounces a burst into one call', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const call = debounce(fn, 300);
    call();
    call();
    vi.advanceTimersByTime(299);
    call();
    vi.advanceTimersByTime(300);
    expect(fn).toHaveBeenCalledTimes(1);
    call();
    call.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
  });

  it('fits the 1920×1080 stage into a window, centred', () => {
    expect(fitStage(1920, 1080)).toEqual({ scale: 1, left: 0, top: 0 });
    const small = fitStage(1366, 768);
    expect(small.scale).toBeCloseTo(0.7114, 3);
    expect(fitStage(1920, 1200)).toEqual({ scale: 1, left: 0, top: 60 });
  });
});

describe('big screen tiles', () => {
  it('projects to Web Mercator and back', () => {
    expect(mercator([0, 0])).toEqual([128, 128]);
    const [lon, lat] = unmercator(mercator([115.07, 38.7]));
    expect(lon).toBeCloseTo(115.07, 9);
    expect(lat).toBeCloseTo(38.7, 9);
  });

  it('fills tile templates, with TMS rows and subdomains', () => {
    expect(tileUrl('https://t{0-7}.tianditu.gov.cn/img_w/wmts?TILECOL={x}&TILEROW={y}&TILEMATRIX={z}', 12, 3357, 1569)).toBe('https://t6.tianditu.gov.cn/img_w/wmts?TILECOL=3357&TILEROW=1569&TILEMATRIX=12');
    expect(tileUrl('https://{s}.tile.example/{z}/{x}/{-y}.png', 2, 1, 0)).toBe('https://b.tile.example/2/1/3.png');
  });

  it('covers a view with the tiles of the zoom nearest its scale, placed where the map puts the places', () => {
    // A map drawn at 2^12.2 pixels per zoom-0 pixel, with 黑堡乡's north-west corner at (100, 50).
    const scale = 2 ** 12.2;
    const nw: [number, number] = [115.03, 38.75];
    const se: [number, number] = [115.12, 38.65];
    const [x0, y0] = mercator(nw);
    const [x1, y1] = mercator(se);
    const affine = affineFrom(nw, [100, 50], se, [100 + (x1 - x0) * scale, 50 + (y1 - y0) * scale])!;
    expect(affine.sx).toBeCloseTo(scale, 6);
    const { zoom, tiles } = tilesFor('/t/{z}/{x}/{y}.png', affine, 900, 600);
    expect(zoom).toBe(12);
    // Seamless: neighbours share their edges, and together they cover the view.
    const lefts = [...new Set(tiles.map((t) => t.left))].sort((a, b) => a - b);
    const tops = [...new Set(tiles.map((t) => t.top))].sort((a, b) => a - b);
    for (const tile of tiles) {
      expect(tiles.some((o) => o.left === tile.left + tile.width) || tile.left + tile.width >= 900).toBe(true);
      expect(tile.width).toBeGreaterThan(TILE);
    }
    expect(lefts[0]).toBeLessThanOrEqual(0);
    expect(tops[0]).toBeLessThanOrEqual(0);
    // The place at (100, 50) lies in its tile at its Mercator fraction.
    const n = 2 ** zoom;
    const tx = Math.floor((x0 * n) / TILE);
    const ty = Math.floor((y0 * n) / TILE);
    const tile = tiles.find((t) => t.key === `${zoom}/${tx}/${ty}`)!;
    expect(tile.url).toBe(`/t/${zoom}/${tx}/${ty}.png`);
    expect(Math.abs(tile.left + ((x0 * n) / TILE - tx) * tile.width - 100)).toBeLessThan(1.5);
    expect(Math.abs(tile.top + ((y0 * n) / TILE - ty) * tile.height - 50)).toBeLessThan(1.5);
  });

  it('finds bounds and label points of GeoJSON', () => {
    const square = { type: 'Polygon', coordinates: [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]] };
    const multi = { type: 'MultiPolygon', coordinates: [[[[10, 10], [11, 10], [11, 11], [10, 10]]], square.coordinates] };
    expect(bounds([square, multi])).toEqual([0, 0, 11, 11]);
    expect(centroid(square)).toEqual([1, 1]);
    expect(centroid(multi)).toEqual([1, 1]); // the larger part
    expect(bounds([null])).toBeNull();
  });

  it('tells whether a place lies in a region (holes are outside)', () => {
    const withHole = { type: 'Polygon', coordinates: [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]] };
    expect(contains(withHole, [0.5, 0.5])).toBe(true);
    expect(contains(withHole, [2, 2])).toBe(false);
    expect(contains(withHole, [5, 2])).toBe(false);
    expect(contains({ type: 'MultiPolygon', coordinates: [[[[10, 10], [11, 10], [11, 11], [10, 10]]]] }, [10.8, 10.2])).toBe(true);
    expect(contains(null, [0, 0])).toBe(false);
  });
});
