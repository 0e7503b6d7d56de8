import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Workspace } from './workspace.js';

export const SAMPLE_PATH = 'docs/handbook.md';

/**
 * Writes docs/handbook.md unless it exists (a user's edits are kept), so a fresh workspace has something
 * for convert_document, lookup and the quarterly-report recipe to work on.
 */
export function writeSampleHandbook(workspace: Workspace): void {
  const target = path.join(workspace.ensureDirSync('docs'), 'handbook.md');
  try {
    // 'wx' never follows or overwrites an existing entry.
    writeFileSync(target, HANDBOOK, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw err;
  }
}

const HANDBOOK = `# Reporting handbook

This handbook describes how the **reports team** prepares, checks and publishes the *quarterly report*.
It is the sample document of the taskguard demo workspace: convert it, look things up in it, publish it.

## Calendar

- Week 1: export the raw data (orders, customers, events)
- Week 2: check the numbers against the finance ledger
- Week 3: write the commentary and convert the draft to HTML
- Week 4: ask the editor to approve publication

Deadlines move when a quarter ends on a weekend; the \`calendar.yaml\` file in the shared drive wins.

## Data exports

Exports are deterministic: the same dataset and row count always produce the same file, byte for byte.
Check an export by its **sha256**, which the export tool reports with every file.

\`\`\`sh
sha256sum exports/orders-call-*.csv      # each export has its own file, named in its result
\`\`\`

Large exports run as tasks. Poll them with *tasks/get* and read the result once, with fresh MFA:
the result of an export is single-read, so copy the file before you close the session.

### Columns

- \`orders\`: order id, customer id, product, quantity, unit price in cents, time placed, status
- \`customers\`: customer id, name, email, country, tier, signup date
- \`events\`: event id, time, user id, type, path, duration in milliseconds

## Writing the commentary

Keep paragraphs short. Lead with the number, then explain it. A good quarterly report answers three
questions: what changed, why it changed, and what we will do about it.

Use **bold** for the figure a reader must not miss and *emphasis* for terms defined in the glossary.
Inline code such as \`revenue_net\` names a column exactly as it appears in an export.

### Style checklist

- One idea per paragraph
- Numbers with units: 12.4 %, 3,200 orders, 41 ms
- No screenshots of spreadsheets; link to the export instead
- Every chart has a sentence saying what it shows

## Review and approval

The editor approves publication through the approval tool. The task waits for the editor's answer
(input required), and only an approved draft is copied to the published folder.
A declined draft stays where it is, with the editor's note in the task result.

\`\`\`text
draft  ->  converted  ->  approved  ->  published
\`\`\`

## Links

- Style guide: [writing guide](https://example.com/style)
- Glossary: [terms](https://example.com/glossary)
- Finance ledger: [ledger](https://ledger.example.com/q)

## Security notes

Documents are converted with a deliberately small Markdown subset. Raw HTML such as <b>this</b> is shown
as text, never interpreted, and only http and https links become links.
`;
