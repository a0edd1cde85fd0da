import MarkdownIt from 'markdown-it';

// html: false escapes every raw HTML tag and block; markdown-it's validateLink refuses
// javascript:, vbscript:, file: and non-image data: URLs. So no markup from the card author
// reaches the page except what Markdown itself produces.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
// Images would load from wherever the author points (and the CSP refuses other origins): shown as text.
md.disable('image');

const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  // Cards link out to third-party sites: no referrer, no opener, no ranking credit.
  tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

// The card sits under the page's "Model card" heading (h2): its own headings start at h3, so
// the page keeps one h1 and a sound outline.
const shiftHeading = (tokens: { tag: string }[], idx: number) => {
  const token = tokens[idx]!;
  token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 2)}`;
};
md.core.ruler.push('shift_headings', (state) => {
  state.tokens.forEach((token, idx) => {
    if (token.type === 'heading_open' || token.type === 'heading_close') shiftHeading(state.tokens, idx);
  });
});

/** A model card (Markdown) as safe HTML: raw HTML is escaped, dangerous link schemes dropped. */
export function renderModelCard(markdown: string): string {
  return md.render(markdown);
}
