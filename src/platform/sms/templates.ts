/**
 * Every text the platform sends, as (template, parameters). Chinese gateways send only templates
 * approved in advance with short parameters, never free text, so each kind here is one template to
 * apply for at each provider (docs/accounts.md lists them). `text` is the approved wording with
 * `${name}` variables: the logging provider and the console show it rendered.
 */
export const SMS_TEMPLATE_KINDS = ['verification_code', 'case_update', 'water_alert', 'registration_result', 'phone_rebound', 'alarm', 'approval'] as const;
export type SmsTemplateKind = (typeof SMS_TEMPLATE_KINDS)[number];

export interface SmsTemplate {
  /** The approved wording; the sign name (【数乡】) is the provider's, added by the gateway. */
  text: string;
  /** Variables in the order Tencent numbers them ({1}, {2} …) unless the template map says otherwise. */
  /** `secret` values (login codes) are kept only until the provider has them, and never shown. */
  variables: readonly { name: string; maxLength: number; digits?: boolean; secret?: boolean }[];
}

/**
 * Aliyun allows at most 35 characters per variable in notification templates and 4–6 digits for
 * codes; Tencent is similar (verification variables ≤ 6 digits, others ≤ 6–35 by template type). We
 * keep every value within these so no text is refused for length: long values are cut with '…'.
 */
export const SMS_TEMPLATES: Record<SmsTemplateKind, SmsTemplate> = {
  verification_code: {
    text: '验证码${code}，${minutes}分钟内有效。请勿告诉他人。',
    variables: [
      { name: 'code', maxLength: 6, digits: true, secret: true },
      { name: 'minutes', maxLength: 2, digits: true },
    ],
  },
  case_update: {
    text: '您上报的事件${number}：${status}。',
    variables: [
      { name: 'number', maxLength: 20 },
      { name: 'status', maxLength: 35 },
    ],
  },
  water_alert: {
    text: '您的水表（${meter}）${kind}（${time}），请尽快查看；如已处理请忽略。',
    variables: [
      { name: 'meter', maxLength: 20 },
      { name: 'kind', maxLength: 10 },
      { name: 'time', maxLength: 15 },
    ],
  },
  registration_result: {
    text: '您在${village}的注册申请${result}。',
    variables: [
      { name: 'village', maxLength: 20 },
      { name: 'result', maxLength: 35 },
    ],
  },
  phone_rebound: {
    text: '${name}，您的数乡账号已改绑到新手机号，本手机号上的登录已退出；如非本人办理，请联系村委会。',
    variables: [{ name: 'name', maxLength: 10 }],
  },
  alarm: {
    text: '${place}发生${kind}（${time}），请尽快处置。',
    variables: [
      { name: 'place', maxLength: 20 },
      { name: 'kind', maxLength: 10 },
      { name: 'time', maxLength: 15 },
    ],
  },
  approval: {
    text: '您提交的${item}${result}。',
    variables: [
      { name: 'item', maxLength: 20 },
      { name: 'result', maxLength: 35 },
    ],
  },
};

/** The sign name the demo and the console show; a gateway adds its configured one instead. */
export const SMS_SIGN = '数乡';
const MASK = '******';

/** Cuts a value to the template's limit, marking the cut, so a long case note never gets a text refused. */
function fit(value: string, maxLength: number): string {
  const chars = [...value.replace(/\s+/g, ' ').trim()];
  return chars.length <= maxLength ? chars.join('') : `${chars.slice(0, maxLength - 1).join('')}…`;
}

/**
 * The parameters as sent: exactly the template's variables, each within its limit. A missing
 * variable is a programming error (the template would be refused by the gateway), so it throws.
 */
export function smsParams(kind: SmsTemplateKind, params: Record<string, string>): Record<string, string> {
  const template = SMS_TEMPLATES[kind];
  const out: Record<string, string> = {};
  for (const variable of template.variables) {
    const value = params[variable.name];
    if (value === undefined || value === '') throw new Error(`SMS template ${kind}: parameter ${variable.name} missing`);
    if (variable.digits && !new RegExp(`^\\d{1,${variable.maxLength}}$`).test(value)) throw new Error(`SMS template ${kind}: parameter ${variable.name} must be at most ${variable.maxLength} digits`);
    out[variable.name] = variable.digits ? value : fit(value, variable.maxLength);
  }
  const unknown = Object.keys(params).filter((name) => !template.variables.some((v) => v.name === name));
  if (unknown.length > 0) throw new Error(`SMS template ${kind}: unknown parameter ${unknown.join(', ')}`);
  return out;
}

/** Secret parameters replaced, for storage once handed over and for anything shown or logged. */
export function maskedParams(kind: SmsTemplateKind, params: Record<string, string>): Record<string, string> {
  const secret = new Set(SMS_TEMPLATES[kind].variables.filter((v) => v.secret).map((v) => v.name));
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, secret.has(name) ? MASK : value]));
}

export const isSecretKind = (kind: SmsTemplateKind) => SMS_TEMPLATES[kind].variables.some((v) => v.secret);

/** The Chinese text a template renders to with these parameters, signed as the recipient sees it. */
export function renderSms(kind: SmsTemplateKind, params: Record<string, string>): string {
  return `【${SMS_SIGN}】${SMS_TEMPLATES[kind].text.replace(/\$\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole)}`;
}
