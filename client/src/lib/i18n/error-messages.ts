import type { Message } from './format.ts';
/**
 * What a failed request tells the user (`errorText`), one sentence per error code, zh-CN first;
 * `en` must have the same keys. The session codes reuse `error.*` of the main catalog.
 */
export const errorsZhCN = {
  'failure.FORBIDDEN': '无权执行此操作',
  'failure.NOT_FOUND': '未找到（可能已被删除）',
  'failure.INVALID_PAYLOAD': '请求无效，已被服务器拒绝',
  'failure.PAYLOAD_TOO_LARGE': '文件过大',
  'failure.RATE_LIMITED': '请求过于频繁，请稍后再试',
  'failure.CONFLICT': '与服务器上的当前状态冲突，请刷新后重试',
  'failure.CLIENT_TOO_OLD': '请刷新页面以使用新版本',
  'failure.STORAGE_UNAVAILABLE': '服务器存储暂时不可用，请稍后重试',
  'failure.INTERNAL': '服务器内部错误，请稍后重试',
  'failure.STORAGE_FULL': '服务器磁盘已满，未保存任何内容，请联系管理员释放空间',
  'failure.ARCHIVE_INVALID': '归档文件无效或已损坏，未恢复任何内容',
  'failure.OPERATION_PURGED': '该行动的数据已在归档后清除，恢复归档后可查看',
  'failure.unreachable': '无法连接服务器，请检查网络',
  'failure.unknown': '操作未能完成，请稍后重试',
  'failure.withDetail': '{text}（{detail}）',
} as const;

export const errorsEn: Record<keyof typeof errorsZhCN, Message> = {
  'failure.FORBIDDEN': 'You are not allowed to do this',
  'failure.NOT_FOUND': 'Not found (it may have been deleted)',
  'failure.INVALID_PAYLOAD': 'The server refused the request as invalid',
  'failure.PAYLOAD_TOO_LARGE': 'The file is too large',
  'failure.RATE_LIMITED': 'Too many requests, please try again later',
  'failure.CONFLICT': 'This conflicts with the current state on the server; reload and try again',
  'failure.CLIENT_TOO_OLD': 'Please reload the page to use the new version',
  'failure.STORAGE_UNAVAILABLE': 'The server’s storage is unavailable for now, please try again later',
  'failure.INTERNAL': 'Internal server error, please try again later',
  'failure.STORAGE_FULL': 'The server’s disk is full and nothing was stored; ask an administrator to free space',
  'failure.ARCHIVE_INVALID': 'The archive is invalid or damaged; nothing was restored',
  'failure.OPERATION_PURGED': 'This operation’s data was purged after its archive; restore the archive to see it',
  'failure.unreachable': 'Cannot reach the server, please check the network',
  'failure.unknown': 'Could not complete this, please try again later',
  'failure.withDetail': '{text} ({detail})',
};
