import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from './api-error.ts';
import { labelSelectorObjectMatcher, parseFieldSelector, parseLabelSelector } from './selectors.ts';

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
