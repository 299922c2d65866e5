/**
 * The fault suite runs short in `npm test` and at full size with `npm run test:faults`
 * (FAULT_SCALE=full): longer outages, more events, more bounces.
 */
export const FULL = process.env.FAULT_SCALE === 'full';

export function scaled<T>(short: T, full: T): T {
  return FULL ? full : short;
}
