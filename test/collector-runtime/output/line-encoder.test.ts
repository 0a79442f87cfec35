import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeLine, encodeMessage, octetCount } from '../../../collector-runtime/src/output/line-encoder.ts';

const T = Date.UTC(2024, 4, 1, 10, 0, 0, 0);
const base = { tag: 'my.app.test', pullingId: 1714557600000, hostname: 'collector-0', time: T };

const cases: { name: string; fields: Parameters<typeof encodeLine>[0]; want: string }[] = [
  {
    name: 'adds @devo_pulling_id to the compact JSON',
    fields: { ...base, record: { a: 1, b: 'x' } },
    want: '<14>2024-05-01T10:00:00.000Z collector-0 my.app.test: {"a":1,"b":"x","@devo_pulling_id":1714557600000}\n',
  },
  {
    name: 'adds @devo_environment when set',
    fields: { ...base, record: { a: 1 }, environment: 'prod "eu"' },
    want: '<14>2024-05-01T10:00:00.000Z collector-0 my.app.test: {"a":1,"@devo_pulling_id":1714557600000,"@devo_environment":"prod \\"eu\\""}\n',
  },
  {
    name: 'empty record',
    fields: { ...base, record: {} },
    want: '<14>2024-05-01T10:00:00.000Z collector-0 my.app.test: {"@devo_pulling_id":1714557600000}\n',
  },
  {
    name: 'escapes newlines, tabs, quotes and backslashes; keeps Unicode raw',
    fields: { ...base, record: { s: 'é漢字😀 "q" \\ \n\t\r' } },
    want: '<14>2024-05-01T10:00:00.000Z collector-0 my.app.test: {"s":"é漢字😀 \\"q\\" \\\\ \\n\\t\\r","@devo_pulling_id":1714557600000}\n',
  },
  {
    name: 'replaces lone surrogates with U+FFFD, keeps pairs and escaped backslashes',
    fields: { ...base, record: { s: 'a\ud800b\udfffc😀', t: '\\ud800' } },
    want: '<14>2024-05-01T10:00:00.000Z collector-0 my.app.test: {"s":"a\ufffdb\ufffdc😀","t":"\\\\ud800","@devo_pulling_id":1714557600000}\n',
  },
  {
    name: 'our Devo fields replace the record’s own',
    fields: {
      ...base,
      record: { '@devo_pulling_id': 'old', '@devo_environment': 'old', x: 1 },
      environment: 'qa',
    },
    want: '<14>2024-05-01T10:00:00.000Z collector-0 my.app.test: {"x":1,"@devo_pulling_id":1714557600000,"@devo_environment":"qa"}\n',
  },
  {
    name: 'hostname whitespace becomes dashes; milliseconds and Date times',
    fields: { ...base, record: { a: 1 }, hostname: 'my host\tname', time: new Date(T + 1999) },
    want: '<14>2024-05-01T10:00:01.999Z my-host-name my.app.test: {"a":1,"@devo_pulling_id":1714557600000}\n',
  },
];

for (const c of cases)
  test(`encodeLine: ${c.name}`, () => {
    assert.equal(encodeLine(c.fields), c.want);
  });

test('encodeLine: the record is not mutated', () => {
  const record = { a: 1 };
  encodeLine({ ...base, record, environment: 'x' });
  assert.deepEqual(record, { a: 1 });
});

test('encodeLine: the time cache follows every millisecond and second', () => {
  for (const t of [T - 1, T, T + 1, T + 999, T + 1000, T + 61_001, 0, -1])
    assert.equal(encodeLine({ ...base, record: {}, time: t }).slice(4, 28), new Date(t).toISOString());
});

test('encodeLine: a non-object record is rejected', () => {
  assert.throws(() => encodeMessage([] as unknown as Record<string, unknown>, 1), TypeError);
});

test('octetCount: prefixes the UTF-8 byte length including the LF', () => {
  assert.equal(octetCount('<14>x h t: é\n'), '14 <14>x h t: é\n');
  assert.equal(octetCount('<14>x h t: a\nb'), '15 <14>x h t: a\nb\n');
});
