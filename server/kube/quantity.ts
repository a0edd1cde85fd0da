import { parseQuantity } from './sim/quantity';

/**
 * A Kubernetes quantity as a number in base units: cores for cpu ("500m" → 0.5), bytes for
 * memory ("1Gi" → 1073741824), a count for devices. Parsed exactly as the API server does
 * (the simulated cluster's parser is the server's); throws for text that is no quantity.
 */
export function quantityValue(input: string | number): number {
  const q = parseQuantity(input);
  return Number(q.nano) / 1e9;
}

/** True when the text parses as a Kubernetes quantity. */
export function isQuantityText(input: string): boolean {
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}
