import { isIsoDateTime } from './parse-session'
import { REVOKE_REASONS, type RevokeReason } from './session'
import { isLoginGeneration, type ChangeReason } from './stored-record'

/**
 * What tabs tell each other. Never a token: only "the record changed to
 * generation N"; receivers re-read IndexedDB. Version 1 of the envelope.
 */
export const TAB_MESSAGE_VERSION = 1

export interface ChangedMessage {
  v: typeof TAB_MESSAGE_VERSION
  type: 'changed'
  generation: number
  /** The record's epoch (absent on records written before epochs): generations only compare within one. */
  epoch?: string
  tabId: string
  reason: ChangeReason
}

/**
 * Sent just before a tab writes the tombstone, so the others can show
 * "signed out" at once instead of after the write and their re-read. It
 * names the generation (and epoch) the tab held; receivers holding that
 * record apply it provisionally, and storage confirms it. If the tombstone
 * has not landed two seconds later, a receiver writes it itself
 * (provisional-end.ts). An unconditional logout also names its login
 * (`loginGeneration`): it then applies to a later record of that login too
 * (login-lineage.ts). A tab of an earlier version refuses the extra field and
 * learns of the logout from the stored tombstone instead.
 */
export interface EndingMessage {
  v: typeof TAB_MESSAGE_VERSION
  type: 'ending'
  generation: number
  epoch?: string
  tabId: string
  revokeReason: RevokeReason
  revokedAt: string
  loginGeneration?: number
}

/**
 * Sent by a tab as its page goes away (closed, reloaded, navigated from)
 * with activity it has not stored: its write, begun then, may never be
 * answered. The tabs holding that login (the named record or a later one of
 * it) record the activity as their own, so their idle time does not run
 * ahead of the user's. A tab of an earlier version refuses the message
 * (`unknown-type`) and counts as it did before: it learns only what is stored.
 */
export interface ActivityMessage {
  v: typeof TAB_MESSAGE_VERSION
  type: 'activity'
  generation: number
  epoch?: string
  tabId: string
  loginGeneration?: number
  /** When the user was last active in that tab. */
  at: string
}

/** A validated tab message (`parseTabMessage`): never a token, only which generation changed, is ending, or saw activity. */
export type TabMessage = ChangedMessage | EndingMessage | ActivityMessage

/** Why `parseTabMessage` refused a message (counted in `message-rejected` events). */
export type TabMessageRejection =
  | 'not-an-object'
  | 'unknown-version'
  | 'unknown-type'
  | 'bad-field'
  | 'unexpected-field'

const REASONS: readonly ChangeReason[] = ['sign-in', 'update', 'activity', 'refresh', 'refresh-retry', 'end', 'clear', 'repair']
const KEYS = {
  changed: new Set(['v', 'type', 'generation', 'epoch', 'tabId', 'reason']),
  ending: new Set(['v', 'type', 'generation', 'epoch', 'tabId', 'revokeReason', 'revokedAt', 'loginGeneration']),
  activity: new Set(['v', 'type', 'generation', 'epoch', 'tabId', 'loginGeneration', 'at']),
}
export const MAX_TAB_ID_LENGTH = 128
const MAX_EPOCH_LENGTH = 64

/**
 * Validates a message from the channel like any untrusted input: any
 * script of the origin (or an extension) can post on it. Extra fields are
 * refused so that a token smuggled into a message is never passed on.
 */
export function parseTabMessage(data: unknown): TabMessage | { rejected: TabMessageRejection } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { rejected: 'not-an-object' }
  const message = data as Record<string, unknown>
  if (message.v !== TAB_MESSAGE_VERSION) return { rejected: 'unknown-version' }
  const type = message.type
  if (type !== 'changed' && type !== 'ending' && type !== 'activity') return { rejected: 'unknown-type' }
  for (const key of Object.keys(message)) if (!KEYS[type].has(key)) return { rejected: 'unexpected-field' }
  const { generation, tabId } = message
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 0) return { rejected: 'bad-field' }
  if (typeof tabId !== 'string' || tabId.length === 0 || tabId.length > MAX_TAB_ID_LENGTH) return { rejected: 'bad-field' }
  const { epoch } = message
  if (epoch !== undefined && (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > MAX_EPOCH_LENGTH)) return { rejected: 'bad-field' }
  const common = { v: TAB_MESSAGE_VERSION as typeof TAB_MESSAGE_VERSION, generation, tabId, ...(epoch === undefined ? {} : { epoch }) }
  if (type === 'ending') {
    const { revokeReason, revokedAt, loginGeneration } = message
    if (!REVOKE_REASONS.includes(revokeReason as RevokeReason) || !isIsoDateTime(revokedAt)) return { rejected: 'bad-field' }
    if (loginGeneration !== undefined && !isLoginGeneration(loginGeneration, generation)) return { rejected: 'bad-field' }
    return { ...common, type, revokeReason: revokeReason as RevokeReason, revokedAt, ...(loginGeneration === undefined ? {} : { loginGeneration }) }
  }
  if (type === 'activity') {
    const { at, loginGeneration } = message
    if (!isIsoDateTime(at)) return { rejected: 'bad-field' }
    if (loginGeneration !== undefined && !isLoginGeneration(loginGeneration, generation)) return { rejected: 'bad-field' }
    return { ...common, type, at, ...(loginGeneration === undefined ? {} : { loginGeneration }) }
  }
  const { reason } = message
  if (typeof reason !== 'string' || !REASONS.includes(reason as ChangeReason)) return { rejected: 'bad-field' }
  return { ...common, type, reason: reason as ChangeReason }
}
