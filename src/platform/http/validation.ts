import type { FieldProblem } from './errors.js';

/** A zod issue as it reaches the error handler (fastify-type-provider-zod keeps its fields in params). */
interface IssueLike {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

const typeNamesZh: Record<string, string> = {
  string: '字符串',
  number: '数字',
  int: '整数',
  boolean: '布尔值',
  object: '对象',
  array: '数组',
  date: '日期',
};

function fieldName(context: string | undefined, instancePath: string): string {
  const inner = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const prefix = context ?? 'body';
  return inner ? `${prefix}.${inner}` : prefix;
}

function describe(issue: IssueLike): { zh: string; en: string } {
  const p = issue.params ?? {};
  switch (issue.keyword) {
    case 'invalid_type': {
      const expected = String(p.expected ?? '');
      if (p.input === undefined || /received undefined/.test(issue.message ?? '')) {
        return { zh: '必填', en: 'is required' };
      }
      return { zh: `类型应为${typeNamesZh[expected] ?? expected}`, en: `must be of type ${expected}` };
    }
    case 'too_small': {
      const min = String(p.minimum);
      if (p.origin === 'string') return { zh: `长度不能少于 ${min} 个字符`, en: `must have at least ${min} characters` };
      if (p.origin === 'array') return { zh: `至少需要 ${min} 项`, en: `must have at least ${min} items` };
      return { zh: `不能小于 ${min}`, en: `must be at least ${min}` };
    }
    case 'too_big': {
      const max = String(p.maximum);
      if (p.origin === 'string') return { zh: `长度不能超过 ${max} 个字符`, en: `must have at most ${max} characters` };
      if (p.origin === 'array') return { zh: `最多 ${max} 项`, en: `must have at most ${max} items` };
      return { zh: `不能大于 ${max}`, en: `must be at most ${max}` };
    }
    case 'invalid_format':
      return { zh: `格式不正确（${String(p.format ?? '')}）`, en: issue.message ?? `has an invalid format` };
    case 'invalid_value':
      return {
        zh: `取值应为：${Array.isArray(p.values) ? p.values.join('、') : ''}`,
        en: `must be one of: ${Array.isArray(p.values) ? p.values.join(', ') : ''}`,
      };
    case 'unrecognized_keys':
      return {
        zh: `不允许的字段：${Array.isArray(p.keys) ? p.keys.join('、') : ''}`,
        en: `unknown fields: ${Array.isArray(p.keys) ? p.keys.join(', ') : ''}`,
      };
    case 'not_multiple_of':
      return { zh: `应为 ${String(p.divisor)} 的倍数`, en: `must be a multiple of ${String(p.divisor)}` };
    default:
      // Custom refinements carry "中文 / English" messages written in the schema.
      return splitBilingual(issue.message ?? 'is invalid');
  }
}

/** Schema refinements write messages as "中文 / English". */
export function splitBilingual(message: string): { zh: string; en: string } {
  const [zh, en] = message.split(' / ');
  return { zh: zh ?? message, en: en ?? zh ?? message };
}

export function toFieldProblems(issues: IssueLike[], context: string | undefined): FieldProblem[] {
  return issues.map((issue) => {
    const { zh, en } = describe(issue);
    return { field: fieldName(context, issue.instancePath), message: zh, messageEn: en };
  });
}
