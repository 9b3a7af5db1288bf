import type { z } from 'zod';
import type {
  balanceView,
  claimPage,
  claimView,
  createItemBody,
  createRuleBody,
  entryPage,
  entryView,
  itemPage,
  itemView,
  ledgerQuery,
  listClaimsQuery,
  listItemsQuery,
  listOrdersQuery,
  listRulesQuery,
  orderPage,
  orderView,
  rankingsQuery,
  rankingsView,
  rulePage,
  ruleView,
  submitClaimBody,
  updateItemBody,
  updateRuleBody,
} from '@server/modules/points/points.schema';
import { http, type QueryOf } from '@/shared/http';

/** 积分制 and 积分超市: types are the server's zod schemas (src/modules/points/points.schema.ts). */
export type Rule = z.infer<typeof ruleView>;
export type RulePage = z.infer<typeof rulePage>;
export type RuleCategory = Rule['category'];
export type Earner = Rule['earner'];
export type CreateRuleBody = z.input<typeof createRuleBody>;
export type UpdateRuleBody = z.input<typeof updateRuleBody>;
export type ListRulesQuery = QueryOf<z.input<typeof listRulesQuery>>;

export type Claim = z.infer<typeof claimView>;
export type ClaimPage = z.infer<typeof claimPage>;
export type ClaimState = Claim['state'];
export type SubmitClaimBody = z.input<typeof submitClaimBody>;
export type ListClaimsQuery = QueryOf<z.input<typeof listClaimsQuery>>;

export type Entry = z.infer<typeof entryView>;
export type EntryPage = z.infer<typeof entryPage>;
export type EntryKind = Entry['kind'];
/** The ledger query as sent; `format` is set by the export call. */
export type LedgerQuery = Omit<QueryOf<z.input<typeof ledgerQuery>>, 'format'>;
export type Balance = z.infer<typeof balanceView>;

export type Rankings = z.infer<typeof rankingsView>;
export type RankingKind = Rankings['kind'];
export type RankingsQuery = QueryOf<z.input<typeof rankingsQuery>>;

export type StoreItem = z.infer<typeof itemView>;
export type ItemPage = z.infer<typeof itemPage>;
export type CreateItemBody = z.input<typeof createItemBody>;
export type UpdateItemBody = z.input<typeof updateItemBody>;
export type ListItemsQuery = QueryOf<z.input<typeof listItemsQuery>>;

export type Order = z.infer<typeof orderView>;
export type OrderPage = z.infer<typeof orderPage>;
export type OrderState = Order['state'];
export type ListOrdersQuery = QueryOf<z.input<typeof listOrdersQuery>>;

export const ruleCategories: RuleCategory[] = ['report', 'handling', 'civic', 'volunteer', 'environment', 'virtue', 'compliance', 'discipline'];
export const earners: Earner[] = ['reporter', 'handler', 'claimant', 'assigned', 'acknowledger'];
export const entryKinds: EntryKind[] = ['award', 'deduction', 'redemption', 'refund', 'correction', 'opening'];
export const claimStates: ClaimState[] = ['pending', 'approved', 'rejected'];
export const orderStates: OrderState[] = ['reserved', 'completed', 'cancelled'];

const id = (value: string) => encodeURIComponent(value);

export const pointsApi = {
  // rules (积分规则)
  rules: (query: ListRulesQuery = {}) => http.get<RulePage>('/api/points/rules', { ...query }),
  createRule: (body: CreateRuleBody) => http.post<Rule>('/api/points/rules', body),
  updateRule: (ruleId: string, body: UpdateRuleBody) => http.patch<Rule>(`/api/points/rules/${id(ruleId)}`, body),

  // claims (积分申报)
  /** Safe to retry: the id is the client's, so a repeated claim answers with the same claim. */
  submitClaim: (body: SubmitClaimBody) => http.post<Claim>('/api/points/claims', body),
  claims: (query: ListClaimsQuery = {}) => http.get<ClaimPage>('/api/points/claims', { ...query }),
  claim: (claimId: string) => http.get<Claim>(`/api/points/claims/${id(claimId)}`),
  approveClaim: (claimId: string, note?: string) => http.post<Claim>(`/api/points/claims/${id(claimId)}/approve`, note ? { note } : {}),
  rejectClaim: (claimId: string, reason: string) => http.post<Claim>(`/api/points/claims/${id(claimId)}/reject`, { reason }),

  // ledger, balance, rankings
  ledger: (query: LedgerQuery = {}) => http.get<EntryPage>('/api/points/ledger', { ...query }),
  /** The same entries as a CSV file (UTF-8 with BOM, for Excel), every match without paging. */
  ledgerCsv: (query: LedgerQuery = {}) => http.blob('/api/points/ledger', { ...query, page: undefined, pageSize: undefined, format: 'csv' }),
  correct: (entryId: string, reason: string) => http.post<Entry>(`/api/points/entries/${id(entryId)}/correct`, { reason }),
  balance: (userId?: string) => http.get<Balance>('/api/points/balance', { userId }),
  rankings: (query: RankingsQuery = {}) => http.get<Rankings>('/api/points/rankings', { ...query }),

  // store (积分超市)
  items: (query: ListItemsQuery = {}) => http.get<ItemPage>('/api/points/store/items', { ...query }),
  createItem: (body: CreateItemBody) => http.post<StoreItem>('/api/points/store/items', body),
  updateItem: (itemId: string, body: UpdateItemBody) => http.patch<StoreItem>(`/api/points/store/items/${id(itemId)}`, body),
  /** Safe to retry: the id is the client's, so a repeated redemption answers with the same order. */
  redeem: (orderId: string, itemId: string, quantity = 1) => http.post<Order>('/api/points/store/orders', { id: orderId, itemId, quantity }),
  orders: (query: ListOrdersQuery = {}) => http.get<OrderPage>('/api/points/store/orders', { ...query }),
  order: (orderId: string) => http.get<Order>(`/api/points/store/orders/${id(orderId)}`),
  completeOrder: (orderId: string) => http.post<Order>(`/api/points/store/orders/${id(orderId)}/complete`),
  cancelOrder: (orderId: string, reason: string) => http.post<Order>(`/api/points/store/orders/${id(orderId)}/cancel`, { reason }),
};

/** Saves a Blob under a file name (the browser's download). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
