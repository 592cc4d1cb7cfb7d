/**
 * FAULT objects (eventq.c, IOMMU_FAULT_QUEUE_ALLOC): a queue of I/O page faults for HWPTs
 * allocated with IOMMU_HWPT_FAULT_ID_VALID, read from its own fd as struct
 * iommu_hwpt_pgfault records and answered by writing struct iommu_hwpt_page_response.
 *
 * Invariants:
 *  - every page request taken from the IOMMU is answered exactly once: by the user's
 *    response, or INVALID when no handler takes it, when its device detaches, or when the
 *    object is destroyed (iommufd_auto_response_faults, iommufd_fault_destroy);
 *  - a request is in `deliver` (not yet read) or in `response` (read, keyed by its cookie),
 *    never both; cookies are the lowest free id from 1 (xa_alloc, XA_FLAGS_ALLOC1);
 *  - the open fd holds one `users` reference on the object and one on the iommufd file.
 *
 * The page request interrupt is not modelled: the kernel's PRQ handler runs when the fault
 * fd is read (before the read looks at its queue), which no user can tell apart from the
 * interrupt having run earlier.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import type { Iommu } from '../../hardware/iommu/iommu.js';
import type { PageRequest } from '../../hardware/iommu/page-requests.js';
import { IOMMU_PGFAULT_FLAGS_LAST_PAGE, IOMMU_PGFAULT_PERM_READ, IOMMU_PGFAULT_PERM_WRITE, IOMMUFD_PAGE_RESP_INVALID, IOMMUFD_PAGE_RESP_SUCCESS } from '../../uapi/iommufd.js';
import { offsetof, sizeofStruct } from '../../uapi/structs.js';
import { OpenFile, type FileOperations } from '../fs/file.js';
import { reply, type Cmd } from './cmd.js';
import type { IommufdCtx } from './context.js';
import type { IommufdDevice } from './device.js';
import type { HwptPaging } from './hwpt.js';
import { IommufdObject } from './objects.js';
import { u32 } from '../uaccess.js';

const FAULT_SIZE = sizeofStruct('iommu_hwpt_pgfault');
const RESPONSE_SIZE = sizeofStruct('iommu_hwpt_page_response');
const O_RDWR = 2;

/** struct iopf_group with one fault (Last Page set): the request and the device it came from. */
interface IopfGroup {
  readonly req: PageRequest;
  readonly idev: IommufdDevice;
}

export class FaultQueue extends IommufdObject {
  readonly type = 'fault' as const;
  readonly deliver: IopfGroup[] = [];
  readonly response = new Map<number, IopfGroup>();

  constructor(readonly ctx: IommufdCtx) {
    super();
  }

  private get iommu(): Iommu | null {
    return this.ctx.k.iommu;
  }

  /** iommufd_fault_destroy(): everything still pending is answered INVALID. */
  destroy(): void {
    for (const g of this.deliver.splice(0)) this.iommu?.pageResponse(g.req, 'invalid');
    for (const g of this.response.values()) this.iommu?.pageResponse(g.req, 'invalid');
    this.response.clear();
  }

  /** iommufd_auto_response_faults(): INVALID for every pending group of `idev`. */
  autoRespond(idev: IommufdDevice): void {
    for (let i = this.deliver.length - 1; i >= 0; i--) {
      if (this.deliver[i]!.idev !== idev) continue;
      this.iommu?.pageResponse(this.deliver[i]!.req, 'invalid');
      this.deliver.splice(i, 1);
    }
    for (const [cookie, g] of [...this.response]) {
      if (g.idev !== idev) continue;
      this.response.delete(cookie);
      this.iommu?.pageResponse(g.req, 'invalid');
    }
  }

  private nextCookie(): number {
    let c = 1;
    while (this.response.has(c)) c++;
    return c;
  }

  /** iommufd_fault_fops_read(): whole records only (ESPIPE otherwise), as many as fit. */
  read(len: number): Result<Uint8Array> {
    if (len % FAULT_SIZE !== 0) return fail('ESPIPE', 'iommufd_fault_fops_read: count is not a multiple of sizeof(struct iommu_hwpt_pgfault)');
    drainPageRequests(this.ctx);
    const n = Math.min(this.deliver.length, Math.floor(len / FAULT_SIZE));
    const out = new Uint8Array(n * FAULT_SIZE);
    for (let i = 0; i < n; i++) {
      const g = this.deliver.shift()!;
      const cookie = this.nextCookie();
      this.response.set(cookie, g);
      encodeFault(out.subarray(i * FAULT_SIZE), g, cookie);
    }
    return ok(out);
  }

