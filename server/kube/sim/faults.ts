import type { Rng } from './random';

export type FaultMode = 'error500' | 'throttle429' | 'timeout';

/** What the next request should suffer, decided per request (watches only when asked). */
export class FaultPlan {
  private nextCount = 0;
  private nextMode: FaultMode = 'error500';
  private nextIncludesWatches = false;
  private rate = 0;
  private rateModes: FaultMode[] = ['error500'];
  private readonly watchDroppers = new Set<() => void>();

  constructor(private readonly rng: Rng) {}

  failNext(count: number, mode: FaultMode, options: { includeWatches?: boolean } = {}) {
    this.nextCount = Math.max(0, Math.floor(count));
    this.nextMode = mode;
    this.nextIncludesWatches = !!options.includeWatches;
  }

  failRate(rate: number, modes: FaultMode[] = ['error500']) {
    this.rate = Math.min(1, Math.max(0, rate));
    this.rateModes = modes.length > 0 ? modes : ['error500'];
  }

  clear() {
    this.nextCount = 0;
    this.rate = 0;
  }

  /** The fault for this request, if any (consumes one of failNext's count). */
  pick(isWatch: boolean): FaultMode | undefined {
    if (this.nextCount > 0 && (!isWatch || this.nextIncludesWatches)) {
      this.nextCount--;
      return this.nextMode;
    }
    if (!isWatch && this.rate > 0 && this.rng.next() < this.rate) return this.rateModes[this.rng.int(this.rateModes.length)];
    return undefined;
  }

  registerWatch(drop: () => void): () => void {
    this.watchDroppers.add(drop);
    return () => this.watchDroppers.delete(drop);
  }

  dropWatches() {
    for (const drop of [...this.watchDroppers]) drop();
  }
}
