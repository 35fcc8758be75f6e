/**
 * How long a whole async pruning step (`Pruning.onStepBeginAsync`, then the after-step hook) holds the event
 * loop on BERT-base shapes (magnitude, 4x1 global at 0.9): the scoring, the mask update and (with
 * `onAfterOptimizerStepAsync`) the masks' application run on worker threads, so what remains on the loop is the
 * hooks' own JavaScript and the bindings' argument checks. The after-step hook is either the async one or the
 * sync `onAfterOptimizerStep` (the step before it had an async twin). Measured three ways in one run: every
 * callback the loop runs for the step (wall and thread CPU time, async_hooks), the garbage collector's pauses,
 * and a 1 ms timer.
 */
import { createHook } from 'node:async_hooks';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Modules } from '../criteria';
import { binding } from '../native';
import { Pruning } from '../pruning/pruning';
import { bertStepLayers } from './selection';
import { median } from './timing';

/** The event loop during an async pruning step on BERT-base shapes (magnitude, 4x1 global at 0.9). */
export interface EventLoopRow {
  weights: number;
  /** The after-step hook of the step: `onAfterOptimizerStepAsync` or the sync `onAfterOptimizerStep`. */
  afterStep: 'async' | 'sync';
  /** Wall time of the step (onStepBeginAsync and the after-step hook), ms (median). */
  hookMs: number;
  /**
   * The longest stretch of the hook's own code on the event loop's thread, ms (max over the samples): the
   * synchronous call, and every callback the loop ran until the hook settled (async_hooks before/after).
   */
  longestBlockMs: number;
  /**
   * The CPU time of that longest stretch, ms: what the hook's code itself costs the loop (the wall figure also
   * counts the time the OS gave the loop's core to other threads).
   */
  longestCpuMs: number;
  /**
   * The longest delay of a 1 ms timer (perf_hooks monitorEventLoopDelay) while the hook ran, ms (max over the
   * samples). It also counts the time the OS gave the loop's core to another thread (the step's workers,
   * other processes): on a loaded 2-core machine it is larger than longestBlockMs.
   */
  longestGapMs: number;
  /** The longest garbage-collector pause while the hook ran, ms (it stops the loop, whoever allocated). */
  longestGcMs: number;
  /** Turns of the 1 ms timer during one hook (median): the loop kept turning. */
  ticks: number;
  /** The same step through the sync hooks (onStepBegin, onAfterOptimizerStep), ms (median): what the loop would be blocked for. */
  syncHookMs: number;
}

/** A full garbage collection (V8's gc(), reached without the --expose-gc flag). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * Runs async pruning steps over BERT-base shapes and records how long the event loop was held: by the hooks'
 * own code, by the garbage collector, and as a 1 ms timer saw it.
 */
export async function benchEventLoop(
  layers: number,
  samples: number,
  afterStep: 'async' | 'sync' = 'async',
): Promise<EventLoopRow> {
  const input = bertStepLayers(layers);
  const weights = input.reduce((a, l) => a + l.scores.length, 0);
  const config = {
    pattern: '4x1',
    target_sparsity: 0.9,
    pruning_type: 'magnitude',
    pruning_scope: 'global',
    start_step: 0,
    end_step: samples + 1,
    pruning_frequency: 1,
    sparsity_decay_type: 'linear',
  } as const;
  const build = (): Pruning => {
    const modules: Modules = Object.create(null);
    for (const l of input) modules[l.name] = { weight: l.scores.slice(), shape: [...l.shape] };
    return new Pruning(config, modules, { warn: () => {} });
  };
  const step = async (p: Pruning, async: boolean): Promise<void> => {
    if (async) await p.onStepBeginAsync();
    else p.onStepBegin();
    if (async && afterStep === 'async') await p.onAfterOptimizerStepAsync();
    else p.onAfterOptimizerStep();
    p.onStepEnd();
  };
  const hook: number[] = [];
  const ticks: number[] = [];
  let longest = 0;
  let longestGap = 0;
  let longestGc = 0;
  let longestCpu = 0;
  // Every callback the loop runs while a hook is measured, timed from before to after (by async id: the
  // harness's own callback, begun before the hook, is not counted).
  const opened = new Map<number, [number, number]>();
  let recording = false;
  const callbacks = createHook({
    before(id) {
      if (recording) opened.set(id, [performance.now(), binding.threadCpuTime()]);
    },
    after(id) {
      const began = opened.get(id);
      if (began === undefined) return;
      opened.delete(id);
      longest = Math.max(longest, performance.now() - began[0]);
      longestCpu = Math.max(longestCpu, binding.threadCpuTime() - began[1]);
    },
  });
  // Garbage-collector pauses while a hook runs (they stop the loop too, whoever allocated).
  // (Entries arrive later than the pause: they are kept and matched to the hook's time window.)
  const pauses: Array<{ start: number; duration: number }> = [];
  const windows: Array<[number, number]> = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, duration: e.duration });
  });
  gc.observe({ entryTypes: ['gc'] });
  let pruning = build();
  pruning.onTrainBegin();
  await step(pruning, true); // warm-up
  for (let s = 0; s < samples; s++) {
    // A full collection first, so that a pause the hook sees is one its own allocation caused.
    collectGarbage();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    callbacks.enable();
    recording = true;
    // The synchronous part of each hook call is timed here (the harness's own callback is not a recorded one).
    const timed = <T>(call: () => T): T => {
      const [wall, cpu] = [performance.now(), binding.threadCpuTime()];
      const result = call();
      longest = Math.max(longest, performance.now() - wall);
      longestCpu = Math.max(longestCpu, binding.threadCpuTime() - cpu);
      return result;
    };
    const start = performance.now();
    await timed(() => pruning.onStepBeginAsync());
    if (afterStep === 'async') await timed(() => pruning.onAfterOptimizerStepAsync());
    else timed(() => pruning.onAfterOptimizerStep());
    hook.push(performance.now() - start);
    windows.push([start, performance.now()]);
    recording = false;
    callbacks.disable();
    opened.clear();
    // One more timer turn: a block at the end of the step (the sync after-step hook) shows as a delay only
    // once the 1 ms timer fires after it.
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
    delay.disable();
    longestGap = Math.max(longestGap, delay.max / 1e6);
    ticks.push(delay.count);
    pruning.onStepEnd();
  }
  await new Promise<void>((resolve) => setImmediate(resolve)); // the last gc entries
  gc.disconnect();
  for (const p of pauses)
    if (windows.some(([a, b]) => p.start >= a && p.start <= b)) longestGc = Math.max(longestGc, p.duration);
  pruning = build();
  pruning.onTrainBegin();
  await step(pruning, false);
  const sync: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = performance.now();
    pruning.onStepBegin();
    pruning.onAfterOptimizerStep();
    sync.push(performance.now() - start);
    pruning.onStepEnd();
  }
  return {
    weights,
    afterStep,
    hookMs: median(hook),
    longestBlockMs: longest,
    longestCpuMs: longestCpu,
    longestGapMs: longestGap,
    longestGcMs: longestGc,
    ticks: median(ticks),
    syncHookMs: median(sync),
  };
}
