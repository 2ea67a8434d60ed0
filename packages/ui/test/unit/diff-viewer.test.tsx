import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiffViewer, diffLineKind } from '../../src/components/run/DiffViewer';
import type { DiffView } from '../../src/lib/types';
import { json, mockApi } from './mockApi';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const PATCH = [
  'diff --git a/src/app.ts b/src/app.ts',
  'index 1111111..2222222 100644',
  '--- a/src/app.ts',
  '+++ b/src/app.ts',
  '@@ -1,3 +1,3 @@',
  ' const a = 1;',
  '-const b = 2;',
  '+const b = 3;',
  '+const c = 4;',
  '',
].join('\n');

function diff(over: Partial<DiffView> = {}): DiffView {
  return {
    task_id: 7,
    attempt: 2,
    repo_root: '/srv/repo',
    from_sha: A,
    to_sha: B,
    files: [{ path: 'src/app.ts', insertions: 2, deletions: 1 }],
    patch: PATCH,
    truncated: false,
    patch_bytes: PATCH.length,
    ...over,
  };
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('diffLineKind', () => {
  it('tells file headers, metadata, hunks, added, removed and context lines apart', () => {
    expect(
      [
        'diff --git a/x b/x',
        '--- a/x',
        '+++ b/x',
        'new file mode 100644',
        '@@ -0,0 +1 @@',
        '+x',
        '-y',
        ' z',
        '',
      ].map(diffLineKind),
    ).toEqual(['file', 'meta', 'meta', 'meta', 'hunk', 'add', 'del', 'context', 'context']);
  });
});

describe('DiffViewer', () => {
  it('lists the files with their counts and colours added and removed lines', async () => {
    const calls = mockApi((url) => (url === '/tasks/7/diff' ? json(diff()) : undefined));
    render(<DiffViewer taskId={7} />);
    const patch = await screen.findByLabelText('Patch');
    const lines = [...patch.querySelectorAll('.diff-line')];
    expect(lines.map((l) => [l.getAttribute('data-kind'), l.textContent])).toEqual([
      ['file', 'diff --git a/src/app.ts b/src/app.ts\n'],
      ['meta', 'index 1111111..2222222 100644\n'],
      ['meta', '--- a/src/app.ts\n'],
      ['meta', '+++ b/src/app.ts\n'],
      ['hunk', '@@ -1,3 +1,3 @@\n'],
      ['context', ' const a = 1;\n'],
      ['del', '-const b = 2;\n'],
      ['add', '+const b = 3;\n'],
      ['add', '+const c = 4;\n'],
    ]);
    expect(patch.querySelectorAll('.diff-line.diff-add')).toHaveLength(2);
    expect(patch.querySelectorAll('.diff-line.diff-del')).toHaveLength(1);
    const files = screen.getByRole('table', { name: 'Files in the diff' });
    expect(within(files).getAllByRole('row')[1]!.textContent).toBe('src/app.ts+2−1');
    expect(screen.getByText(/attempt 2 · 1 file/)).toBeTruthy();
    expect(screen.queryByTestId('diff-truncated')).toBeNull();
    expect(calls.map((c) => c.url)).toEqual(['/tasks/7/diff']);
  });

  it('says when the patch is truncated and how to get all of it', async () => {
    mockApi(() => json(diff({ truncated: true, patch_bytes: 524_288 })));
    render(<DiffViewer taskId={7} />);
    const note = await screen.findByTestId('diff-truncated');
    expect(note.textContent).toContain('truncated');
    expect(note.textContent).toContain(`git -C /srv/repo diff ${A}..${B}`);
  });

  it.each(['DIFF_UNAVAILABLE', 'REPO_UNAVAILABLE'])('shows %s as a calm note, not an error', async (code) => {
    mockApi(() => json({ code, detail: 'task 7 recorded no commit' }, 409));
    render(<DiffViewer taskId={7} />);
    const note = await screen.findByTestId('diff-note');
    expect(note.textContent).toBe(`No diff to show (${code}): task 7 recorded no commit`);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByLabelText('Patch')).toBeNull();
  });

  it('shows any other failure as an error with its code', async () => {
    mockApi(() => json({ code: 'TASK_NOT_FOUND', detail: 'task 7 not found' }, 404));
    render(<DiffViewer taskId={7} />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('TASK_NOT_FOUND task 7 not found');
    expect(screen.queryByTestId('diff-note')).toBeNull();
  });
});
