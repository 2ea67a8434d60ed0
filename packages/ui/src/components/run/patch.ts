/** A unified patch (`git diff` output) cut into its files, for the diff viewer. Pure. */

export type DiffLineKind = 'file' | 'meta' | 'hunk' | 'add' | 'del' | 'context';

/** How one line of a unified diff is drawn (the leading character stays: colour is not the only cue). */
export function diffLineKind(line: string): DiffLineKind {
  if (line.startsWith('diff --git ')) return 'file';
  if (
    line.startsWith('+++ ') ||
    line.startsWith('--- ') ||
    /^(index|new file|deleted file|similarity|rename|old mode|new mode|Binary files) /.test(line)
  )
    return 'meta';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'context';
}

export interface PatchFile {
  /** The file's path (the new one for a rename; the old one for a deletion). */
  path: string;
  lines: string[];
  /** Each line's kind; inside a hunk by its first character only, so a removed "-- x" is not metadata. */
  kinds: DiffLineKind[];
  /** `+` / `-` lines in this file's hunks (what the block shows, so a truncated last file counts less). */
  added: number;
  removed: number;
}

/** Below this many patch lines every file is open; above, the first `OPEN_FILES_OF_LARGE` files are. */
export const SMALL_PATCH_LINES = 400;
export const OPEN_FILES_OF_LARGE = 3;

const side = (line: string, prefix: string) => {
  const rest = line.slice(prefix.length);
  return rest === '/dev/null' ? null : rest.replace(/^[ab]\//, '');
};

function pathOf(lines: string[]): string {
  let minus: string | null = null;
  for (const l of lines) {
    if (l.startsWith('+++ ')) {
      const p = side(l, '+++ ');
      if (p) return p;
    } else if (l.startsWith('--- ')) minus = side(l, '--- ') ?? minus;
    else if (l.startsWith('rename to ')) return l.slice('rename to '.length);
    else if (l.startsWith('@@')) break;
  }
  if (minus) return minus;
  // No ---/+++ (a mode change, a binary file): "diff --git a/P b/P".
  const header = (lines[0] ?? '').replace(/^diff --git /, '');
  const half = (header.length - 1) / 2;
  if (Number.isInteger(half) && header.startsWith('a/') && header.slice(half + 1).startsWith('b/')) {
    const a = header.slice(2, half);
    if (a === header.slice(half + 3)) return a;
  }
  return header;
}

function kindsOf(lines: string[]): DiffLineKind[] {
  let inHunk = false;
  return lines.map((l) => {
    if (inHunk && !l.startsWith('@@')) {
      if (l.startsWith('+')) return 'add';
      if (l.startsWith('-')) return 'del';
      if (l.startsWith(' ') || l.startsWith('\\') || l === '') return 'context';
    }
    const k = diffLineKind(l);
    inHunk = k === 'hunk';
    return k;
  });
}

/**
 * The patch's files in order, each from its `diff --git` line to the next. Lines before the first
 * header (none in git's output) form a block of their own named "(preamble)".
 */
export function splitPatch(patch: string): PatchFile[] {
  const lines = patch.replace(/\n$/, '').split('\n');
  if (patch === '') return [];
  const blocks: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('diff --git ') || blocks.length === 0) blocks.push([line]);
    else blocks[blocks.length - 1]!.push(line);
  }
  return blocks.map((b) => {
    const kinds = kindsOf(b);
    return {
      path: b[0]!.startsWith('diff --git ') ? pathOf(b) : '(preamble)',
      lines: b,
      kinds,
      added: kinds.filter((k) => k === 'add').length,
      removed: kinds.filter((k) => k === 'del').length,
    };
  });
}

/** Which files start open: all of a small patch, the first few of a large one. */
export function openByDefault(files: PatchFile[]): boolean[] {
  const total = files.reduce((n, f) => n + f.lines.length, 0);
  return files.map((_, i) => total < SMALL_PATCH_LINES || i < OPEN_FILES_OF_LARGE);
}
