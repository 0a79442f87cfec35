import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ruleViolations,
  unevaluableRules,
  type SchemaNode,
} from '../../../operator/src/k8s/validation-rules.ts';

/** A schema node holding one rule over an object of integer, string and list fields. */
const withRule = (rule: string, extra: Record<string, unknown> = {}): SchemaNode => ({
  type: 'object',
  properties: {
    replicas: { type: 'integer' },
    ratio: { type: 'number' },
    name: { type: 'string' },
    items: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } } } },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
  },
  'x-kubernetes-validations': [{ rule, message: 'broken', ...extra }],
});
const holds = (rule: string, self: unknown, old?: unknown) =>
  ruleViolations(self, withRule(rule), old).length === 0;

describe('CRD validation rules through @bufbuild/cel', () => {
  it('types schema integers as CEL int and schema numbers as double', () => {
    assert.equal(holds('self.replicas + 1 == 3 && self.replicas / 2 == 1', { replicas: 2 }), true);
    assert.equal(holds('self.ratio == 2.0', { ratio: 2 }), true);
    assert.equal(holds('self.replicas <= 1', { replicas: 2 }), false);
  });

  it('evaluates has(), size(), matches, string extensions, maps and list macros', () => {
    assert.equal(holds('!has(self.name) || self.name.size() <= 3', {}), true);
    assert.equal(
      holds("self.name.matches('^[a-z]+$') && self.name.lowerAscii() == 'ab'", { name: 'ab' }),
      true,
    );
    assert.equal(holds('self.items.all(i, i.port > 0)', { items: [{ port: 1 }, { port: 0 }] }), false);
    assert.equal(holds("!['a', 'b'].exists(k, k in self.labels)", { labels: { c: 'x' } }), true);
    assert.equal(holds("!['a', 'b'].exists(k, k in self.labels)", { labels: { b: 'x' } }), false);
  });

  it('runs transition rules only with an old value, matched by field', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: {
        source: {
          type: 'string',
          'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable' }],
        },
      },
    };
    assert.deepEqual(ruleViolations({ source: 'a' }, schema), []);
    assert.deepEqual(ruleViolations({ source: 'a' }, schema, { source: 'a' }), []);
    assert.deepEqual(
      ruleViolations({ source: 'b' }, schema, { source: 'a' }).map((v) => [v.path, v.message]),
      [['source', 'immutable']],
    );
  });

  it('reports the message, messageExpression, reason, fieldPath, and errors as the API server does', () => {
    const [v] = ruleViolations(
      { name: 'abcd' },
      withRule('self.name.size() <= 3', {
        messageExpression: "'name ' + self.name + ' is too long'",
        reason: 'FieldValueForbidden',
        fieldPath: '.name',
      }),
      undefined,
      'spec',
    );
    assert.deepEqual(v && [v.path, v.message, v.reason], [
      'spec.name',
      'name abcd is too long',
      'FieldValueForbidden',
    ]);
    const [err] = ruleViolations({}, withRule('self.name == "x"'));
    assert.match(err!.message, /no such key|not found/i);
  });

  it('lists, and skips, rules that use Kubernetes libraries the CEL library lacks', () => {
    const schema = withRule("quantity(self.name).isGreaterThan(quantity('1Gi'))");
    assert.equal(unevaluableRules(schema).length, 1);
    assert.match(unevaluableRules(schema)[0]!.why, /quantity/);
    assert.deepEqual(ruleViolations({ name: '1' }, schema), []);
    assert.equal(unevaluableRules(withRule('self.a.?b')).length, 1);
    assert.deepEqual(unevaluableRules(withRule('self.replicas > 0')), []);
  });
});
