import type { ServiceRequestState } from '../../platform/db/schema.js';

/**
 * The 预约/代办 request's state machine, in one table. A villager submits; the village's handler
 * accepts it (受理), may ask for missing materials (补材料) which the villager supplies, completes it
 * (办结) or refuses it with a reason (不予受理); the villager may cancel until it is finished.
 *
 *   submitted ──accept──► accepted ──complete──► completed
 *      │                   │   ▲
 *      │        request_materials  supplement (villager)
 *      │                   ▼   │
 *      │              awaiting_materials
 *      └── reject (handler) / cancel (villager) from any open state ──► rejected / cancelled
 */
export const serviceRequestStates = ['submitted', 'accepted', 'awaiting_materials', 'completed', 'rejected', 'cancelled'] as const satisfies readonly ServiceRequestState[];
export const openStates: readonly ServiceRequestState[] = ['submitted', 'accepted', 'awaiting_materials'];

export type ServiceRequestAction = 'accept' | 'request_materials' | 'supplement' | 'complete' | 'reject' | 'cancel';
export const serviceRequestActions = ['accept', 'request_materials', 'supplement', 'complete', 'reject', 'cancel'] as const satisfies readonly ServiceRequestAction[];

export interface Transition {
  from: readonly ServiceRequestState[];
  to: ServiceRequestState;
  /** Who takes it: the village's handler, or the villager who asked. */
  by: 'handler' | 'requester';
  /** A note is required (what is missing, what was supplied, why refused). */
  note: boolean;
}

export const transitions: Record<ServiceRequestAction, Transition> = {
  accept: { from: ['submitted'], to: 'accepted', by: 'handler', note: false },
  request_materials: { from: ['accepted'], to: 'awaiting_materials', by: 'handler', note: true },
  supplement: { from: ['awaiting_materials'], to: 'accepted', by: 'requester', note: true },
  complete: { from: ['accepted'], to: 'completed', by: 'handler', note: false },
  reject: { from: ['submitted', 'accepted', 'awaiting_materials'], to: 'rejected', by: 'handler', note: true },
  cancel: { from: ['submitted', 'accepted', 'awaiting_materials'], to: 'cancelled', by: 'requester', note: false },
};

/** The state after `action`, or undefined when the action is not allowed from `state`. */
export function nextState(state: ServiceRequestState, action: ServiceRequestAction): ServiceRequestState | undefined {
  const t = transitions[action];
  return t.from.includes(state) ? t.to : undefined;
}

/** The actions open to a handler and to the requester in `state` (what the pages offer). */
export function actionsFor(state: ServiceRequestState, who: { handler: boolean; requester: boolean }): ServiceRequestAction[] {
  return serviceRequestActions.filter((action) => {
    const t = transitions[action];
    return t.from.includes(state) && ((t.by === 'handler' && who.handler) || (t.by === 'requester' && who.requester));
  });
}

export const isOpen = (state: ServiceRequestState) => openStates.includes(state);
