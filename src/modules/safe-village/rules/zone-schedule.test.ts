import { describe, expect, it } from 'vitest';
import type { ZoneSchedule } from './types.js';
import { isScheduleActive, parseTimeOfDay } from './zone-schedule.js';

// Local Shanghai time; 2025-07-14 is a Monday.
const local = (text: string): Date => new Date(`${text}+08:00`);
const active = (schedules: ZoneSchedule[], text: string): boolean => isScheduleActive(schedules, local(text));

describe('isScheduleActive', () => {
  it('is always active without schedules', () => {
    expect(isScheduleActive([], local('2025-07-14T03:00:00'))).toBe(true);
  });

  it('runs a daily window from start to just before end, in Shanghai time', () => {
    const day = [{ start: '06:00', end: '20:00' }];
    expect(active(day, '2025-07-14T05:59:59')).toBe(false);
    expect(active(day, '2025-07-14T06:00:00')).toBe(true);
    expect(active(day, '2025-07-14T19:59:59')).toBe(true);
    expect(active(day, '2025-07-14T20:00:00')).toBe(false);
    // 23:00 UTC is 07:00 the next morning in Shanghai.
    expect(isScheduleActive(day, new Date('2025-07-14T23:00:00Z'))).toBe(true);
    expect(isScheduleActive(day, new Date('2025-07-14T13:00:00Z'))).toBe(false);
  });

  it('wraps a window past midnight', () => {
    const night = [{ start: '20:00', end: '06:00' }];
    expect(active(night, '2025-07-14T19:59:00')).toBe(false);
    expect(active(night, '2025-07-14T20:00:00')).toBe(true);
    expect(active(night, '2025-07-14T23:59:00')).toBe(true);
    expect(active(night, '2025-07-15T00:00:00')).toBe(true);
    expect(active(night, '2025-07-15T05:59:00')).toBe(true);
    expect(active(night, '2025-07-15T06:00:00')).toBe(false);
    expect(active(night, '2025-07-15T12:00:00')).toBe(false);
  });

  it('covers the whole day with 00:00–24:00', () => {
    const allDay = [{ start: '00:00', end: '24:00' }];
    expect(active(allDay, '2025-07-14T00:00:00')).toBe(true);
    expect(active(allDay, '2025-07-14T23:59:59')).toBe(true);
  });

  it('limits to ISO weekdays, Sunday being 7', () => {
    const workdays = [{ days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' }];
    expect(active(workdays, '2025-07-14T10:00:00')).toBe(true);
    expect(active(workdays, '2025-07-19T10:00:00')).toBe(false);
    expect(active(workdays, '2025-07-20T10:00:00')).toBe(false);
    expect(active([{ days: [7], start: '08:00', end: '18:00' }], '2025-07-20T10:00:00')).toBe(true);
    // 20:00 UTC on Saturday is Sunday 04:00 in Shanghai.
    expect(isScheduleActive([{ days: [7], start: '00:00', end: '06:00' }], new Date('2025-07-19T20:00:00Z'))).toBe(true);
    expect(isScheduleActive([{ days: [6], start: '00:00', end: '06:00' }], new Date('2025-07-19T20:00:00Z'))).toBe(false);
  });

  it('gives the after-midnight part of a night window to the day it started on', () => {
    const fridayNight = [{ days: [5], start: '20:00', end: '06:00' }];
    expect(active(fridayNight, '2025-07-18T21:00:00')).toBe(true);
    expect(active(fridayNight, '2025-07-19T03:00:00')).toBe(true);
    expect(active(fridayNight, '2025-07-18T03:00:00')).toBe(false);
    expect(active(fridayNight, '2025-07-19T21:00:00')).toBe(false);
  });

  it('limits to months, the flood season June–September', () => {
    const flood = [{ months: [6, 7, 8, 9], start: '00:00', end: '24:00' }];
    expect(active(flood, '2025-05-31T23:59:00')).toBe(false);
    expect(active(flood, '2025-06-01T00:00:00')).toBe(true);
    expect(active(flood, '2025-09-30T23:59:00')).toBe(true);
    expect(active(flood, '2025-10-01T00:00:00')).toBe(false);
    // 16:00 UTC on 31 May is already 1 June in Shanghai.
    expect(isScheduleActive(flood, new Date('2025-05-31T16:00:00Z'))).toBe(true);
  });

  it('gives a wrapping night window to the month it started in', () => {
    const floodNights = [{ months: [6, 7, 8, 9], start: '20:00', end: '06:00' }];
    expect(active(floodNights, '2025-10-01T03:00:00')).toBe(true);
    expect(active(floodNights, '2025-10-01T21:00:00')).toBe(false);
    expect(active(floodNights, '2025-06-01T03:00:00')).toBe(false);
    expect(active(floodNights, '2025-06-01T21:00:00')).toBe(true);
  });

  it('is active when any schedule matches', () => {
    const split = [
      { start: '06:00', end: '08:00' },
      { start: '17:00', end: '19:00' },
    ];
    expect(active(split, '2025-07-14T07:00:00')).toBe(true);
    expect(active(split, '2025-07-14T18:00:00')).toBe(true);
    expect(active(split, '2025-07-14T12:00:00')).toBe(false);
  });
});

describe('parseTimeOfDay', () => {
  it('reads HH:MM up to 24:00 and refuses anything else', () => {
    expect(parseTimeOfDay('00:00')).toBe(0);
    expect(parseTimeOfDay('06:30')).toBe(390);
    expect(parseTimeOfDay('24:00')).toBe(1440);
    for (const bad of ['6:30', '24:01', '12:60', '25:00', 'noon', '']) {
      expect(() => parseTimeOfDay(bad), bad).toThrow(/HH:MM/);
    }
  });
});
