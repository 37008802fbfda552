/** Strings of storage retention and disk figures, zh-CN first; `en` must have the same keys. */
export const retentionZhCN = {
  'retention.title': '数据保留',
  'retention.close': '关闭',
  'retention.policy': '轨迹全精度保留 {full} 天，之后抽稀（偏差 ≤ {tol} 米，每分钟至少一点），{keep} 天后删除',
  'retention.never': '不限',
  'retention.hold': '证据保全',
  'retention.holdHint': '保全期间本行动各单位自行动开始的轨迹和编辑记录不抽稀、不删除（已抽稀的无法恢复）',
  'retention.holdBy': '由 {name} 于 {time} 设置',
  'retention.setHold': '设为证据保全',
  'retention.liftHold': '解除保全',
  'retention.liftConfirm': '解除后，本行动的轨迹将按保留策略抽稀和删除。确定解除？',
  'retention.running': '正在执行：{done}/{total} 个单元',
  'retention.lastRun': '上次执行 {time}：抽稀 {thinned} 点，删除 {dropped} 点',
  'retention.noRun': '尚未执行',
  'retention.runNow': '立即执行',
  'retention.stores': '存储：轨迹 {tracks}（每点 {perFix} 字节），编辑记录 {updates}（每条 {perUpdate} 字节）',
  'retention.disk': '磁盘剩余 {free}',
  'retention.failed': '操作失败：{message}',
  'retention.diskLow': '磁盘剩余空间不足：剩余 {free}（警戒线 {threshold}）。空间耗尽后定位和编辑将被拒绝。',
} as const;

export const retentionEn: Record<keyof typeof retentionZhCN, string> = {
  'retention.title': 'Data retention',
  'retention.close': 'Close',
  'retention.policy':
    'Tracks at full resolution for {full} days, then thinned (within {tol} m, one fix a minute at least), deleted after {keep} days',
  'retention.never': 'never',
  'retention.hold': 'Evidence hold',
  'retention.holdHint':
    'While held, the tracks of this operation’s stations since it began and its edit log are never thinned or deleted (what was already thinned cannot be restored)',
  'retention.holdBy': 'Set by {name} at {time}',
  'retention.setHold': 'Hold as evidence',
  'retention.liftHold': 'Lift the hold',
  'retention.liftConfirm': 'Once lifted, this operation’s tracks are thinned and deleted by the policy. Lift the hold?',
  'retention.running': 'Running: {done}/{total} units',
  'retention.lastRun': 'Last run {time}: {thinned} fixes thinned, {dropped} deleted',
  'retention.noRun': 'Not run yet',
  'retention.runNow': 'Run now',
  'retention.stores':
    'Stored: tracks {tracks} ({perFix} bytes a fix), edit log {updates} ({perUpdate} bytes an update)',
  'retention.disk': 'Free disk {free}',
  'retention.failed': 'Failed: {message}',
  'retention.diskLow':
    'Free disk is low: {free} left (warning at {threshold}). When it runs out, positions and edits are refused.',
};
