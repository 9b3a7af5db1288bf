/**
 * UI strings of the console's frame (the sidebar's groups, its collapse toggle) and of the 工作台's module
 * cards, kept apart from messages.ts like the modules'; messages.ts spreads them into `zh` and `en`.
 * `consoleEn` must have every key of `consoleZh` (the type says so).
 */
export const consoleZh = {
  'nav.groupGrid': '网格管理',
  'nav.groupPoints': '积分制',
  'nav.groupSystem': '系统管理',
  // Entries whose page title is also their group's name (云广播 › 云广播 would read twice).
  'nav.broadcastHistory': '广播记录',
  'nav.waterAlertList': '预警记录',
  'nav.collapse': '收起菜单',
  'nav.expand': '展开菜单',

  'home.modules': '各项业务',
  'home.alarmsToday': '今日告警',
  'home.camerasOnline': '摄像头在线 {online} / {total}',
  'home.openWaterAlerts': '未结束的用水预警',
  'home.waterToday': '今日新增 {alerts} 条 · 有读数的水表 {reporting} / {total}',
  'home.broadcastsToday': '今日广播',
  'home.speakersOnline': '音柱在线 {online} / {total}',
  'home.partyCompletion': '三会一课完成率',
  'home.partyMembers': '党员 {n} 名 · 本月已开会 {held} 次',
};

export const consoleEn: Record<keyof typeof consoleZh, string> = {
  'nav.groupGrid': 'Grid cases',
  'nav.groupPoints': 'Points',
  'nav.groupSystem': 'System',
  'nav.broadcastHistory': 'History',
  'nav.waterAlertList': 'Alerts',
  'nav.collapse': 'Collapse the menu',
  'nav.expand': 'Expand the menu',

  'home.modules': 'Modules',
  'home.alarmsToday': 'Alarms today',
  'home.camerasOnline': 'Cameras online {online} / {total}',
  'home.openWaterAlerts': 'Open water alerts',
  'home.waterToday': '{alerts} new today · meters reporting {reporting} / {total}',
  'home.broadcastsToday': 'Broadcasts today',
  'home.speakersOnline': 'Speakers online {online} / {total}',
  'home.partyCompletion': 'Meetings held (三会一课)',
  'home.partyMembers': '{n} party members · {held} meetings this month',
};
