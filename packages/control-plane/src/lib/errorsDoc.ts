import { ERROR_CODES } from '@multyagents/contracts';

/** docs/errors.md is generated from the catalogue; a unit test fails when it is out of date. */
export function renderErrorsDoc(): string {
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from packages/contracts/src/errors.ts by `node packages/control-plane/dist/lib/errorsDoc.js > docs/errors.md`. Do not edit by hand. -->',
    '',
    'Every error body is `{"detail": ..., "code": "<CODE>", ...}`; validation errors also carry `field`',
    "(the first bad field) and keep the first version's `detail` list shape `[{loc, msg, type}]`.",
    'Clients match on `code`; codes are never renamed or removed. `GET /errors` serves this table as JSON.',
    '',
    '| code | HTTP | meaning |',
    '|---|---|---|',
  ];
  for (const [code, { status, message }] of Object.entries(ERROR_CODES))
    lines.push(`| \`${code}\` | ${status} | ${message} |`);
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').slice(-3).join('/'))) {
  process.stdout.write(renderErrorsDoc());
}
