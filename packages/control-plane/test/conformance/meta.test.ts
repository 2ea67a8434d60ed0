import { describe, expect, it } from 'vitest';
import { v1Stack } from './v1Stack.js';

/** shared/reference/first-version.md §1 "Meta". */
const v1 = v1Stack();

describe('v1 meta', () => {
  it('GET /health → {status: "ok"}', async () => {
    const r = await v1.call('GET', '/health');
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ok');
  });

  it('GET /contracts/current → contract_version v1', async () => {
    const r = await v1.call('GET', '/contracts/current');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ contract_version: 'v1' });
    expect(typeof r.body.schema_file).toBe('string');
  });
});
