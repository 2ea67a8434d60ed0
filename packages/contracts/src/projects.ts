import { z } from 'zod';
import { AbsolutePath, Id, NonEmptyName } from './common.js';

export const ProjectCreate = z.object({
  name: NonEmptyName,
  root_path: AbsolutePath,
  allowed_paths: z.array(AbsolutePath).max(200).default([]),
});
export type ProjectCreate = z.infer<typeof ProjectCreate>;
export const ProjectUpdate = ProjectCreate;

export const Project = z.object({
  id: Id,
  name: z.string(),
  root_path: z.string(),
  allowed_paths: z.array(z.string()),
});
export type Project = z.infer<typeof Project>;
