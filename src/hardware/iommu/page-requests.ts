/**
 * PCIe PRI as the IOMMU sees it (VT-d page request queue, AMD PPR log): a device whose
 * context entry has PRI enabled asks the IOMMU to make a page present; the request waits in
 * the unit's queue until the OS takes it, and the OS's Page Group Response goes back to the
 * device, which then retries (SUCCESS) or gives up (INVALID).
 *
 * What must always hold: every queued request gets exactly one response; a response is
 * delivered to the device on the machine's clock (a message on the link), never inside the
 * OS call that sent it.
 */

/** The Page Group Response codes a device can receive (PCIe: success, invalid request). */
export type PageResponseCode = 'success' | 'invalid';

/** One Page Request Message (with Last Page in Group set: one request per group). */
export interface PageRequest {
  /** Requester id of the device that asked. */
  readonly rid: number;
  /** Page-aligned address the device needs. */
  readonly addr: bigint;
  readonly read: boolean;
  readonly write: boolean;
  /** Page Request Group Index the device chose. */
  readonly grpid: number;
  /** Domain id the context entry named when the request arrived. */
  readonly domainId: number;
  /** The device's side of the response (its PRI state machine). */
  readonly deliver: (code: PageResponseCode) => void;
  /** Set once the response has been sent (a second one is a driver bug and is dropped). */
  responded: boolean;
}

/** The unit's page request queue, oldest first. */
export class PageRequestQueue {
  private readonly queue: PageRequest[] = [];

  push(req: PageRequest): void {
    this.queue.push(req);
  }

  /** Everything queued, oldest first; the queue is empty afterwards (the OS's PRQ thread). */
  takeAll(): PageRequest[] {
    return this.queue.splice(0);
  }

  get length(): number {
    return this.queue.length;
  }
}
