import { describe, expect, it } from 'vitest';
import {
  _IO,
  _IOC_DIR,
  _IOC_NR,
  _IOC_READ,
  _IOC_SIZE,
  _IOC_TYPE,
  _IOC_WRITE,
  _IOR,
  _IOW,
  _IOWR,
} from './ioctl.js';

// KVM's numbers are well known and exercise every direction: KVMIO = 0xAE.
describe('ioctl encoding (asm-generic layout)', () => {
  it('_IO has no size or direction', () => {
    expect(_IO(0xae, 0x00)).toBe(0xae00); // KVM_GET_API_VERSION
    expect(_IO(';', 100)).toBe(0x3b64); // VFIO_GET_API_VERSION
  });

  it('_IOW, _IOR and _IOWR put size in bits 16..29 and direction in 30..31', () => {
    expect(_IOW(0xae, 0x46, 32)).toBe(0x4020ae46); // KVM_SET_USER_MEMORY_REGION
    expect(_IOR(0xae, 0x81, 144)).toBe(0x8090ae81); // KVM_GET_REGS
    expect(_IOWR(0xae, 0x88, 8)).toBe(0xc008ae88); // KVM_GET_MSRS
  });

  it('results are non-negative numbers even with the READ bit set', () => {
    const r = _IOWR('U', 0xff, 0x3fff);
    expect(r).toBeGreaterThan(0x80000000);
    expect(Number.isInteger(r)).toBe(true);
  });

  it('decoders invert the encoders', () => {
    const r = _IOWR(0xae, 0x88, 8);
    expect(_IOC_DIR(r)).toBe(_IOC_READ | _IOC_WRITE);
    expect(_IOC_TYPE(r)).toBe(0xae);
    expect(_IOC_NR(r)).toBe(0x88);
    expect(_IOC_SIZE(r)).toBe(8);
    expect(_IOC_DIR(_IO(';', 0x85))).toBe(0);
    expect(_IOC_SIZE(_IO(';', 0x85))).toBe(0);
  });

  it('fields are masked to their widths', () => {
    expect(_IOC_SIZE(_IOW(1, 1, 0x4000))).toBe(0); // 14 bits
    expect(_IOC_NR(_IO(1, 0x1ff))).toBe(0xff);
  });
});