  /** iommufd_fault_fops_write(): responses in order; the first bad one stops (EINVAL if it was the first). */
  write(data: Uint8Array): Result<number> {
    if (data.length % RESPONSE_SIZE !== 0) return fail('ESPIPE', 'iommufd_fault_fops_write: count is not a multiple of sizeof(struct iommu_hwpt_page_response)');
    const v = new DataView(data.buffer, data.byteOffset, data.length);
    let done = 0;
    let err: Result<number> = ok(0);
    while (done < data.length) {
      const cookie = v.getUint32(done + offsetof('iommu_hwpt_page_response', 'cookie'), true);
      const code = v.getUint32(done + offsetof('iommu_hwpt_page_response', 'code'), true);
      if (code !== IOMMUFD_PAGE_RESP_SUCCESS && code !== IOMMUFD_PAGE_RESP_INVALID) {
        err = fail('EINVAL', `iommufd_fault_fops_write: response code ${code}`);
        break;
      }
      const g = this.response.get(cookie);
      if (g === undefined) {
        err = fail('EINVAL', `iommufd_fault_fops_write: no fault with cookie ${cookie} awaits a response`);
        break;
      }
      this.response.delete(cookie);
      this.iommu?.pageResponse(g.req, code === IOMMUFD_PAGE_RESP_SUCCESS ? 'success' : 'invalid');
      done += RESPONSE_SIZE;
    }
    return done === 0 ? err : ok(done);
  }
}

/** iommufd_compose_fault_message(): one struct iommu_hwpt_pgfault (length is always 0). */
function encodeFault(b: Uint8Array, g: IopfGroup, cookie: number): void {
  const v = new DataView(b.buffer, b.byteOffset, FAULT_SIZE);
  const at = (f: string): number => offsetof('iommu_hwpt_pgfault', f);
  const perm = (g.req.read ? IOMMU_PGFAULT_PERM_READ : 0) | (g.req.write ? IOMMU_PGFAULT_PERM_WRITE : 0);
  v.setUint32(at('flags'), IOMMU_PGFAULT_FLAGS_LAST_PAGE, true);
  v.setUint32(at('dev_id'), g.idev.id, true);
  v.setUint32(at('grpid'), g.req.grpid, true);
  v.setUint32(at('perm'), perm, true);
  v.setBigUint64(at('addr'), g.req.addr, true);
  v.setUint32(at('cookie'), cookie, true);
}

/**
 * The IOMMU driver's page request handler (intel prq_event_thread → iommu_report_device_fault
 * → the domain's iopf_handler): each queued request, whichever context it belongs to, goes
 * to the FAULT of the HWPT whose domain it names; one whose domain has no handler (or is
 * gone), or whose device is no longer attached there, is answered INVALID at once.
 */
export function drainPageRequests(ctx: IommufdCtx): void {
  const hw = ctx.k.iommu;
  if (hw === null) return;
  for (const req of hw.prq.takeAll()) {
    const hwpt = hw.domainById(req.domainId)?.faultData as HwptPaging | null | undefined;
    const idev = hwpt?.fault ? deviceOf(hwpt, req.rid) : undefined;
    if (hwpt?.fault && idev !== undefined) hwpt.fault.deliver.push({ req, idev });
    else hw.pageResponse(req, 'invalid');
  }
}

function deviceOf(hwpt: HwptPaging, rid: number): IommufdDevice | undefined {
  for (const ig of hwpt.ctx.igroups.values()) {
    if (ig.hwpt !== hwpt) continue;
    const d = ig.attached.find((x) => x.vdev.pdev.fn.rid === rid);
    if (d !== undefined) return d;
  }
  return undefined;
}

const faultFops: FileOperations<FaultQueue> = {
  kind: 'iommufd-fault',
  read: (f, len) => f.priv.read(len),
  write: (f, data) => f.priv.write(data),
  release: (f) => {
    f.priv.users--;
    f.priv.ctx.file?.put();
  },
};

/** iommufd_fault_alloc(): flags must be 0; a new FAULT object and its fd (O_CLOEXEC). */
export function faultQueueAlloc(c: Cmd): Result<number> {
  if (u32(c.f, 'flags') !== 0) return fail('EOPNOTSUPP', 'iommufd_fault_alloc: flags must be 0');
  const fault = new FaultQueue(c.ctx);
  const id = c.ctx.table.insert(fault);
  if (!id.ok) return id;
  const file = new OpenFile<FaultQueue>(faultFops, fault, O_RDWR, 'anon_inode:[iommufd-pgfault]');
  const fd = c.task.installFd(file as OpenFile, true);
  if (fd === null) {
    c.ctx.table.removeInternal(fault);
    return fail('EMFILE', 'iommufd_eventq_init: get_unused_fd_flags failed');
  }
  fault.users++;
  c.ctx.file?.get();
  reply(c, { out_fault_id: id.value, out_fault_fd: fd });
  return ok(0);
}

/**
 * intel_iommu_enable_iopf() via iopf_for_domain_set(): attaching a domain with a fault
 * handler needs PRI enabled on the device, which the driver does at probe only with ATS
 * (ENODEV otherwise).
 */
export function checkIopf(hwpt: HwptPaging, idev: IommufdDevice): Result<void> {
  if (hwpt.fault === null) return okVoid();
  const fn = idev.vdev.pdev.fn;
  if (fn.priCapable && fn.atsCapable && !fn.untrusted) return okVoid();
  return fail('ENODEV', `intel_iommu_enable_iopf: PRI is not enabled on ${fn.bdf}`);
}
