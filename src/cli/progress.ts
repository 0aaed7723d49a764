// Install progress: a bar on a terminal, JSON lines on stderr with --json, plain
// phase lines otherwise, nothing with -q. The events come from core as an Observable.
import type { Observable } from 'rxjs';
import type { InstallEvent } from '../install/methods.js';
import type { OutputMode } from './render.js';

interface Bar {
  start(total: number, value: number, payload?: object): void;
  update(value: number, payload?: object): void;
  setTotal(total: number): void;
  stop(): void;
}

/** "12.3/77.8 MB" for bytes, "64/270" for items. */
export function amount(done: number, total: number, unit: 'bytes' | 'items'): string {
  if (unit === 'items') return `${done}/${total}`;
  const mb = (n: number): string => (n / 2 ** 20).toFixed(1);
  return `${mb(done)}/${mb(total)} MB`;
}

export async function followProgress(events: Observable<InstallEvent>, mode: OutputMode): Promise<void> {
  const tty = process.stderr.isTTY === true && !mode.json && !mode.quiet;
  let bar: Bar | undefined;
  if (tty) {
    const { SingleBar, Presets } = (await import('cli-progress')).default;
    bar = new SingleBar(
      {
        format: '{phase} [{bar}] {percentage}% {amount}',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      Presets.shades_classic,
    );
  }
  let started = false;
  const stopBar = (): void => {
    if (started) bar?.stop();
    started = false;
  };
  await new Promise<void>((resolve, reject) => {
    events.subscribe({
      next: (e) => {
        if (mode.json) {
          process.stderr.write(`${JSON.stringify(e)}\n`);
        } else if (mode.quiet) {
          return;
        } else if (e.type === 'progress' && bar !== undefined) {
          const payload = { phase: e.phase, amount: amount(e.done, e.total, e.unit) };
          if (!started) bar.start(e.total, e.done, payload);
          else bar.update(e.done, payload);
          started = true;
        } else if (e.type === 'phase' || e.type === 'warning') {
          stopBar();
          process.stderr.write(`${e.zone}: ${e.type === 'warning' ? 'warning: ' : ''}${e.message}\n`);
        }
      },
      error: (err: unknown) => {
        stopBar();
        reject(err);
      },
      complete: () => {
        stopBar();
        resolve();
      },
    });
  });
}
