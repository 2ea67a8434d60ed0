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
    'Codes raised by the CLI (`multyagents`) on this machine are marked "CLI": they never appear in an HTTP',
    'answer; the CLI prints them as `multyagents <command>: <CODE>: <message>` (exit codes: [cli.md](cli.md)).',
    '',
    '| code | HTTP | raised by | meaning |',
    '|---|---|---|---|',
  ];
  for (const [code, entry] of Object.entries(ERROR_CODES)) {
    const by = 'surface' in entry ? 'CLI' : 'API, runner';
    lines.push(`| \`${code}\` | ${entry.status} | ${by} | ${entry.message} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').slice(-3).join('/'))) {
  process.stdout.write(renderErrorsDoc());
}
