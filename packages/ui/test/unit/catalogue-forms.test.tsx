import type { Project, SkillPack } from '@multyagents/contracts';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Projects } from '../../src/pages/Projects';
import { SkillPacks } from '../../src/pages/SkillPacks';

const sent: Array<{ method: string; url: string; body: unknown }> = [];
/** The If-Match of each PUT. */
const ifMatch: Array<string | null> = [];
let projects: Project[];
let packs: SkillPack[];

const json = (body: unknown, status = 200, etag?: string) =>
  new Response(JSON.stringify(body), { status, headers: etag ? { etag } : {} });

beforeEach(() => {
  sent.length = 0;
  ifMatch.length = 0;
  projects = [
    {
      id: 4,
      name: 'app',
      root_path: '/srv/app',
      allowed_paths: ['/srv/app/src'],
      default_branch: 'main',
      worktree_setup: { copy_files: ['.env'], command: null, hooks: false, lfs_smudge: true },
    },
  ];
  packs = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body: unknown = init?.body ? JSON.parse(String(init.body)) : null;
      if (method !== 'GET') sent.push({ method, url, body });
      if (url === '/projects' && method === 'GET') return json(projects);
      if (url === '/projects' && method === 'POST')
        return json(
          {
            detail: "root_path: '/etc/x' is outside every allowed base (/srv)",
            code: 'PROJECT_ROOT_OUTSIDE_BASE',
            field: 'root_path',
          },
          422,
        );
      if (url === '/projects/4' && method === 'GET') return json(projects[0], 200, '"r1"');
      if (url === '/projects/4' && method === 'PUT') {
        ifMatch.push(new Headers(init!.headers).get('if-match'));
        projects = [{ id: 4, ...(body as Omit<Project, 'id'>) }];
        return json(projects[0], 200, '"r2"');
      }
      if (url === '/skills')
        return json([
          { id: 'skills/task-governance', instructions: 'Work to the acceptance criteria.' },
          { id: 'skills/testing-observability', instructions: 'Write tests that can fail.' },
        ]);
      if (url === '/skill-packs' && method === 'GET') return json(packs);
      if (url === '/skill-packs' && method === 'POST') {
        const b = body as { name: string; skills: string[] };
        packs = [{ id: 1, used_by_role_ids: [], ...b }];
        return json(packs[0]);
      }
      return json({ detail: url, code: 'ROUTE_NOT_FOUND' }, 404);
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Projects page', () => {
  it('refuses a relative root and a bad branch in the form, and shows PROJECT_ROOT_OUTSIDE_BASE from the API', async () => {
    render(<Projects />);
    await screen.findByRole('table', { name: 'Projects' });
    const f = within(screen.getByRole('form', { name: 'New project' }));
    fireEvent.change(f.getByLabelText('Project name'), { target: { value: 'web' } });
    fireEvent.change(f.getByLabelText('Root path'), { target: { value: 'srv/web' } });
    fireEvent.change(f.getByLabelText('Default branch'), { target: { value: 'feature..x' } });
    fireEvent.click(f.getByRole('button', { name: 'Create project' }));
    expect(f.getByText('an absolute path (starts with /)')).toBeTruthy();
    expect(f.getByText('not a valid branch name')).toBeTruthy();
    expect(sent).toEqual([]);

    fireEvent.change(f.getByLabelText('Root path'), { target: { value: '/etc/x' } });
    fireEvent.change(f.getByLabelText('Default branch'), { target: { value: '' } });
    fireEvent.click(f.getByRole('button', { name: 'Create project' }));
    const alert = await f.findByRole('alert');
    expect(alert.textContent).toBe(
      "PROJECT_ROOT_OUTSIDE_BASE root_path: '/etc/x' is outside every allowed base (/srv)",
    );
    expect(sent[0]!.body).toEqual({
      name: 'web',
      root_path: '/etc/x',
      allowed_paths: [],
      default_branch: null,
      worktree_setup: { copy_files: [], command: null, hooks: false, lfs_smudge: false },
    });
  });

  it('edits a project: the PUT carries every field, the worktree setup included, and the list reloads', async () => {
    render(<Projects />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit project app' }));
    const f = within(screen.getByRole('form', { name: 'Edit project app' }));
    await waitFor(() =>
      expect(f.getByRole('button', { name: 'Save project' }).hasAttribute('disabled')).toBe(false),
    );
    fireEvent.change(f.getByLabelText('Allowed paths'), {
      target: { value: '/srv/app/src\n/srv/app/docs\n' },
    });
    fireEvent.change(f.getByLabelText('Setup command'), { target: { value: 'npm\nci' } });
    fireEvent.click(f.getByRole('button', { name: 'Save project' }));
    await f.findByText('project app saved');
    expect(sent).toEqual([
      {
        method: 'PUT',
        url: '/projects/4',
        body: {
          name: 'app',
          root_path: '/srv/app',
          allowed_paths: ['/srv/app/src', '/srv/app/docs'],
          default_branch: 'main',
          worktree_setup: { copy_files: ['.env'], command: ['npm', 'ci'], hooks: false, lfs_smudge: true },
        },
      },
    ]);
    expect(ifMatch).toEqual(['"r1"']);
    // No event tells of a project update: the page reloads the list itself.
    await waitFor(() =>
      expect(screen.getByRole('table', { name: 'Projects' }).textContent).toContain('runs npm ci'),
    );
  });
});

describe('Skill packs page', () => {
  it('picks skills from the catalogue, refuses an empty pack, and posts the picked skills', async () => {
    render(<SkillPacks />);
    await screen.findByText(/No skill packs yet/);
    const f = within(await screen.findByRole('form', { name: 'New skill pack' }));
    fireEvent.change(f.getByLabelText('Pack name'), { target: { value: 'qa' } });
    fireEvent.click(f.getByRole('button', { name: 'Create skill pack' }));
    expect(f.getByText('pick at least one skill')).toBeTruthy();
    expect(sent).toEqual([]);
    const skill = f.getByLabelText('skills/testing-observability');
    expect(skill.closest('label')!.getAttribute('title')).toBe('Write tests that can fail.');
    fireEvent.click(skill);
    fireEvent.click(f.getByRole('button', { name: 'Create skill pack' }));
    await f.findByText('skill pack qa created');
    expect(sent).toEqual([
      { method: 'POST', url: '/skill-packs', body: { name: 'qa', skills: ['skills/testing-observability'] } },
    ]);
  });
});
