import '@remix-run/node';

declare module '@remix-run/node' {
  interface AppLoadContext {
    /** The CSP nonce for inline scripts of this response. */
    nonce?: string;
  }
}
