import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const routesDir = path.resolve(import.meta.dirname, '../../app/routes');

describe('route modules', () => {
  it('reach server code only through the app/utils/*.server adapters', () => {
    const offenders = fs
      .readdirSync(routesDir)
      .filter((file) => /from '(\.\.\/)+server\//.test(fs.readFileSync(path.join(routesDir, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
