import { describe, expect, it } from 'vitest';
import { ConflictError, InputError, NotFoundError } from '../../../server/core/errors';
import {
  defineJobType,
  isJobInterruption,
  isPermanentError,
  JobInterruptedError,
  PermanentJobError,
  retryDelay,
} from '../../../server/jobs';

describe('defineJobType', () => {
  it('requires a "<context>.<name>" type name', () => {
    const handler = async () => null;
    expect(() => defineJobType('erasure', { handler })).toThrow(/<context>\.<name>/);
    expect(() => defineJobType('Privacy.Erasure', { handler })).toThrow(/lower case/);
    expect(defineJobType('privacy.erasure-run', { handler })).toEqual({ type: 'privacy.erasure-run' });
  });

  it('rejects settings that cannot work', () => {
    const handler = async () => null;
    expect(() => defineJobType('test.x', { handler, maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => defineJobType('test.x', { handler, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => defineJobType('test.x', { handler, backoff: { baseMs: 10, maxMs: 5 } })).toThrow(/backoff/);
  });
});

describe('isPermanentError', () => {
  it('treats bad input, missing things and PermanentJobError as permanent, conflicts and plain errors as transient', () => {
    expect(isPermanentError(new PermanentJobError('x'))).toBe(true);
    expect(isPermanentError(new InputError('x'))).toBe(true);
    expect(isPermanentError(new NotFoundError('x'))).toBe(true);
    expect(isPermanentError(new ConflictError('x'))).toBe(false);
    expect(isPermanentError(new Error('ECONNRESET'))).toBe(false);
    expect(isPermanentError('a string')).toBe(false);
  });
});

describe('isJobInterruption', () => {
  it('recognises an interruption from another copy of the module by its name and kind', () => {
    const fromOtherCopy = Object.assign(new Error('The job was cancelled.'), { name: 'JobInterruptedError', kind: 'cancelled' });
    expect(isJobInterruption(fromOtherCopy)).toBe(true);
    expect(isJobInterruption(new JobInterruptedError('shutdown'))).toBe(true);
    expect(isJobInterruption(new Error('JobInterruptedError'))).toBe(false);
    expect(isJobInterruption(new DOMException('aborted', 'AbortError'))).toBe(false);
  });
});

describe('retryDelay', () => {
  it('waits the base delay (with jitter) after the first failed attempt, doubling after each further one', () => {
    const policy = { baseMs: 1000, maxMs: 30_000 };
    expect([1, 2, 3, 4].map((n) => retryDelay(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, policy, () => 0.999_999))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelay(10_000, policy, () => 0.5)).toBe(22_500);
  });
});
