import { describe, expect, it } from 'vitest';
import { upcomingMeetingStart } from './party.demo.js';

/** The demo's coming meeting sits in working hours in China, whenever the demo is seeded. */
describe('the demo committee meeting', () => {
  const chinaParts = (at: Date) => {
    const local = new Date(at.getTime() + 8 * 3_600_000);
    return { hour: local.getUTCHours(), minute: local.getUTCMinutes(), weekday: local.getUTCDay() };
  };

  it('starts at 15:00 China time on a weekday, three to five days ahead, for a seed at any hour', () => {
    // Every hour of a fortnight, from a Monday 00:00 China time (2026-11-30 = Sunday 16:00 UTC).
    const from = Date.parse('2026-11-29T16:00:00Z');
    for (let h = 0; h < 14 * 24; h++) {
      const now = new Date(from + h * 3_600_000);
      const start = upcomingMeetingStart(now);
      expect(chinaParts(start), now.toISOString()).toMatchObject({ hour: 15, minute: 0 });
      expect([1, 2, 3, 4, 5], now.toISOString()).toContain(chinaParts(start).weekday);
      const daysAhead = (start.getTime() - now.getTime()) / 86_400_000;
      expect(daysAhead, now.toISOString()).toBeGreaterThan(2);
      expect(daysAhead, now.toISOString()).toBeLessThan(6);
    }
  });

});
