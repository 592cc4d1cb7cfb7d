/**
 * Interrupts delivered per second, MSI-X → eventfd. Pending until vfio-pci's SET_IRQS and a
 * device model with MSI-X are reachable through the syscall surface.
 */
import { pending, type BenchCase, type Figure } from '../harness.js';

export const interruptsCase: BenchCase = {
  name: 'interrupts',
  about: 'MSI-X interrupts delivered to an eventfd per second',
  run(): Figure[] {
    return [pending('irq.msix.eventfd', 'MSI-X → eventfd deliveries', 'irq/s', 'vfio-pci SET_IRQS with an MSI-X device model has not landed')];
  },
};
