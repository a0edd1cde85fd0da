import { Form, Link, useLocation, useNavigate, useNavigation, useSearchParams, useSubmit } from '@remix-run/react';
import {
  type ColumnDef,
  type Header,
  type RowData,
  flexRender,
  getCoreRowModel,
  useReactTable,
} from '@tanstack/react-table';
import { useId } from 'react';
import { useT } from '~/i18n/use-t';
import { type SortState, defaultPageParams, hasFilters, readSort, sortValue, withParams } from '~/utils/table-params';

declare module '@tanstack/react-table' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<TData extends RowData, TValue> {
    /** Class for the column's th and td cells (e.g. `num`, `nowrap`). */
    className?: string;
  }
}

/** One input of the filter form; its value lives in the search param `name`. */
export interface DataTableFilter {
  name: string;
  label: string;
  type?: 'text' | 'search' | 'date' | 'datetime-local' | 'select';
  /** For `select`; an empty option ("all") is added first. */
  options?: { value: string; label: string }[];
  /** Label of the empty select option. */
  allLabel?: string;
  hint?: string;
  placeholder?: string;
  /** A message shown next to the field (from the loader's field errors). */
  error?: string;
}

/**
 * How to reach other pages. Keyset lists pass the search params that lead to the
 * previous/next page (null when there is none); numbered lists pass the page.
 */
export type DataTablePagination =
  | {
      kind: 'cursor';
      prev: Record<string, string> | null;
      next: Record<string, string> | null;
      prevLabel?: string;
      nextLabel?: string;
    }
  | { kind: 'pages'; page: number; pageCount?: number; hasNext: boolean; param?: string };

export interface DataTableProps<T> {
  /** The table's accessible name (also labels its scroll region). */
  caption: string;
  /** Show the caption visibly (default: only to assistive technology). */
  showCaption?: boolean;
  // Columns mix value types; tanstack's own examples type them this way.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  columns: ColumnDef<T, any>[];
  data: T[];
  getRowId: (row: T) => string;
  /** Ids of the columns the server can sort by; only those get sort controls. */
  sortable?: readonly string[];
  /** The order the server uses without a sort param. */
  defaultSort?: SortState;
  sortParam?: string;
  filters?: DataTableFilter[];
  pagination?: DataTablePagination;
  /** Params that position a page; dropped when sort or filters change. */
  pageParams?: readonly string[];
  emptyMessage?: string;
  emptyFilteredMessage?: string;
  /** Extra content for the filter form's button row (e.g. export links). */
  toolbar?: React.ReactNode;
}

/**
 * The shared list view: server-side sort, filter and pagination, all kept in the URL so
 * links and back/forward work; sort headers are links with aria-sort; loading and empty
 * states; horizontal scroll on narrow screens. Rows arrive already sorted, filtered and
 * paged (tanstack's manual modes); this component only renders and writes URLs.
 */
export function DataTable<T>({
  caption,
  showCaption = false,
  columns,
  data,
  getRowId,
  sortable = [],
  defaultSort,
  sortParam = 'sort',
  filters = [],
  pagination,
  pageParams = defaultPageParams,
  emptyMessage,
  emptyFilteredMessage,
  toolbar,
}: DataTableProps<T>) {
  const t = useT();
  const captionId = useId();
  const statusId = useId();
  const [params] = useSearchParams();
  const location = useLocation();
  const navigation = useNavigation();
  const submit = useSubmit();
  const navigate = useNavigate();
  const sort = defaultSort ? readSort(params, sortable, defaultSort, sortParam) : null;

  const table = useReactTable({
    data,
    columns,
    getRowId: (row) => getRowId(row),
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualFiltering: true,
    manualPagination: true,
    enableSortingRemoval: false,
    enableMultiSort: false,
    state: { sorting: sort ? [sort] : [] },
    enableSorting: sortable.length > 0,
  });

  // Busy while the next view of this very list loads (not when leaving the page).
  const busy = navigation.state !== 'idle' && navigation.location?.pathname === location.pathname;
  const filterNames = filters.map((f) => f.name);
  const filtered = hasFilters(params, filterNames);
  const href = (patch: Record<string, string | null>, drop: readonly string[] = pageParams) =>
    `${location.pathname}${withParams(params, patch, drop)}`;
  const rows = table.getRowModel().rows;
  const columnCount = table.getVisibleLeafColumns().length;

  // Cells may use plain <a href> (cheaper to render than <Link> in a big table); a click on
  // one still navigates inside the app, as a Link would.
  const followLink = (event: React.MouseEvent<HTMLElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element).closest('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== window.location.origin) return;
    event.preventDefault();
    navigate(`${anchor.pathname}${anchor.search}${anchor.hash}`);
  };

  return (
    <div className="data-table">
      {filters.length > 0 ? (
        // Keyed by the URL so the inputs show the current filters after back/forward.
        <Form
          method="get"
          className="filter-form"
          key={location.search}
          aria-label={t('table.filters')}
          preventScrollReset
          onSubmit={(event) => {
            // Leave empty filters out of the URL (without JavaScript the browser keeps them; harmless).
            event.preventDefault();
            const query = new URLSearchParams();
            for (const [name, value] of new FormData(event.currentTarget)) {
              if (typeof value === 'string' && value.trim() !== '') query.append(name, value.trim());
            }
            submit(query, { method: 'get', preventScrollReset: true });
          }}
        >
          {sort && (sort.id !== defaultSort?.id || sort.desc !== defaultSort?.desc) ? (
            <input type="hidden" name={sortParam} value={sortValue(sort)} />
          ) : null}
          {filters.map((filter) => (
            <FilterField key={filter.name} filter={filter} value={params.get(filter.name) ?? ''} />
          ))}
          <div className="filter-actions">
            <button type="submit">{t('table.applyFilters')}</button>
            {filtered ? (
              <Link className="button secondary" to={href({}, [...pageParams, ...filterNames])} preventScrollReset>
                {t('table.clearFilters')}
              </Link>
            ) : null}
            {toolbar}
          </div>
        </Form>
      ) : toolbar ? (
        <div className="toolbar">{toolbar}</div>
      ) : null}

      <p id={statusId} className="visually-hidden" role="status" aria-live="polite">
        {busy ? t('table.loading') : ''}
      </p>
      <div className="table-wrap" role="region" aria-labelledby={captionId} tabIndex={0}>
        <table className={busy ? 'data-table-busy' : undefined} aria-busy={busy || undefined}>
          <caption id={captionId} className={showCaption ? undefined : 'visually-hidden'}>
            {caption}
          </caption>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => (
                  <HeaderCell
                    key={header.id}
                    header={header}
                    sortable={sortable.includes(header.column.id)}
                    sort={sort}
                    sortHref={(next) => href({ [sortParam]: sortValue(next) })}
                  />
                ))}
              </tr>
            ))}
          </thead>
          <tbody onClick={followLink}>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={columnCount} className="data-table-empty">
                  {filtered
                    ? (emptyFilteredMessage ?? t('table.emptyFiltered'))
                    : (emptyMessage ?? t('table.empty'))}
                </td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr key={row.id}>
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id} className={cell.column.columnDef.meta?.className}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {pagination ? <Pager pagination={pagination} href={href} /> : null}
    </div>
  );
}

