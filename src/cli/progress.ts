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

export async function followProgress(events: Observable<InstallEvent>, mode: OutputMode): Promise<void> {
  const tty = process.stderr.isTTY === true && !mode.json && !mode.quiet;
  let bar: Bar | undefined;
  if (tty) {
    const { SingleBar, Presets } = (await import('cli-progress')).default;
    bar = new SingleBar(
      { format: '{phase} [{bar}] {value}/{total}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
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
          if (!started) bar.start(e.total, e.done, { phase: e.phase });
          else bar.update(e.done, { phase: e.phase });
          started = true;
        } else if (e.type === 'phase') {
          stopBar();
          process.stderr.write(`${e.zone}: ${e.message}\n`);
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
