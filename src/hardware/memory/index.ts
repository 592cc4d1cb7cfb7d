export { PhysMem, CHUNK_SIZE, CHUNK_SHIFT, MAX_PHYS } from './phys-mem.js';
export { ExternalFrames, type FrameBackend, FRAME_SIZE } from './external.js';
