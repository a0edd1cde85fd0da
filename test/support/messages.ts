import { translateServerMessage } from '../../app/i18n/use-t';

/** A server message (a catalog key with variables, or plain text) as an English reader sees it. */
export const english = (message: string): string => translateServerMessage('en', message);

/** The same, as a German reader sees it. */
export const german = (message: string): string => translateServerMessage('de', message);

/** Field errors with every message in English. */
export function englishFieldErrors(fieldErrors: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(fieldErrors).map(([field, messages]) => [field, messages.map(english)]));
}

/**
 * The promise, whose refusal (if any) carries its message and field errors in English, so a
 * test can match the words a person reads (`rejects.toThrow(/…/)`).
 */
export async function inEnglish<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof Error) {
      error.message = english(error.message);
      const e = error as Error & { fieldErrors?: Record<string, string[]> };
      if (e.fieldErrors) Object.assign(e, { fieldErrors: englishFieldErrors(e.fieldErrors) });
    }
    throw error;
  }
}
