import { describe, expect, it } from 'vitest';
import type { CaseState } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { canTransition, caseActions, nextLevel, nextState } from './case-state.js';

const states: CaseState[] = ['submitted', 'accepted', 'resolved', 'closed', 'rejected'];

describe('case state machine', () => {
  it('follows 点单 → 接单 → 办理 → 评单', () => {
    expect(nextState('submitted', 'accept')).toBe('accepted');
    expect(nextState('accepted', 'resolve')).toBe('resolved');
    expect(nextState('resolved', 'approve')).toBe('closed');
    expect(nextState('resolved', 'return')).toBe('accepted');
    expect(nextState('closed', 'dispute')).toBe('accepted');
    expect(nextState('submitted', 'reject')).toBe('rejected');
    expect(nextState('accepted', 'reject')).toBe('rejected');
  });

  it('allows exactly this table of transitions and refuses every other with a 409', () => {
    const allowed: Record<string, CaseState[]> = {
      accept: ['submitted'],
      resolve: ['accepted'],
      approve: ['resolved'],
      return: ['resolved'],
      reject: ['submitted', 'accepted'],
      dispute: ['closed'],
      escalate: ['submitted', 'accepted'],
      rate: ['closed'],
      comment: states,
      support: ['submitted', 'accepted'],
    };
    for (const action of caseActions) {
      for (const state of states) {
        const ok = allowed[action]!.includes(state);
        expect([action, state, canTransition(state, action)]).toEqual([action, state, ok]);
        if (!ok) {
          try {
            nextState(state, action);
            expect.unreachable();
          } catch (error) {
            expect(error).toBeInstanceOf(AppError);
            expect((error as AppError).status).toBe(409);
          }
        }
      }
    }
  });

  it('escalates grid → village → township and no further', () => {
    expect(nextLevel('grid')).toBe('village');
    expect(nextLevel('village')).toBe('township');
    expect(nextLevel('township')).toBeNull();
  });
});
