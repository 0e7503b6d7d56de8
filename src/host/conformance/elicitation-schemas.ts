/** The requested schemas the runner's SEP-1034 and SEP-1330 scenarios check field by field. */
export const SEP1034_DEFAULTS_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'User name', default: 'John Doe' },
    age: { type: 'integer', description: 'User age', default: 30 },
    score: { type: 'number', description: 'User score', default: 95.5 },
    status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
    verified: { type: 'boolean', description: 'Verification status', default: true },
  },
  required: [],
};

const choices = (titles: string[], prefix: string): Array<{ const: string; title: string }> =>
  titles.map((title, i) => ({ const: `${prefix}${i + 1}`, title }));

export const SEP1330_ENUMS_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
    titledSingle: { type: 'string', description: 'Select one option with titles', oneOf: choices(['First Option', 'Second Option', 'Third Option'], 'value') },
    legacyEnum: { type: 'string', description: 'Select one option (legacy)', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
    untitledMulti: { type: 'array', description: 'Select multiple options', minItems: 1, maxItems: 3, items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
    titledMulti: {
      type: 'array', description: 'Select multiple options with titles', minItems: 1, maxItems: 3,
      items: { anyOf: choices(['First Choice', 'Second Choice', 'Third Choice'], 'value') },
    },
  },
  required: [],
};
