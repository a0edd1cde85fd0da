import { createColumnHelper } from '@tanstack/react-table';
import { renderToString } from 'react-dom/server';
import type { Navigation } from 'react-router-dom';
import { StaticRouterProvider, createStaticHandler, createStaticRouter } from 'react-router-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable, type DataTableProps } from '~/components/data-table';

/*
 * The DataTable rendered as the server renders it (inside a real data router), read back
 * as HTML: the URLs it writes are the behaviour that matters — sort links keep filters and
 * drop the page, pager links keep sort and filters, headers carry aria-sort.
 */

interface Row {
  id: number;
  name: string;
  size: number;
}
const column = createColumnHelper<Row>();
const columns = [
  column.accessor('name', { id: 'name', header: 'Name' }),
  column.accessor('size', { id: 'size', header: 'Size', sortDescFirst: true }),
  column.accessor('id', { id: 'id', header: 'Id' }),
];
const rows: Row[] = [
  { id: 1, name: 'alpha', size: 3 },
  { id: 2, name: 'beta', size: 5 },
];

function Table(props: Partial<DataTableProps<Row>>) {
  return (
    <DataTable<Row>
      caption="Things"
      columns={columns}
      data={rows}
      getRowId={(r) => String(r.id)}
      sortable={['name', 'size']}
      defaultSort={{ id: 'name', desc: false }}
      filters={[
        { name: 'q', label: 'Search' },
        { name: 'kind', label: 'Kind', type: 'select', allLabel: 'All', options: [{ value: 'a', label: 'A' }], error: 'Pick one' },
      ]}
      emptyMessage="No things yet"
      emptyFilteredMessage="No things match"
      {...props}
    />
  );
}

/**
 * Server-renders the table at `url` inside react-router's static data router. `navigation`
 * stands in for a navigation in flight (the static router is always idle; the browser's
 * router would report exactly this object while the next page's loader runs).
 */
async function render(url: string, props: Partial<DataTableProps<Row>> = {}, navigation?: Navigation): Promise<string> {
  const routes = [{ path: '/things', element: <Table {...props} /> }];
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request(`http://localhost${url}`));
  if (context instanceof Response) throw new Error('unexpected redirect');
  const staticRouter = createStaticRouter(handler.dataRoutes, context);
  const router = navigation
    ? Object.create(staticRouter, { state: { get: () => ({ ...staticRouter.state, navigation }) } })
    : staticRouter;
  return renderToString(<StaticRouterProvider router={router} context={context} hydrate={false} />);
}

/** The attribute values of every element matching a simple tag/attribute pattern. */
function attrs(html: string, pattern: RegExp): string[] {
  return [...html.matchAll(pattern)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}

/** The hrefs of the links whose opening tag contains `marker` (e.g. `rel="next"`). */
function hrefs(html: string, marker: string): string[] {
  return [...html.matchAll(/<a [^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => tag.includes(marker))
    .map((tag) => /href="([^"]+)"/.exec(tag)![1]!.replace(/&amp;/g, '&'));
}

describe('DataTable', () => {
  it('marks the sorted column with aria-sort and offers the other order', async () => {
    const html = await render('/things?q=x&page=3');
    expect(attrs(html, /<th[^>]*aria-sort="(\w+)"/g)).toEqual(['ascending', 'none']);
    // Sorting keeps the filter and starts again at the first page.
    expect(hrefs(html, 'sort-link')).toEqual(['/things?q=x&sort=-name', '/things?q=x&sort=-size']);
    // The unsortable column has no control.
    expect(html).toMatch(/<th scope="col" colSpan="1">Id<\/th>/);
  });

  it('reads a descending sort from the URL and toggles it back', async () => {
    const html = await render('/things?sort=-size');
    expect(attrs(html, /<th[^>]*aria-sort="(\w+)"/g)).toEqual(['none', 'descending']);
    expect(hrefs(html, 'sort-link')).toEqual(['/things?sort=name', '/things?sort=size']);
  });

  it('ignores a sort on a column the server cannot sort by', async () => {
    const html = await render('/things?sort=id');
    expect(attrs(html, /<th[^>]*aria-sort="(\w+)"/g)).toEqual(['ascending', 'none']);
  });

  it('fills the filter form from the URL, keeps a non-default sort, and shows field errors', async () => {
    const html = await render('/things?q=needle&kind=a&sort=-size');
    expect(html).toMatch(/<input[^>]*name="q"[^>]*value="needle"/);
    expect(html).toMatch(/<option value="a" selected="">A<\/option>/);
    expect(html).toMatch(/<input type="hidden" name="sort" value="-size"\/>/);
    expect(html).toMatch(/aria-invalid="true"/);
    expect(html).toContain('Pick one');
    // Clearing filters keeps the sort.
    expect(attrs(html, /<a [^>]*href="([^"]+)"[^>]*>Clear filters/g)).toEqual(['/things?sort=-size']);
  });

  it('shows the empty state, different when filters are set', async () => {
    expect(await render('/things', { data: [] })).toContain('No things yet');
    expect(await render('/things?q=zzz', { data: [] })).toContain('No things match');
    expect(await render('/things', { data: [] })).toMatch(/<td colSpan="3" class="data-table-empty">/i);
  });

  it('writes keyset pager links that keep sort and filters and replace the cursor', async () => {
    const html = await render('/things?q=x&sort=-size&before=40', {
      pagination: { kind: 'cursor', prev: { after: '31' }, next: { before: '10' }, prevLabel: 'Newer', nextLabel: 'Older' },
    });
    expect(hrefs(html, 'rel="prev"')).toEqual(['/things?q=x&sort=-size&after=31']);
    expect(hrefs(html, 'rel="next"')).toEqual(['/things?q=x&sort=-size&before=10']);
    expect(html).toContain('Newer');
  });

  it('shows a missing page direction as disabled, not as a link', async () => {
    const html = await render('/things', { pagination: { kind: 'cursor', prev: null, next: { before: '10' } } });
    expect(html).toMatch(/<span class="button secondary" aria-disabled="true">/);
    expect(html).not.toMatch(/rel="prev"/);
  });

  it('writes numbered pager links', async () => {
    const html = await render('/things?q=x&page=2', { pagination: { kind: 'pages', page: 2, pageCount: 3, hasNext: true } });
    expect(hrefs(html, 'rel="prev"')).toEqual(['/things?q=x']);
    expect(hrefs(html, 'rel="next"')).toEqual(['/things?q=x&page=3']);
    expect(html).toContain('Page 2 of 3');
  });

  it('is a focusable, labelled scroll region for narrow screens', async () => {
    const html = await render('/things');
    const captionId = /<caption id="([^"]+)"/.exec(html)![1];
    expect(html).toMatch(new RegExp(`<div class="table-wrap" role="region" aria-labelledby="${captionId}" tabindex="0">`, 'i'));
  });

  it('marks the table busy while the next view of the same list loads, not when leaving', async () => {
    const loadingTo = (pathname: string): Navigation => ({
      state: 'loading',
      location: { pathname, search: '?page=2', hash: '', state: null, key: 'next' },
      formMethod: undefined,
      formAction: undefined,
      formEncType: undefined,
      formData: undefined,
      json: undefined,
      text: undefined,
    });
    expect(await render('/things')).not.toContain('aria-busy');
    const busy = await render('/things', {}, loadingTo('/things'));
    expect(busy).toMatch(/<table class="data-table-busy" aria-busy="true">/);
    expect(busy).toMatch(/role="status" aria-live="polite">Loading…<\/p>/);
    expect(await render('/things', {}, loadingTo('/elsewhere'))).not.toContain('aria-busy');
  });
});
