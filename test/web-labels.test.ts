import { describe, expect, it } from 'vitest';
import { deviceNames, greetingKey } from '../web/src/shared/label-rules.ts';

/** The phone's greeting by China time, and a signed-in device in words (web/src/shared/label-rules.ts). */
describe('web label rules', () => {
  it('greets by the hour in China, whatever the device’s zone', () => {
    const china = (hhmm: string) => new Date(`2026-12-08T${hhmm}:00+08:00`);
    const table: [string, string][] = [
      ['00:00', 'dawn'],
      ['02:46', 'dawn'],
      ['04:59', 'dawn'],
      ['05:00', 'early'],
      ['07:59', 'early'],
      ['08:00', 'morning'],
      ['10:59', 'morning'],
      ['11:00', 'noon'],
      ['12:59', 'noon'],
      ['13:00', 'afternoon'],
      ['17:59', 'afternoon'],
      ['18:00', 'evening'],
      ['23:59', 'evening'],
    ];
    for (const [hhmm, key] of table) expect(greetingKey(china(hhmm)), hhmm).toBe(`home.greet.${key}`);
    // 18:46 UTC is 02:46 the next morning in Shanghai: 凌晨, not 上午 or 晚上.
    expect(greetingKey(new Date('2026-12-07T18:46:00Z'))).toBe('home.greet.dawn');
  });

  it('names a device by its browser and system, never by the raw User-Agent', () => {
    const android = 'Mozilla/5.0 (Linux; Android 13; V2203A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36';
    const wechat = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44';
    const edge = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0';
    const safari = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15';
    const headless = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36';
    expect(deviceNames(android)).toEqual({ browser: 'Chrome', system: 'sessions.android' });
    expect(deviceNames(wechat)).toEqual({ browser: 'sessions.wechat', system: 'iPhone' });
    expect(deviceNames(edge)).toEqual({ browser: 'Edge', system: 'Windows' });
    expect(deviceNames(safari)).toEqual({ browser: 'Safari', system: 'macOS' });
    expect(deviceNames(headless)).toEqual({ browser: 'Chrome', system: 'sessions.computer' });
    expect(deviceNames('lightMyRequest')).toEqual({ browser: null, system: null });
    expect(deviceNames(null)).toEqual({ browser: null, system: null });
  });
});