function HeaderCell<T>({
  header,
  sortable,
  sort,
  sortHref,
}: {
  header: Header<T, unknown>;
  sortable: boolean;
  sort: SortState | null;
  sortHref: (next: SortState) => string;
}) {
  const t = useT();
  const className = header.column.columnDef.meta?.className;
  const content = header.isPlaceholder ? null : flexRender(header.column.columnDef.header, header.getContext());
  if (!sortable || !sort || header.isPlaceholder) {
    return (
      <th scope="col" colSpan={header.colSpan} className={className}>
        {content}
      </th>
    );
  }
  const active = sort.id === header.column.id;
  // First activation uses the column's preferred direction (sortDescFirst), then toggles.
  const next: SortState = active
    ? { id: sort.id, desc: !sort.desc }
    : { id: header.column.id, desc: header.column.columnDef.sortDescFirst ?? false };
  return (
    <th
      scope="col"
      colSpan={header.colSpan}
      className={className}
      aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}
    >
      <Link className="sort-link" to={sortHref(next)} preventScrollReset>
        {content}
        <span className="sort-indicator" aria-hidden="true">
          {active ? (sort.desc ? '▼' : '▲') : '↕'}
        </span>
        <span className="visually-hidden">, {next.desc ? t('table.sortDescending') : t('table.sortAscending')}</span>
      </Link>
    </th>
  );
}

function FilterField({ filter, value }: { filter: DataTableFilter; value: string }) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [filter.hint ? hintId : null, filter.error ? errorId : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: filter.name,
    defaultValue: value,
    'aria-describedby': describedBy,
    'aria-invalid': filter.error ? true : undefined,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{filter.label}</label>
      {filter.type === 'select' ? (
        <select {...common}>
          <option value="">{filter.allLabel ?? ''}</option>
          {(filter.options ?? []).map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ) : (
        <input {...common} type={filter.type ?? 'text'} placeholder={filter.placeholder} />
      )}
      {filter.hint ? (
        <span id={hintId} className="hint">
          {filter.hint}
        </span>
      ) : null}
      {filter.error ? (
        <p id={errorId} className="field-error">
          {filter.error}
        </p>
      ) : null}
    </div>
  );
}

function Pager({
  pagination,
  href,
}: {
  pagination: DataTablePagination;
  href: (patch: Record<string, string | null>, drop?: readonly string[]) => string;
}) {
  const t = useT();
  let prev: string | null;
  let next: string | null;
  let label: string | null = null;
  let prevLabel = t('table.previous');
  let nextLabel = t('table.next');
  if (pagination.kind === 'cursor') {
    prev = pagination.prev ? href(pagination.prev) : null;
    next = pagination.next ? href(pagination.next) : null;
    prevLabel = pagination.prevLabel ?? prevLabel;
    nextLabel = pagination.nextLabel ?? nextLabel;
  } else {
    const param = pagination.param ?? 'page';
    const { page } = pagination;
    prev = page > 1 ? href({ [param]: page === 2 ? null : String(page - 1) }, []) : null;
    next = pagination.hasNext ? href({ [param]: String(page + 1) }, []) : null;
    label =
      pagination.pageCount !== undefined
        ? t('table.pageOf', { page, count: pagination.pageCount })
        : t('table.page', { page });
  }
  if (!prev && !next && !label) return null;
  return (
    <nav className="pager" aria-label={t('table.pagination')}>
      {prev ? (
        <Link className="button secondary" to={prev} rel="prev">
          <span aria-hidden="true">← </span>
          {prevLabel}
        </Link>
      ) : (
        <span className="button secondary" aria-disabled="true">
          <span aria-hidden="true">← </span>
          {prevLabel}
        </span>
      )}
      {label ? <span className="pager-label">{label}</span> : null}
      {next ? (
        <Link className="button secondary" to={next} rel="next">
          {nextLabel}
          <span aria-hidden="true"> →</span>
        </Link>
      ) : (
        <span className="button secondary" aria-disabled="true">
          {nextLabel}
          <span aria-hidden="true"> →</span>
        </span>
      )}
    </nav>
  );
}
