import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InputError } from '../../../server/core/errors';
import { deleteDesired, getDesired, listDesired, renderConfigMap, setDesired } from '../../../server/kube';
import { desiredRefs } from '../../../server/kube/desired';
import { type TestDatabase, createTestDatabase } from '../../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const owner = { context: 'guard', id: 'policy-1' };
const cm = (data: Record<string, string>, name = 'cfg') => renderConfigMap({ namespace: 'ns-a', name, data });

describe('setDesired', () => {
  it('stores the manifest with the managed-by label and generation 1', async () => {
    const result = await database.db.transaction((tx) => setDesired(tx, { owner, manifest: cm({ a: '1' }) }));
    expect(result).toMatchObject({ generation: 1, changed: true });
    const row = await getDesired(database.db, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns-a', name: 'cfg' });
    expect(row?.manifest.metadata).toMatchObject({ labels: { 'app.kubernetes.io/managed-by': 'leitstand' } });
    expect(row?.driftPolicy).toBe('heal');
    expect(row?.appliedGeneration).toBeNull();
  });

  it('does not bump the generation for an unchanged manifest (idempotent)', async () => {
    const again = await database.db.transaction((tx) => setDesired(tx, { owner, manifest: cm({ a: '1' }) }));
    expect(again).toMatchObject({ generation: 1, changed: false });
  });

  it('bumps the generation when the manifest or the drift policy changes', async () => {
    const changed = await database.db.transaction((tx) => setDesired(tx, { owner, manifest: cm({ a: '2' }) }));
    expect(changed).toMatchObject({ generation: 2, changed: true });
    const policy = await database.db.transaction((tx) => setDesired(tx, { owner, manifest: cm({ a: '2' }), driftPolicy: 'report' }));
    expect(policy).toMatchObject({ generation: 3, changed: true });
  });

  it("refuses another owner's object with a ConflictError", async () => {
    await expect(
      database.db.transaction((tx) => setDesired(tx, { owner: { context: 'models', id: 'x' }, manifest: cm({ a: '1' }) })),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('rejects unknown kinds and bad names with field errors', async () => {
    const bad = { apiVersion: 'v1', kind: 'Pony', metadata: { name: 'Bad_Name' } };
    const error = await database.db.transaction((tx) => setDesired(tx, { owner, manifest: bad })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(Object.keys((error as InputError).fieldErrors).sort()).toEqual(['kind', 'metadata.name']);
    const noNs = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } };
    await expect(database.db.transaction((tx) => setDesired(tx, { owner, manifest: noNs }))).rejects.toMatchObject({
      fieldErrors: { 'metadata.namespace': [expect.any(String)] },
    });
  });

  it('rolls back with the caller transaction', async () => {
    await database.db
      .transaction(async (tx) => {
        await setDesired(tx, { owner, manifest: cm({ b: '1' }, 'rolled-back') });
        throw new Error('caller failed');
      })
      .catch(() => undefined);
    expect(await getDesired(database.db, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns-a', name: 'rolled-back' })).toBeUndefined();
  });
});

describe('deleteDesired', () => {
  it('marks the object for deletion (the row stays until the controller removed it) and lists it as pending', async () => {
    await database.db.transaction((tx) => setDesired(tx, { owner, manifest: cm({ c: '1' }, 'second') }));
    const marked = await database.db.transaction((tx) =>
      deleteDesired(tx, { owner, ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns-a', name: 'second' } }),
    );
    expect(marked).toBe(1);
    const row = await getDesired(database.db, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns-a', name: 'second' });
    expect(row?.deletionRequestedAt).toBeInstanceOf(Date);
    const pending = await desiredRefs(database.db, true);
    expect(pending.map((r) => r.name)).toContain('second');
  });

  it('marks every object of an owner, and setDesired revives a marked object', async () => {
    const marked = await database.db.transaction((tx) => deleteDesired(tx, { owner }));
    expect(marked).toBe(1); // "second" was already marked
    await database.db.transaction((tx) => setDesired(tx, { owner, manifest: cm({ a: '2' }), driftPolicy: 'report' }));
    const row = await getDesired(database.db, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns-a', name: 'cfg' });
    expect(row?.deletionRequestedAt).toBeNull();
    expect((await listDesired(database.db, { owner })).length).toBe(2);
  });
});
