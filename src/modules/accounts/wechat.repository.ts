import type { Db } from '../../platform/db/database.js';

/** Official-account openids bound to users (one per user and app, one user per openid). */
export class WechatRepository {
  constructor(private readonly db: Db) {}

  async userOf(appId: string, openid: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('wechat_bindings').select('user_id').where('app_id', '=', appId).where('openid', '=', openid).executeTakeFirst();
    return row?.user_id;
  }

  async bindingOf(userId: string, appId: string) {
    return this.db.selectFrom('wechat_bindings').select(['openid', 'created_at']).where('user_id', '=', userId).where('app_id', '=', appId).executeTakeFirst();
  }

  /**
   * Binds the openid to the user, replacing the user's previous binding and moving the openid from
   * anyone it was bound to; the user it was taken from, if any.
   */
  async bind(tx: Db, binding: { userId: string; appId: string; openid: string; at: Date }): Promise<string | undefined> {
    const taken = await tx
      .deleteFrom('wechat_bindings')
      .where('app_id', '=', binding.appId)
      .where((eb) => eb.or([eb('openid', '=', binding.openid), eb('user_id', '=', binding.userId)]))
      .returning(['user_id', 'openid'])
      .execute();
    await tx.insertInto('wechat_bindings').values({ user_id: binding.userId, app_id: binding.appId, openid: binding.openid, created_at: binding.at }).execute();
    return taken.find((row) => row.openid === binding.openid && row.user_id !== binding.userId)?.user_id;
  }

  async unbind(tx: Db, userId: string, appId: string): Promise<boolean> {
    const result = await tx.deleteFrom('wechat_bindings').where('user_id', '=', userId).where('app_id', '=', appId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
