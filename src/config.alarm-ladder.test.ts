import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('the alarm ladder’s township default', () => {
  it('is 3, 5 and 10 minutes unless set; decimals and fewer steps are allowed', () => {
    expect(loadConfig({}).safeVillage.ladderMinutes).toEqual([3, 5, 10]);
    expect(loadConfig({ ALARM_LADDER_MINUTES: '0.5, 2' }).safeVillage.ladderMinutes).toEqual([0.5, 2]);
  });

  it('refuses zero, negative, non-numeric, over a day, or more than three steps, naming the key', () => {
    for (const bad of ['0', '-1', 'abc', '3,,5', '1441', '1,2,3,4']) {
      expect(() => loadConfig({ ALARM_LADDER_MINUTES: bad }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ ALARM_LADDER_MINUTES: bad }), bad).toThrow(/ALARM_LADDER_MINUTES/);
    }
  });
});
