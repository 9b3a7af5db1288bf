import { describe, expect, it } from 'vitest';
import { actionsFor, nextState, serviceRequestActions, serviceRequestStates, transitions } from './service-request-state.js';

describe('service request state machine', () => {
  it('walks the usual path: submitted → accepted → awaiting materials → accepted → completed', () => {
    expect(nextState('submitted', 'accept')).toBe('accepted');
    expect(nextState('accepted', 'request_materials')).toBe('awaiting_materials');
    expect(nextState('awaiting_materials', 'supplement')).toBe('accepted');
    expect(nextState('accepted', 'complete')).toBe('completed');
  });

  it('closes for good: nothing leaves completed, rejected or cancelled', () => {
    for (const state of ['completed', 'rejected', 'cancelled'] as const) {
      for (const action of serviceRequestActions) expect(nextState(state, action)).toBeUndefined();
    }
  });

  it('cannot complete what was never accepted, nor complete while materials are missing', () => {
    expect(nextState('submitted', 'complete')).toBeUndefined();
    expect(nextState('awaiting_materials', 'complete')).toBeUndefined();
    expect(nextState('submitted', 'supplement')).toBeUndefined();
  });

  it('lets the handler refuse and the villager cancel while the request is open', () => {
    for (const state of ['submitted', 'accepted', 'awaiting_materials'] as const) {
      expect(nextState(state, 'reject')).toBe('rejected');
      expect(nextState(state, 'cancel')).toBe('cancelled');
    }
  });

  it('offers each side only its own actions', () => {
    expect(actionsFor('submitted', { handler: true, requester: false })).toEqual(['accept', 'reject']);
    expect(actionsFor('submitted', { handler: false, requester: true })).toEqual(['cancel']);
    expect(actionsFor('awaiting_materials', { handler: false, requester: true })).toEqual(['supplement', 'cancel']);
    expect(actionsFor('accepted', { handler: true, requester: false })).toEqual(['request_materials', 'complete', 'reject']);
    expect(actionsFor('completed', { handler: true, requester: true })).toEqual([]);
  });

  it('reaches every state from submitted', () => {
    const reached = new Set<string>(['submitted']);
    for (let round = 0; round < 4; round++) {
      for (const state of [...reached]) for (const t of Object.values(transitions)) if (t.from.includes(state as never)) reached.add(t.to);
    }
    expect([...reached].sort()).toEqual([...serviceRequestStates].sort());
  });
});
