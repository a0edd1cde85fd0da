import { useNavigation } from '@remix-run/react';
import { useEffect, useRef } from 'react';

const focusable = 'input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled])';

/**
 * Moves focus to the first field marked invalid inside `root`; a marked group (a fieldset of
 * checkboxes) hands focus to its first control. Returns whether a field took focus.
 */
export function focusFirstInvalid(root: ParentNode): boolean {
  const marked = root.querySelector<HTMLElement>('[aria-invalid="true"]');
  if (!marked) return false;
  const target = marked.matches(focusable) ? marked : marked.querySelector<HTMLElement>(focusable);
  if (!target) return false;
  target.focus();
  return true;
}

/**
 * After a form submission (POST and friends) comes back with field errors, focus the first
 * invalid field, so keyboard and screen-reader users land on what needs fixing instead of on
 * <body> (the submit button is disabled while submitting, which drops focus). Used once in the
 * shell, so every form that marks its fields with aria-invalid behaves the same.
 */
export function useFocusFirstInvalidAfterSubmit(rootId: string): void {
  const navigation = useNavigation();
  const submitted = useRef(false);
  useEffect(() => {
    if (navigation.state === 'submitting') {
      submitted.current = true;
      return;
    }
    if (navigation.state !== 'idle' || !submitted.current) return;
    submitted.current = false;
    const root = document.getElementById(rootId);
    if (root) focusFirstInvalid(root);
  }, [navigation.state, rootId]);
}
