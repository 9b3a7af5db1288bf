import type { Logger } from 'pino';
import { AliyunSmsProvider } from './aliyun.js';
import { LoggingSmsProvider, type SmsProvider } from './provider.js';
import type { SmsConfig } from './sms-config.js';
import { TencentSmsProvider } from './tencent.js';

/** The provider SMS_PROVIDER names; the logging one shows login codes in demo mode only. */
export function createSmsProvider(config: SmsConfig, logger: Logger, demo: boolean): SmsProvider {
  if (config.provider === 'aliyun' && config.aliyun) return new AliyunSmsProvider(config.aliyun);
  if (config.provider === 'tencent' && config.tencent) return new TencentSmsProvider(config.tencent);
  return new LoggingSmsProvider(logger, demo);
}
