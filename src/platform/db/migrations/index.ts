import type { Migration } from 'kysely';
import * as createFoundation from './20261127090000-create-foundation.js';
import * as createPhotos from './20261127100000-create-photos.js';
import * as createCases from './20261127110000-create-cases.js';
import * as seedCaseCategories from './20261127110100-seed-case-categories.js';
import * as createPoints from './20261127120000-create-points.js';
import * as seedPointsRules from './20261127120100-seed-points-rules.js';
import * as createDevices from './20261127130000-create-devices.js';
import * as createAudio from './20261127130100-create-audio.js';
import * as createBroadcasts from './20261127140000-create-broadcasts.js';
import * as createSafeVillage from './20261127150000-create-safe-village.js';
import * as createDashboard from './20261127160000-create-dashboard.js';
import * as createWater from './20261127170000-create-water.js';
import * as createParty from './20261127180000-create-party.js';
import * as createVillageServices from './20261127190000-create-village-services.js';
import * as studyMaterialFiles from './20261127200000-study-material-files.js';
import * as caseSourceWater from './20261127210000-case-source-water.js';
import * as partyLeaveApproval from './20261127220000-party-leave-approval.js';
import * as accountsSecurity from './20261207100000-accounts-security.js';
import * as auditChain from './20261207110000-audit-chain.js';
import * as smsLogin from './20261208010000-sms-login.js';
import * as registration from './20261208020000-registration.js';
import * as smsGateways from './20261208030000-sms-gateways.js';
import * as dutyRoster from './20261208045000-duty-roster.js';
import * as alarmLadder from './20261208045100-alarm-ladder.js';
import * as webPushDeviceHealth from './20261208050000-web-push-device-health.js';
import * as alarmPoints from './20261208060000-alarm-points.js';

/**
 * Every migration, in order. Listed statically (not read from the folder) so they load the same
 * under tsx, vitest and a bundle. Append new ones; never edit one that has landed.
 */
export const migrations: Record<string, Migration> = {
  '20261127090000-create-foundation': createFoundation,
  '20261127100000-create-photos': createPhotos,
  '20261127110000-create-cases': createCases,
  '20261127110100-seed-case-categories': seedCaseCategories,
  '20261127120000-create-points': createPoints,
  '20261127120100-seed-points-rules': seedPointsRules,
  '20261127130000-create-devices': createDevices,
  '20261127130100-create-audio': createAudio,
  '20261127140000-create-broadcasts': createBroadcasts,
  '20261127150000-create-safe-village': createSafeVillage,
  '20261127160000-create-dashboard': createDashboard,
  '20261127170000-create-water': createWater,
  '20261127180000-create-party': createParty,
  '20261127190000-create-village-services': createVillageServices,
  '20261127200000-study-material-files': studyMaterialFiles,
  '20261127210000-case-source-water': caseSourceWater,
  '20261127220000-party-leave-approval': partyLeaveApproval,
  '20261207100000-accounts-security': accountsSecurity,
  '20261207110000-audit-chain': auditChain,
  '20261208010000-sms-login': smsLogin,
  '20261208020000-registration': registration,
  '20261208030000-sms-gateways': smsGateways,
  '20261208045000-duty-roster': dutyRoster,
  '20261208045100-alarm-ladder': alarmLadder,
  '20261208050000-web-push-device-health': webPushDeviceHealth,
  '20261208060000-alarm-points': alarmPoints,
};
