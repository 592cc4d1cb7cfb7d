/**
 * The VFIO_DEVICE_FEATURE sub-commands as data: which of GET / SET each allows and the payload
 * minimum every handler passes to vfio_check_feature() (`argsz - sizeof(struct
 * vfio_device_feature)` below it is EINVAL). Payload sizes come from the struct tables; the VF
 * token is a bare 16-byte UUID, and the low-power entry/exit and DMA-logging stop take none.
 */
import { sizeofStruct, type StructName } from './structs.js';
import * as V from './vfio.js';

export type FeatureOp = 'GET' | 'SET';

export interface VfioDeviceFeature {
  readonly id: number;
  readonly name: string;
  readonly ops: readonly FeatureOp[];
  /** The payload struct, or null when the payload is not a struct (or is empty). */
  readonly struct: StructName | null;
  /** Minimum payload bytes after the 8-byte vfio_device_feature header. */
  readonly minsz: number;
}

function feature(
  id: number,
  name: string,
  ops: readonly FeatureOp[],
  struct: StructName | null,
  bareSize = 0,
): VfioDeviceFeature {
  return { id, name, ops, struct, minsz: struct === null ? bareSize : sizeofStruct(struct) };
}

/** Indexed by feature id (VFIO_DEVICE_FEATURES[id].id === id). */
export const VFIO_DEVICE_FEATURES: readonly VfioDeviceFeature[] = [
  feature(V.VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, 'VFIO_DEVICE_FEATURE_PCI_VF_TOKEN', ['SET'], null, 16),
  feature(V.VFIO_DEVICE_FEATURE_MIGRATION, 'VFIO_DEVICE_FEATURE_MIGRATION', ['GET'], 'vfio_device_feature_migration'),
  feature(V.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, 'VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE', ['GET', 'SET'], 'vfio_device_feature_mig_state'),
  feature(V.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, 'VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY', ['SET'], null),
  feature(V.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, 'VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP', ['SET'], 'vfio_device_low_power_entry_with_wakeup'),
  feature(V.VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, 'VFIO_DEVICE_FEATURE_LOW_POWER_EXIT', ['SET'], null),
  feature(V.VFIO_DEVICE_FEATURE_DMA_LOGGING_START, 'VFIO_DEVICE_FEATURE_DMA_LOGGING_START', ['SET'], 'vfio_device_feature_dma_logging_control'),
  feature(V.VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP, 'VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP', ['SET'], null),
  feature(V.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT, 'VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT', ['GET'], 'vfio_device_feature_dma_logging_report'),
  feature(V.VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, 'VFIO_DEVICE_FEATURE_MIG_DATA_SIZE', ['GET'], 'vfio_device_feature_mig_data_size'),
  feature(V.VFIO_DEVICE_FEATURE_BUS_MASTER, 'VFIO_DEVICE_FEATURE_BUS_MASTER', ['SET'], 'vfio_device_feature_bus_master'),
  feature(V.VFIO_DEVICE_FEATURE_DMA_BUF, 'VFIO_DEVICE_FEATURE_DMA_BUF', ['GET'], 'vfio_device_feature_dma_buf'),
  feature(V.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2, 'VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2', ['SET'], null),
];

/** The feature with id `id` (flags & VFIO_DEVICE_FEATURE_MASK), or undefined if Linux has none. */
export function vfioDeviceFeature(id: number): VfioDeviceFeature | undefined {
  return VFIO_DEVICE_FEATURES[id];
}
