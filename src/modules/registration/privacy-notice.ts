/**
 * The privacy notice a villager consents to when registering (个人信息保护法 art. 13–17: what, why,
 * who, how long, and how to correct or withdraw). A change of the text gets a new version: each
 * consent records the version it was given to, so what a person agreed to can always be shown.
 */
export const PRIVACY_NOTICE = {
  version: '2026-12-08.1',
  title: { zh: '数乡个人信息保护说明', en: 'Shuxiang privacy notice' },
  sections: [
    {
      heading: '一、我们收集哪些信息',
      body: '注册时我们收集您的姓名、手机号，以及您所在的村和户（户主姓名或门牌）。同意本说明时，我们记录同意的时间、本说明的版本和您当时的网络地址。',
    },
    {
      heading: '二、为什么收集',
      body: '用于核实您是本村村民、开通账号并与户籍登记的户关联，使积分、养老、用水提醒等服务能对应到您家；手机号用于短信验证码登录和办理结果通知。',
    },
    {
      heading: '三、谁能看到',
      body: '本村村两委干部、您所在网格的网格员和乡镇工作人员在工作需要的范围内可以查看；其他村民看不到您的手机号。我们不会把您的信息提供给其他单位或个人，法律法规另有规定的除外。',
    },
    {
      heading: '四、保存多久',
      body: '账号存续期间保存。未通过审核的注册申请保存 180 天后删除；注销账号后，除法律法规要求保留的记录（如安全审计日志）外，您的信息将被删除或匿名化。',
    },
    {
      heading: '五、如何查阅、更正或撤回',
      body: '您可以在“我的”页面查看本人信息；如需更正姓名、更换手机号或所在的户，请联系村两委办理。您可以随时撤回同意并申请注销账号，撤回不影响撤回前已进行的处理。',
    },
  ],
  short: {
    zh: '注册时收集姓名、手机号和所在的户，仅用于核实村民身份、提供村务服务和短信通知；本村村两委、网格员和乡镇工作人员在工作需要范围内可见。账号存续期间保存，可联系村两委更正或注销。详见注册页面的《数乡个人信息保护说明》。',
    en: 'Registering collects your name, phone number and household, used only to confirm you live in the village, provide village services and send texts; village cadres, your grid worker and township staff see them as their work requires. Kept while the account exists; ask the village cadres to correct or delete it.',
  },
} as const;

export type PrivacyNotice = typeof PRIVACY_NOTICE;
