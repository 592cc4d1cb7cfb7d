/** Messages between the playground page and the worker that runs driver code. */
import type { TraceEntry } from '../src/base/trace.js';

export interface RunRequest {
  /** JavaScript with the imports already rewritten (lib/user-code.ts). */
  readonly code: string;
  /** The machine in the topology pane, handed to the code as `topology`. */
  readonly topology: unknown;
}

/** One step of the run: a syscall (or a host being created, or the end) and what it traced. */
export interface CodeStep {
  readonly index: number;
  readonly label: string;
  readonly ok: boolean;
  readonly entries: readonly TraceEntry[];
  /** What the call was given and what it got back, as [field, value] rows (an ioctl's struct after the call, a store's value and width). */
  readonly asked?: ReadonlyArray<readonly [string, string]>;
  /** The machine drawn after the step (left out past the picture budget). */
  readonly svg?: string;
}

export interface RunFailure {
  readonly name: string;
  readonly message: string;
  /** SystemError: errno name and number, the syscall, the kernel check that refused it. */
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly why?: string;
  /** Where in the student's code (lines of the code as sent). */
  readonly line?: number;
  readonly column?: number;
}

export type WorkerMessage =
  | { readonly type: 'step'; readonly step: CodeStep }
  | { readonly type: 'log'; readonly level: 'log' | 'warn' | 'error'; readonly text: string }
  | { readonly type: 'done'; readonly ok: boolean; readonly failure?: RunFailure; readonly steps: number };
