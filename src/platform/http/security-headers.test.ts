import { describe, expect, it } from 'vitest';
import { cspDirectives, tileOrigin } from './security-headers.js';

describe('the content security policy', () => {
  it('allows pictures from the screen’s tile source by origin only, never with its key', () => {
    expect(tileOrigin('https://tiles.example.cn/{z}/{x}/{y}.png?key=secret')).toBe('https://tiles.example.cn');
    expect(tileOrigin('http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png')).toBe('http://10.0.0.5:8080');
    expect(tileOrigin('https://user:pass@tiles.example.cn/{z}/{x}/{y}.png')).toBe('https://tiles.example.cn');
    // Subdomain placeholders ({s}, ranges) become a wildcard for the host's first labels.
    expect(tileOrigin('https://t{0-7}.tianditu.gov.cn/img_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=abc')).toBe('https://*.tianditu.gov.cn');
    expect(tileOrigin('https://{s}.tile.example.org/{z}/{x}/{y}.png')).toBe('https://*.tile.example.org');
    // A placeholder that leaves no real domain beneath cannot be expressed safely.
    expect(tileOrigin('https://{s}.org/{z}/{x}/{y}.png')).toBeNull();
    expect(tileOrigin('https://{s}/{z}/{x}/{y}.png')).toBeNull();
  });

  it('lets scripts come only from the platform itself and adds the tile origin to img-src', () => {
    const plain = cspDirectives({});
    expect(plain['script-src']).toEqual(["'self'"]);
    expect(plain['img-src']).toEqual(["'self'", 'data:', 'blob:']);
    expect(plain['frame-ancestors']).toEqual(["'none'"]);
    expect(plain['object-src']).toEqual(["'none'"]);
    expect(Object.keys(plain)).not.toContain('upgrade-insecure-requests');
    const withTiles = cspDirectives({ tileUrl: 'https://t{0-7}.tianditu.gov.cn/x?l={z}&c={x}&r={y}&tk=abc' });
    expect(withTiles['img-src']).toEqual(["'self'", 'data:', 'blob:', 'https://*.tianditu.gov.cn']);
    expect(withTiles['connect-src']).toEqual(["'self'"]);
  });
});
