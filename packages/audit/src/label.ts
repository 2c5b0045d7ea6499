/**
 * How a record is named in the log, as data: a template such as `'#{number} {subject}'` or `'{firstName} {lastName}'`,
 * written in the audit config and carried by the generated registry. Being data rather than a function, it reaches
 * the registry whole, so the API names records from the registry alone, and the tooling can check every field it
 * names against the schema before anything runs.
 */

/** A label as the registry carries it: the template and the fields it reads, in order of appearance. */
export interface LabelTemplate {
  template: string;
  fields: readonly string[];
}

export class LabelTemplateError extends Error {
  override name = 'LabelTemplateError';
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * The config's `label`, normalized to a template: a field name (`'name'`) reads that field, a list
 * (`['firstName', 'lastName']`) joins its fields with spaces, and a string with braces is a template as is.
 */
export function labelTemplateOf(label: string | readonly string[]): string {
  if (typeof label !== 'string') return label.map((field) => `{${field}}`).join(' ');
  return label.includes('{') || label.includes('}') ? label : `{${label}}`;
}

/** The fields `template` reads. Throws a LabelTemplateError for a stray brace, a bad field name or no field at all. */
export function parseLabelTemplate(template: string): LabelTemplate {
  const fields: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const field = match[1] ?? '';
    if (!FIELD.test(field))
      throw new LabelTemplateError(`the label template "${template}" has a bad field "{${field}}"`);
    fields.push(field);
  }
  if (/[{}]/.test(template.replace(PLACEHOLDER, ''))) {
    throw new LabelTemplateError(`the label template "${template}" has a brace without its pair`);
  }
  // A template without fields would give every record the same name.
  if (fields.length === 0) throw new LabelTemplateError(`the label template "${template}" names no field`);
  return { template, fields: [...new Set(fields)] };
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * The label of a record whose values are `values`: each `{field}` replaced by its value, runs of spaces collapsed and
 * the ends trimmed, so that an empty field leaves no gap. Empty when every field is empty (the caller shows the id).
 */
export function renderLabel(template: string, values: Readonly<Record<string, unknown>>): string {
  let anyValue = false;
  const rendered = template.replace(PLACEHOLDER, (_, field: string) => {
    const value = text(values[field]);
    if (value.trim() !== '') anyValue = true;
    return value;
  });
  return anyValue ? rendered.replace(/\s+/g, ' ').trim() : '';
}
