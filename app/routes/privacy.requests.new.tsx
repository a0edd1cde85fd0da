import { type ActionFunctionArgs, json, type LoaderFunctionArgs, redirect, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { SelectField } from '~/components/privacy/fields';
import { PrivacyNav } from '~/components/privacy/privacy-nav';
import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { createRequest, identifierKinds, intakeChannels } from '~/utils/privacy.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'privacy:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'privacy.requests.new' }, { key: 'privacy.title' });

const slots = [1, 2, 3] as const;

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'privacy:write');
  return json({ kinds: [...identifierKinds], channels: [...intakeChannels], today: new Date().toISOString().slice(0, 10) });
}

// Built on call (no zod schema at module level in route modules).
function formSchema() {
  return z.record(z.string(), z.string());
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'privacy:write');
  return formAction(async () => {
    const form = await parseForm(request, formSchema());
    const identifiers = slots
      .map((n) => ({ kind: form[`kind${n}`] ?? '', value: form[`value${n}`] ?? '', tenant: form[`tenant${n}`] || undefined }))
      .filter((i) => i.value.trim() !== '');
    const created = await createRequest(
      {
        identifiers: identifiers as { kind: 'email'; value: string }[],
        requesterName: form.requesterName ?? '',
        requesterContact: form.requesterContact ?? '',
        channel: (form.channel ?? '') as 'email',
        receivedOn: form.receivedOn ?? '',
      },
      actor,
    );
    return redirect(`/privacy/requests/${created.id}`);
  });
}

export default function NewErasureRequest() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ ok: false; formError: string; fieldErrors: Record<string, string[]> }>();
  const navigation = useNavigation();
  const errors = result?.fieldErrors ?? {};
  return (
    <>
      <h1>{t('privacy.requests.new')}</h1>
      <PrivacyNav />
      <p className="muted">{t('privacy.intake.hint')}</p>
      {result ? <FormError message={result.formError} /> : null}
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        {slots.map((n) => (
          <fieldset key={n} className="card">
            <legend>{t('privacy.intake.identifier', { n })}</legend>
            <SelectField name={`kind${n}`} label={t('privacy.field.identifierKind')} options={data.kinds.map((k) => ({ value: k, label: t(`privacy.kind.${k}` as MessageKey) }))} />
            <Field name={`value${n}`} label={t('privacy.field.identifierValue')} required={n === 1} autoComplete="off" errors={errors[`identifiers.${n - 1}.value`] ?? (n === 1 ? errors.identifiers : undefined)} />
            <Field name={`tenant${n}`} label={t('privacy.field.tenant')} autoComplete="off" errors={errors[`identifiers.${n - 1}.tenant`]} />
          </fieldset>
        ))}
        <Field name="requesterName" label={t('privacy.field.requesterName')} required autoComplete="off" errors={errors.requesterName} />
        <Field name="requesterContact" label={t('privacy.field.requesterContact')} required autoComplete="off" errors={errors.requesterContact} />
        <SelectField name="channel" label={t('privacy.field.channel')} errors={errors.channel} options={data.channels.map((c) => ({ value: c, label: t(`privacy.channel.${c}` as MessageKey) }))} />
        <Field name="receivedOn" type="date" label={t('privacy.field.receivedOn')} required defaultValue={data.today} errors={errors.receivedOn} />
        <button type="submit" disabled={navigation.state === 'submitting'}>
          {t('privacy.intake.submit')}
        </button>
      </Form>
    </>
  );
}
