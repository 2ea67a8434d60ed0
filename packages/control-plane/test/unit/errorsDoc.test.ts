import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '@multyagents/contracts';
import { describe, expect, it } from 'vitest';
import { renderErrorsDoc } from '../../src/lib/errorsDoc.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/errors.md');

describe('error catalogue', () => {
  it('docs/errors.md is regenerated from the catalogue (regenerating changes nothing)', () => {
    expect(fs.readFileSync(DOC, 'utf8')).toBe(renderErrorsDoc());
  });
  it('every code maps to an HTTP status the contract allows', () => {
    for (const [code, e] of Object.entries(ERROR_CODES))
      // 412 only answers a request that sent If-Match (EDIT_CONFLICT), which no first-version client does.
      expect([400, 401, 404, 409, 412, 413, 415, 422, 429, 500, 503], code).toContain(e.status);
  });
});
