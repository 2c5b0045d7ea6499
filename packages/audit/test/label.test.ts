/** Label templates: the config's three spellings normalize to one template, and rendering leaves no gaps. */
import { describe, expect, it } from 'vitest';
import { LabelTemplateError, labelTemplateOf, parseLabelTemplate, renderLabel } from '../src/label.ts';

describe('labelTemplateOf', () => {
  it.each([
    ['name', '{name}'],
    [['firstName', 'lastName'], '{firstName} {lastName}'],
    ['#{number} {subject}', '#{number} {subject}'],
  ] as const)('turns %j into %j', (label, template) => {
    expect(labelTemplateOf(label)).toBe(template);
  });
});

describe('parseLabelTemplate', () => {
  it('lists the fields in order of appearance, once each', () => {
    expect(parseLabelTemplate('{lastName}, {firstName} ({lastName})')).toEqual({
      template: '{lastName}, {firstName} ({lastName})',
      fields: ['lastName', 'firstName'],
    });
  });

  it.each([
    ['{first name}', 'has a bad field "{first name}"'],
    ['{}', 'has a bad field "{}"'],
    ['{1st}', 'has a bad field "{1st}"'],
    ['#{number', 'has a brace without its pair'],
    ['number}', 'has a brace without its pair'],
    ['{{name}}', 'has a brace without its pair'],
    ['Ticket', 'names no field'],
    ['', 'names no field'],
  ])('refuses %j: it %s', (template, problem) => {
    expect(() => parseLabelTemplate(template)).toThrow(LabelTemplateError);
    expect(() => parseLabelTemplate(template)).toThrow(`the label template "${template}" ${problem}`);
  });
});

describe('renderLabel', () => {
  it.each([
    ['#{number} {subject}', { number: 42, subject: 'Printer on fire' }, '#42 Printer on fire'],
    ['{firstName} {lastName}', { firstName: 'Ada', lastName: null }, 'Ada'],
    ['{firstName} {lastName}', { firstName: null, lastName: 'Lovelace' }, 'Lovelace'],
    ['{name}', { name: '  Acme   Corp ' }, 'Acme Corp'],
    ['{number}', { number: 10n ** 20n }, '100000000000000000000'],
    ['{due}', { due: new Date('2026-11-30T00:00:00.000Z') }, '2026-11-30T00:00:00.000Z'],
    ['#{number} {subject}', { number: null, subject: '' }, ''],
    ['{name}', {}, ''],
  ])('renders %j with %o as %j', (template, values, label) => {
    expect(renderLabel(template, values)).toBe(label);
  });
});
