/**
 * The rule that brings what one instance learned alone back to the fleet. While Redis was
 * unreachable, an instance ran on its local state and may have opened the circuit there. When Redis
 * answers again, that open circuit — if it is still in its open period — is offered to the store
 * (`adoptOpen`), which takes it unless it knows something later. Twin of `lua/adopt-open-1.lua`.
 * @module
 */
import type { BreakerData } from './state.js';

/**
 * Adopts a circuit opened at `openedAt` (store clock) by an instance on its local state. The later
 * event wins: the store keeps its own state when it is held open by an operator, when it opened at or
 * after `openedAt`, or when its last transition (its version, at least the store clock of the
 * transition) is not older than `openedAt` — e.g. the fleet closed the circuit after this instance
 * opened it. Otherwise the state becomes OPEN with that `openedAt` (the failure count is kept; probe
 * leases and the failure-rate window are dropped, as on any opening).
 * @returns whether the state changed
 */
export function applyAdoptOpen(d: BreakerData, now: number, openedAt: number): boolean {
  if (d.forced || d.openedAt >= openedAt || d.version >= openedAt) return false;
  d.state = 'open';
  d.openedAt = openedAt;
  d.successes = 0;
  d.leases.clear();
  d.window.clear();
  d.version = Math.max(d.version + 1, now);
  return true;
}
