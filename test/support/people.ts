import type { Role } from '../../src/modules/accounts/roles.js';
import type { TestApp } from './test-app.js';

export interface Person {
  id: string;
  token: string;
  name: string;
  phone: string;
}

/**
 * A new account made by the administrator (POST /api/users), signed in and past its first-login
 * password change, so it can act at once.
 */
export async function createPerson(t: TestApp, body: { phone: string; name: string; role: Role; regionCode: string }): Promise<Person> {
  const admin = await t.tokenFor('admin');
  const created = await t.request({ method: 'POST', url: '/api/users', token: admin, payload: { ...body, password: 'initial-pass-1' } });
  if (created.statusCode !== 201) throw new Error(`creating ${body.phone} failed: ${created.statusCode} ${created.body}`);
  const token = await t.login(body.phone, 'initial-pass-1');
  const changed = await t.request({ method: 'POST', url: '/api/auth/password', token, payload: { currentPassword: 'initial-pass-1', newPassword: 'changed-pass-1' } });
  if (changed.statusCode >= 300) throw new Error(`password change of ${body.phone} failed: ${changed.statusCode} ${changed.body}`);
  return { id: created.json().user.id as string, token, name: body.name, phone: body.phone };
}
