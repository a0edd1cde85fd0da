import { type LoaderFunctionArgs, json } from '@remix-run/node';
import { GeneralErrorBoundary } from '~/components/error-boundary';

export const handle = { permission: 'public' };

/** Any path no route claims: a 404 inside the console's layout, not a bare error page. */
export function loader({ request }: LoaderFunctionArgs) {
  throw json(
    { error: null, requestId: request.headers.get('x-request-id') },
    { status: 404 },
  );
}

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
