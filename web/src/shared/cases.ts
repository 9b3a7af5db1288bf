import type { CaseEvent, CaseState, CaseSummary } from '@/api/cases';
import { t, type MessageKey } from './i18n';
import { relativeTo } from './format';

/** How cases read in both apps: state names and colours, event wording, the deadline that matters now. */
export function stateLabel(state: CaseState | string): string {
  return t(`caseState.${state}` as MessageKey) ?? state;
}

/** Vant tag types and Element tag types share these names. */
export function stateTone(state: CaseState | string): 'primary' | 'success' | 'warning' | 'danger' | 'default' {
  switch (state) {
    case 'submitted':
      return 'warning';
    case 'accepted':
      return 'primary';
    case 'resolved':
      return 'primary';
    case 'closed':
      return 'success';
    case 'rejected':
      return 'default';
    default:
      return 'default';
  }
}

export function caseLevelLabel(level: string | null | undefined): string {
  return level ? t(`caseLevel.${level}` as MessageKey) ?? level : '—';
}

/** How a case came in: 群众上报, 平安乡村告警, 用水预警 … */
export function caseSourceLabel(source: string): string {
  return t(`caseSource.${source}` as MessageKey) ?? source;
}

/** Event types: 'submitted', 'supported', and otherwise the action's name (cases.service.ts). */
const knownEvents = new Set(['submitted', 'supported', 'accept', 'resolve', 'approve', 'return', 'reject', 'dispute', 'rate', 'escalate', 'comment', 'comments', 'assigned']);

/**
 * "网格员 张三 接单" — the event's verb, with the state it led to when the type is unfamiliar. A case
 * filed by a camera alarm or a water alert starts with its source (用水预警), not 群众上报.
 */
export function eventLabel(event: CaseEvent, source?: string): string {
  if (event.type === 'submitted' && source && source !== 'app') return caseSourceLabel(source);
  if (event.type === 'escalate' && event.automatic) return t('caseEvent.autoEscalate');
  // Passed up at filing because nobody is there to take it (cases.service.ts, staffedLevel).
  if (event.type === 'routed') {
    if (event.fromLevel === 'village') return t('caseEvent.routedVillageToTownship');
    return t(event.toLevel === 'township' ? 'caseEvent.routedToTownship' : 'caseEvent.routedToVillage');
  }
  if (knownEvents.has(event.type)) return t(`caseEvent.${event.type === 'comments' ? 'comment' : event.type}` as MessageKey);
  if (event.toState && event.toState !== event.fromState) return stateLabel(event.toState);
  return event.type;
}

/** The deadline that applies in the case's state: accepting while submitted, resolving while accepted. */
export function currentDeadline(c: Pick<CaseSummary, 'state' | 'acceptDueAt' | 'resolveDueAt'>): string | null {
  if (c.state === 'submitted') return c.acceptDueAt;
  if (c.state === 'accepted') return c.resolveDueAt;
  return null;
}

export function deadlineText(c: Pick<CaseSummary, 'state' | 'acceptDueAt' | 'resolveDueAt' | 'overdue'>): { text: string; overdue: boolean } | null {
  const due = relativeTo(currentDeadline(c));
  if (!due) return null;
  return { text: due.text, overdue: due.overdue || c.overdue };
}

/** Element Plus tag types have no 'default'. */
export function stateTagType(state: CaseState | string): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  const tone = stateTone(state);
  return tone === 'default' ? 'info' : tone;
}

/** Distinct colours per state for Vant tags (the theme's primary and success are both green). */
export function stateColor(state: CaseState | string): string {
  switch (state) {
    case 'submitted':
      return '#d97706';
    case 'accepted':
      return '#2563eb';
    case 'resolved':
      return '#7c3aed';
    case 'closed':
      return '#1f7a4d';
    default:
      return '#6b7280';
  }
}
