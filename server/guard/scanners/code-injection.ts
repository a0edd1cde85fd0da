import { type ScanOutcome, type Span } from './types';

export const codeLanguages = ['sql', 'shell', 'html'] as const;
export type CodeLanguage = (typeof codeLanguages)[number];

export interface CodeInjectionParams {
  languages: readonly CodeLanguage[];
}

/**
 * Dangerous code in model output that a downstream system might execute or render:
 * destructive or injected SQL, shell one-liners that delete, download-and-run or open
 * reverse shells, and HTML that runs script. Ordinary code (a SELECT with a WHERE, an
 * `ls -la`) passes. Each pattern is bounded; none nests quantifiers.
 */
export const codePatterns: Record<CodeLanguage, readonly { kind: string; pattern: RegExp }[]> = {
  sql: [
    { kind: 'sql-drop', pattern: /\b(?:DROP|TRUNCATE)\s+(?:TABLE|DATABASE|SCHEMA|USER)\b/gi },
    { kind: 'sql-delete-all', pattern: /\bDELETE\s+FROM\s+[\w."`[\]]{1,64}\s*(?:;|--|$)/gim },
    { kind: 'sql-union-select', pattern: /\bUNION\s+(?:ALL\s+)?SELECT\b/gi },
    { kind: 'sql-tautology', pattern: /['"]\s*\)?\s*OR\s+(?:'[^']{0,20}'\s*=\s*'[^']{0,20}|"[^"]{0,20}"\s*=\s*"[^"]{0,20}|\d{1,6}\s*=\s*\d{1,6}|true)\b/gi },
    { kind: 'sql-stacked-query', pattern: /['"]\s*;\s*(?:DROP|DELETE|UPDATE|INSERT|EXEC|SHUTDOWN|ALTER|CREATE)\b/gi },
    { kind: 'sql-comment-injection', pattern: /['"]\s*(?:--|#|\/\*)\s*$/gm },
    { kind: 'sql-command-exec', pattern: /\b(?:xp_cmdshell|sp_OACreate|sp_execute_external_script)\b|\bINTO\s+(?:OUT|DUMP)FILE\b|\bLOAD_FILE\s*\(|\bCOPY\s+\w{1,64}\s+(?:FROM|TO)\s+PROGRAM\b/gi },
    { kind: 'sql-time-based', pattern: /\b(?:WAITFOR\s+DELAY|pg_sleep\s*\(|SLEEP\s*\(\s*\d|BENCHMARK\s*\(\s*\d)/gi },
  ],
  shell: [
    { kind: 'shell-destructive', pattern: /\brm\s+(?:-{1,2}[\w-]{1,20}\s+){0,4}-(?:[a-zA-Z]*[rR][a-zA-Z]*[fF]|[a-zA-Z]*[fF][a-zA-Z]*[rR])\w*\s+(?:-{1,2}[\w-]{1,20}\s+){0,3}(?:\/(?:\s|$|\*)|~\/?(?:\s|$)|\*|\$HOME|\/\w{1,32}\/?(?:\s|$))/gm },
    // Anchored at the pipe into a shell (rare), looking back for the download: scanning
    // forward from every "curl" would cost up to 200 characters per occurrence.
    { kind: 'shell-download-exec', pattern: /\|(?<=\b(?:curl|wget|fetch|iwr|Invoke-WebRequest)\b[^|\n;]{1,200}\|)\s*(?:sudo\s+)?(?:ba|z|k|da)?sh\b|;(?<=\b(?:curl|wget)\b[^\n;]{1,200};)\s*(?:ba)?sh\s+\S/gi },
    { kind: 'shell-reverse-shell', pattern: /\/dev\/(?:tcp|udp)\/|\b(?:nc|ncat|netcat)\b[^\n]{0,80}\s-[a-zA-Z]*[ec]\b|\bmkfifo\b|\bsocat\b[^\n]{0,80}exec:/gi },
    { kind: 'shell-disk-wipe', pattern: /\bdd\s+if=[^\n]{0,60}of=\/dev\/(?:sd|hd|nvme|xvd|vd|disk)|\bmkfs(?:\.\w+)?\s+(?:-\S+\s+){0,3}\/dev\/|>\s*\/dev\/sd[a-z]\b|\bshred\b[^\n]{0,40}\/dev\//gi },
    { kind: 'shell-fork-bomb', pattern: /:\s*\(\s*\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:/g },
    { kind: 'shell-privilege', pattern: /\bchmod\s+(?:-R\s+)?(?:0?777\s+\/|[ugo]*\+s\b|[42]755\b)|\bchown\s+-R\s+\S{1,40}\s+\/(?:\s|$)|\becho\b[^\n]{0,120}>>?\s*\/etc\/(?:sudoers|passwd|shadow)/gi },
    { kind: 'shell-encoded-exec', pattern: /\bbase64\s+(?:-d|--decode)\b[^\n]{0,40}\|\s*(?:ba)?sh\b|\bpowershell(?:\.exe)?\s+(?:-\w+\s+){0,4}-(?:e|ec|enc|encodedcommand)\s+[A-Za-z0-9+/=]{8}|\beval\s+["']?\$\((?:curl|wget|echo)/gi },
    { kind: 'shell-credential-read', pattern: /\b(?:cat|less|more|head|tail|curl\s+file:\/\/)\s+\/etc\/(?:shadow|passwd)\b|~\/\.ssh\/id_(?:rsa|ed25519|ecdsa)\b/gi },
  ],
  html: [
    { kind: 'html-script', pattern: /<script\b/gi },
    { kind: 'html-javascript-url', pattern: /\b(?:href|src|action|formaction|data|xlink:href)\s*=\s*["']?\s*(?:javascript|vbscript):/gi },
    { kind: 'html-event-handler', pattern: /<[a-z][a-z0-9-]{0,20}\b[^<>]{0,300}?\son[a-z]{3,20}\s*=/gi },
    { kind: 'html-embed', pattern: /<(?:iframe|object|embed|applet|base)\b/gi },
    { kind: 'html-meta-refresh', pattern: /<meta\b[^<>]{0,100}http-equiv\s*=\s*["']?refresh/gi },
    { kind: 'html-data-url', pattern: /\bdata:text\/html\b|\bdocument\.cookie\b|\bsrcdoc\s*=/gi },
  ],
};

/** The `code-injection` check. */
export function scanCodeInjection(text: string, params: CodeInjectionParams): ScanOutcome {
  const spans: Span[] = [];
  const languages: string[] = [];
  for (const language of params.languages) {
    let hit = false;
    for (const { kind, pattern } of codePatterns[language]) {
      for (const m of text.matchAll(pattern)) {
        if (m[0].length === 0) continue;
        spans.push({ start: m.index, end: m.index + m[0].length, kind });
        hit = true;
      }
    }
    if (hit) languages.push(language);
  }
  spans.sort((a, b) => a.start - b.start);
  return { detected: spans.length > 0, score: spans.length > 0 ? 1 : 0, spans, details: { languages } };
}
