import type { z } from 'zod';
import type { createdUser, createUserBody, listUsersQuery, resetPasswordResult, updateUserBody, userView } from '@server/modules/accounts/accounts.schema';
import type { Role } from '@server/modules/accounts/roles';
import { http, type Page, type QueryOf } from '@/shared/http';

export type { Role };
export type UserView = z.infer<typeof userView>;
export type CreateUserBody = z.input<typeof createUserBody>;
export type UpdateUserBody = z.input<typeof updateUserBody>;
export type CreatedUser = z.infer<typeof createdUser>;
export type ListUsersQuery = QueryOf<z.input<typeof listUsersQuery>>;

export const roles: Role[] = ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker', 'villager'];

export const usersApi = {
  list: (query: ListUsersQuery) => http.get<Page<UserView>>('/api/users', query),
  get: (id: string) => http.get<UserView>(`/api/users/${encodeURIComponent(id)}`),
  create: (body: CreateUserBody) => http.post<CreatedUser>('/api/users', body),
  update: (id: string, body: UpdateUserBody) => http.patch<UserView>(`/api/users/${encodeURIComponent(id)}`, body),
  resetPassword: (id: string) => http.post<z.infer<typeof resetPasswordResult>>(`/api/users/${encodeURIComponent(id)}/reset-password`),
};
