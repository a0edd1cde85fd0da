import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding Leitstand's package.json. Found by walking up from this module, so it
 * is right whether the code runs from its sources (tsx), from the bundled server
 * (build/server.js) or from inside the Remix server build (build/index.js).
 */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'leitstand') {
      cached = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find the Leitstand folder (package.json named "leitstand").');
    dir = parent;
  }
}
