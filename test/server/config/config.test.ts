import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../server/config';

describe('parseConfig', () => {
  it('starts on embedded defaults with an empty environment', () => {
    const config = parseConfig({});
    expect(config.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
    expect(config.dataDir).toMatch(/data$/);
    expect(config.bodyLimitBytes).toBe(1024 * 1024);
  });

  it('names every bad variable in one message and hides secret values', () => {
    let message = '';
    try {
      parseConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://u:hunter2@db/x', LEITSTAND_BODY_LIMIT: '2gb' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('PORT="eighty": expected a whole number from 0 to 65535');
    expect(message).toContain('DATABASE_URL=(secret)');
    expect(message).toContain('LEITSTAND_BODY_LIMIT="2gb"');
    expect(message).not.toContain('hunter2');
  });

  it('treats empty strings as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', LEITSTAND_ADMIN_PASSWORD: ' ' }).database.url).toBeUndefined();
  });

  it('parses sizes with units', () => {
    expect(parseConfig({ LEITSTAND_BODY_LIMIT: '512kb' }).bodyLimitBytes).toBe(512 * 1024);
  });
});
