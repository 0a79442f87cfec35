import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CelError, compileCel } from './cel-subset.ts';
import { ApiError } from './api-error.ts';
import { labelSelectorObjectMatcher, parseFieldSelector, parseLabelSelector } from './selectors.ts';

const run = (rule: string, self: unknown, oldSelf?: unknown) =>
  compileCel(rule).evaluate({ self: self as never, oldSelf: oldSelf as never });

describe('CEL subset', () => {
  it('evaluates comparisons, logic, arithmetic and membership', () => {
    assert.equal(run('self.replicas <= 1 || self.store != "pvc"', { replicas: 2, store: 'pvc' }), false);
    assert.equal(run('self.a + self.b * 2 == 7 && !(self.a > 3)', { a: 1, b: 3 }), true);
    assert.equal(run("self.mode in ['pull', 'push']", { mode: 'push' }), true);
    assert.equal(run('7 / 2 == 3 && 7 % 2 == 1', {}), true);
    assert.equal(run('self.x ? "a" : "b"', { x: false }), 'b');
  });

  it('supports has(), size(), string methods and list macros', () => {
    assert.equal(run('has(self.tls) ? size(self.tls.secretName) > 0 : true', {}), true);
    assert.equal(
      run("self.name.startsWith('devo-') && self.name.matches('^[a-z-]+$')", { name: 'devo-x' }),
      true,
    );
    assert.equal(
      run('self.items.all(i, i.port > 0) && self.items.exists(i, i.name == "b")', {
        items: [
          { port: 1, name: 'a' },
          { port: 2, name: 'b' },
        ],
      }),
      true,
    );
    assert.deepEqual(run('self.filter(x, x > 1).map(x, x * 10)', [1, 2, 3]), [20, 30]);
    assert.equal(run('self.size() == 2', ['a', 'b']), true);
  });

  it('binds oldSelf for transition rules and flags them', () => {
    const rule = compileCel('self == oldSelf');
    assert.equal(rule.usesOldSelf, true);
    assert.equal(rule.evaluate({ self: 'a', oldSelf: 'a' }), true);
    assert.equal(rule.evaluate({ self: { x: [1] }, oldSelf: { x: [2] } }), false);
  });

  it('raises CEL errors for missing keys, absorbed by short-circuit logic', () => {
    assert.throws(() => run('self.missing == 1', {}), CelError);
    assert.equal(run('has(self.a) && self.a.b == 1', {}), false);
    assert.equal(run('self.missing == 1 || true', {}), true);
  });

  it('refuses what it does not implement', () => {
    assert.throws(() => compileCel("quantity(self.size).isGreaterThan(quantity('1Gi'))"), CelError);
    assert.throws(() => compileCel('self.optionalField.?foo'), CelError);
    assert.throws(() => compileCel('timestamp(self.t) > timestamp("2020-01-01T00:00:00Z")'), CelError);
  });
});

const obj = (labels: Record<string, string>, name = 'n') => ({ metadata: { name, namespace: 'ns', labels } });

describe('selectors', () => {
  it('matches equality- and set-based label selectors', () => {
    const sel = parseLabelSelector('app=collector,tier!=db,env in (prod, staging),owner,!legacy');
    assert.equal(sel(obj({ app: 'collector', env: 'prod', owner: 'x' })), true);
    assert.equal(sel(obj({ app: 'collector', env: 'dev', owner: 'x' })), false);
    assert.equal(sel(obj({ app: 'collector', env: 'prod', owner: 'x', legacy: '1' })), false);
    assert.equal(parseLabelSelector('env notin (dev)')(obj({})), true);
    assert.throws(() => parseLabelSelector('a b c'), ApiError);
  });

  it('matches LabelSelector objects and field selectors', () => {
    const match = labelSelectorObjectMatcher({
      matchLabels: { app: 'c' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }],
    });
    assert.equal(match(obj({ app: 'c', tier: 'a' })), true);
    assert.equal(match(obj({ app: 'c' })), false);
    assert.equal(parseFieldSelector('metadata.name=n,metadata.namespace!=other', [])(obj({})), true);
    assert.throws(() => parseFieldSelector('spec.foo=bar', []), /field label not supported: spec.foo/);
  });
});
