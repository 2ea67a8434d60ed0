import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useCatalogueEdit, type CatalogueEditOptions } from '../../src/components/catalogueEdit';
import type { FieldErrors } from '../../src/lib/roleForm';

/**
 * useCatalogueEdit on its own (the forms that use it are driven in role-form, catalogue-forms and
 * edit-conflict): which version a save names, what a typed draft survives, what a create empties.
 */
interface Pack {
  id: number;
  name: string;
}

const json = (body: unknown, status = 200, etag?: string) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...(etag ? { etag } : {}) },
  });

/** `fetch` answered by `answer`; every call is kept with its If-Match. */
function stubFetch(answer: (method: string, url: string, body: unknown) => Response | Promise<Response>) {
  const calls: Array<{ method: string; url: string; ifMatch: string | null; body: unknown }> = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, url, ifMatch: new Headers(init?.headers).get('if-match'), body });
      return answer(method, url, body);
    }),
  );
  return calls;
}

/** The options a form passes, with its callbacks recorded; `check` answers what `form.check` holds. */
function formOf(item: Pack | undefined) {
  const form = {
    check: { body: { name: 'qa' } as object | null, errors: {} as FieldErrors },
    show: vi.fn<(p: Pack) => void>(),
    reset: vi.fn<() => void>(),
    onSaved: vi.fn<(p: Pack) => void>(),
  };
  const options: CatalogueEditOptions<Pack> = {
    noun: 'skill pack',
    collection: '/skill-packs',
    item,
    show: form.show,
    check: () => form.check,
    reset: form.reset,
    onSaved: form.onSaved,
  };
  return { form, options };
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('useCatalogueEdit', () => {
  it('an edit is not ready until its version is read; what was typed meanwhile is not replaced by it', async () => {
    for (const typed of [false, true]) {
      let answerGet!: (r: Response) => void;
      const calls = stubFetch((method) =>
        method === 'GET' ? new Promise<Response>((r) => (answerGet = r)) : json({ id: 3, name: 'qa' }),
      );
      const { form, options } = formOf({ id: 3, name: 'qa' });
      const { result, unmount } = renderHook(() => useCatalogueEdit(options));
      expect(result.current.ready).toBe(false);
      if (typed) act(() => result.current.touch());
      await act(async () => answerGet(json({ id: 3, name: 'qa stored' }, 200, '"r4"')));
      await waitFor(() => expect(result.current.ready).toBe(true));
      expect(form.show.mock.calls, `typed: ${typed}`).toEqual(typed ? [] : [[{ id: 3, name: 'qa stored' }]]);
      await act(() => result.current.submit());
      expect(calls.map((c) => [c.method, c.url, c.ifMatch])).toEqual([
        ['GET', '/skill-packs/3', null],
        ['PUT', '/skill-packs/3', '"r4"'],
      ]);
      expect(result.current.done).toBe('skill pack qa saved');
      expect(form.reset).not.toHaveBeenCalled();
      unmount();
    }
  });

  it('a create POSTs to the collection, empties the form and hands the item on; field errors send nothing', async () => {
    const calls = stubFetch(() => json({ id: 9, name: 'qa' }));
    const { form, options } = formOf(undefined);
    const { result } = renderHook(() => useCatalogueEdit(options));
    expect(result.current.ready).toBe(true);

    form.check = { body: null, errors: { name: 'a name is required' } };
    await act(() => result.current.submit());
    expect(calls).toEqual([]);
    expect(result.current.errors).toEqual({ name: 'a name is required' });

    form.check = { body: { name: 'qa' }, errors: {} };
    await act(() => result.current.submit());
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([['POST', '/skill-packs', { name: 'qa' }]]);
    expect(result.current.errors).toEqual({});
    expect(result.current.done).toBe('skill pack qa created');
    expect(form.reset).toHaveBeenCalledTimes(1);
    expect(form.onSaved.mock.calls).toEqual([[{ id: 9, name: 'qa' }]]);
  });

  it('keeps the API code of a refusal; after a conflict, Reload theirs shows the stored item and clears the errors', async () => {
    let stored = { item: { id: 3, name: 'qa' }, etag: '"r1"' };
    const calls = stubFetch((method, _url, body) => {
      if (method === 'GET') return json(stored.item, 200, stored.etag);
      if ((body as Pack).name === 'taken')
        return json({ detail: 'a skill pack is named taken', code: 'SKILL_PACK_NAME_TAKEN' }, 409);
      return json({ detail: 'changed', code: 'EDIT_CONFLICT', current_etag: stored.etag }, 412, stored.etag);
    });
    const { form, options } = formOf({ id: 3, name: 'qa' });
    const { result } = renderHook(() => useCatalogueEdit(options));
    await waitFor(() => expect(result.current.ready).toBe(true));

    form.check = { body: { name: 'taken' }, errors: {} };
    await act(() => result.current.submit());
    expect(result.current.error?.code).toBe('SKILL_PACK_NAME_TAKEN');
    expect(result.current.conflict).toBe(false);

    stored = { item: { id: 3, name: 'qa theirs' }, etag: '"r2"' };
    form.check = { body: { name: 'qa mine' }, errors: { note: 'left from a check' } };
    await act(() => result.current.submit());
    expect(result.current.error).toBeNull();
    expect(result.current.conflict).toBe(true);
    expect(result.current.done).toBeNull();

    await act(() => result.current.reloadTheirs());
    expect(result.current.conflict).toBe(false);
    expect(result.current.errors).toEqual({});
    expect(result.current.done).toBe('skill pack qa theirs reloaded');
    expect(form.show.mock.calls.at(-1)).toEqual([{ id: 3, name: 'qa theirs' }]);
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.ifMatch)).toEqual(['"r1"', '"r1"']);
  });
});
