import type { CaseState } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';

/**
 * The case lifecycle: 群众点单 (submitted) → 网格接单 (accepted) → handled (resolved) →
 * 支部评单: approved (closed) or returned (accepted again). Invalid reports and duplicates are
 * rejected; a reporter may dispute a closure, which sends the case back to the handler.
 */
export const caseActions = ['accept', 'resolve', 'approve', 'return', 'reject', 'dispute', 'escalate', 'rate', 'comment', 'support'] as const;
export type CaseAction = (typeof caseActions)[number];

const transitions: Record<CaseAction, { from: readonly CaseState[]; to: CaseState | null }> = {
  accept: { from: ['submitted'], to: 'accepted' },
  resolve: { from: ['accepted'], to: 'resolved' },
  approve: { from: ['resolved'], to: 'closed' },
  return: { from: ['resolved'], to: 'accepted' },
  reject: { from: ['submitted', 'accepted'], to: 'rejected' },
  dispute: { from: ['closed'], to: 'accepted' },
  // Actions that leave the state as it is:
  escalate: { from: ['submitted', 'accepted'], to: null },
  rate: { from: ['closed'], to: null },
  comment: { from: ['submitted', 'accepted', 'resolved', 'closed', 'rejected'], to: null },
  support: { from: ['submitted', 'accepted'], to: null },
};

export const stateLabels: Record<CaseState, { zh: string; en: string }> = {
  submitted: { zh: '待接单', en: 'Submitted' },
  accepted: { zh: '处置中', en: 'Being handled' },
  resolved: { zh: '待评单', en: 'Awaiting evaluation' },
  closed: { zh: '已办结', en: 'Closed' },
  rejected: { zh: '已驳回', en: 'Rejected' },
};

export function canTransition(state: CaseState, action: CaseAction): boolean {
  return transitions[action].from.includes(state);
}

/** The state after `action`, or a 409 naming the state the case is in. */
export function nextState(state: CaseState, action: CaseAction): CaseState {
  if (!canTransition(state, action)) {
    throw new AppError('CASE_TRANSITION_NOT_ALLOWED', {
      detail: { zh: `当前状态“${stateLabels[state].zh}”不能执行此操作`, en: `cannot ${action} a case that is ${state}` },
    });
  }
  return transitions[action].to ?? state;
}

export const levelOrder = ['grid', 'village', 'township'] as const;
export type CaseLevel = (typeof levelOrder)[number];

export const levelLabels: Record<CaseLevel, string> = { grid: '网格', village: '村', township: '乡镇' };

export function nextLevel(level: CaseLevel): CaseLevel | null {
  const i = levelOrder.indexOf(level);
  return levelOrder[i + 1] ?? null;
}
