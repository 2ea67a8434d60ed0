import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiffViewer, diffLineKind } from '../../src/components/run/DiffViewer';
import {
  OPEN_FILES_OF_LARGE,
  openByDefault,
  SMALL_PATCH_LINES,
  splitPatch,
} from '../../src/components/run/patch';
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

/** A file's block in git's format with `n` added lines. */
const fileBlock = (p: string, n: number) => [
  `diff --git a/${p} b/${p}`,
  '--- a/' + p,
  '+++ b/' + p,
  `@@ -0,0 +1,${n} @@`,
  ...Array.from({ length: n }, (_, i) => `+line ${i}`),
];

describe('splitPatch', () => {
  it('cuts the patch at each file header, names each file and counts its added and removed lines', () => {
    const patch = [
      ...PATCH.replace(/\n$/, '').split('\n'),
      'diff --git a/gone.txt b/gone.txt',
      'deleted file mode 100644',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@ -1,2 +0,0 @@',
      '-x',
      '--- not metadata inside a hunk',
      'diff --git a/old.ts b/new.ts',
      'similarity index 100%',
      'rename from old.ts',
      'rename to new.ts',
      'diff --git a/bin.png b/bin.png',
      'Binary files a/bin.png and b/bin.png differ',
      '',
    ].join('\n');
    const files = splitPatch(patch);
    expect(files.map((f) => [f.path, f.added, f.removed, f.lines.length])).toEqual([
      ['src/app.ts', 2, 1, 9],
      ['gone.txt', 0, 2, 7],
      ['new.ts', 0, 0, 4],
      ['bin.png', 0, 0, 2],
    ]);
    // Inside a hunk a removed line is a removed line, even when it reads like a "--- " header.
    expect(files[1]!.kinds).toEqual(['file', 'meta', 'meta', 'meta', 'hunk', 'del', 'del']);
    expect(splitPatch('')).toEqual([]);
  });

  it('opens every file of a small patch and only the first few of a large one', () => {
    const small = splitPatch([...fileBlock('a', 10), ...fileBlock('b', 10)].join('\n'));
    expect(openByDefault(small)).toEqual([true, true]);
    const big = splitPatch(
      Array.from({ length: 5 }, (_, i) => fileBlock(`f${i}`, SMALL_PATCH_LINES / 5))
        .flat()
        .join('\n'),
    );
    expect(big.reduce((n, f) => n + f.lines.length, 0)).toBeGreaterThanOrEqual(SMALL_PATCH_LINES);
    expect(openByDefault(big)).toEqual([0, 1, 2, 3, 4].map((i) => i < OPEN_FILES_OF_LARGE));
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
    // One open, foldable block for the one file, its counts in the summary.
    const block = patch.querySelector('details')!;
    expect(block.open).toBe(true);
    expect(block.querySelector('summary')!.textContent).toBe('src/app.ts +2 −1');
  });

  it('asks for the picked attempt', async () => {
    const calls = mockApi((url) =>
      url === '/tasks/7/diff?attempt=1' ? json(diff({ attempt: 1 })) : undefined,
    );
    render(<DiffViewer taskId={7} attempt={1} />);
    await screen.findByText(/attempt 1 · 1 file/);
    expect(calls.map((c) => c.url)).toEqual(['/tasks/7/diff?attempt=1']);
  });

  it('folds a large patch: the first files open, the rest closed with their counts, and a summary toggles', async () => {
    const paths = ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts'];
    const patch = paths.flatMap((p) => fileBlock(p, 100)).join('\n') + '\n';
    mockApi(() =>
      json(diff({ files: paths.map((path) => ({ path, insertions: 100, deletions: 0 })), patch })),
    );
    render(<DiffViewer taskId={7} />);
    const group = await screen.findByLabelText('Patch');
    const blocks = [...group.querySelectorAll('details')];
    expect(blocks.map((b) => [b.getAttribute('data-path'), b.open])).toEqual([
      ['a.ts', true],
      ['b.ts', true],
      ['c.ts', true],
      ['d.ts', false],
      ['e.ts', false],
    ]);
    expect(blocks[4]!.querySelector('summary')!.textContent).toBe('e.ts +100 −0');
    // Every line is still drawn with its colour class (a closed block only hides them).
    expect(group.querySelectorAll('.diff-line.diff-add')).toHaveLength(500);
    fireEvent.click(blocks[4]!.querySelector('summary')!);
    expect(blocks[4]!.open).toBe(true);
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
