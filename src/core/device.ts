import type { DeviceInfo } from './session'

/**
 * The device facts the browser states plainly. Parsing the user agent into
 * browser and OS names is a job for a user-agent library (device capture
 * adds it); until then only what needs no parsing is recorded.
 */
export function basicDeviceInfo(): DeviceInfo {
  if (typeof navigator === 'undefined') return {}
  const hints = (navigator as Navigator & { userAgentData?: { mobile?: boolean; platform?: string } }).userAgentData
  return {
    userAgent: navigator.userAgent,
    ...(hints?.platform ? { osName: hints.platform } : {}),
    ...(hints?.mobile !== undefined ? { deviceType: hints.mobile ? 'mobile' : 'desktop' } : {}),
  }
}
