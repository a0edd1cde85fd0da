import { useEffect, useState } from 'react';
import type * as RechartsModule from 'recharts';

export type Recharts = typeof RechartsModule;

let loaded: Recharts | null = null;

/**
 * recharts, loaded in the browser after hydration. Its charts measure their container, so
 * the server could only ever render an empty box; importing it on the server cost almost a
 * second of start-up and work on every page that shows a chart. Callers render a box of the
 * final size until it arrives (no layout shift); the numbers are always in a table beside it.
 */
export function useRecharts(): Recharts | null {
  const [recharts, setRecharts] = useState<Recharts | null>(loaded);
  useEffect(() => {
    if (recharts) return;
    let live = true;
    import('recharts').then(
      (module) => {
        loaded = module;
        if (live) setRecharts(module);
      },
      () => undefined, // without the chart the table still tells the story
    );
    return () => {
      live = false;
    };
  }, [recharts]);
  return recharts;
}
