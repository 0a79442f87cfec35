// A small OData `$filter` parser for the subset Graph collectors send:
//   expr    := and ('or' and)*
//   and     := primary ('and' primary)*
//   primary := '(' expr ')' | path op literal | path '/any(' var ':' expr ')'
//   op      := eq | gt | ge | lt | le
//   literal := 'string' (with '' for a quote) | number | true | false | null | unquoted ISO 8601 date-time
// Everything else (functions, not, ne, has, in, all) is rejected with a clear message.

import { timeKey } from './time-format.ts';

export type CompareOp = 'eq' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterLiteral =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null' }
  | { readonly type: 'datetime'; readonly key: string; readonly text: string };

export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | {
      readonly kind: 'compare';
      readonly path: readonly string[];
      readonly op: CompareOp;
      readonly value: FilterLiteral;
    }
  | {
      readonly kind: 'any';
      readonly path: readonly string[];
      readonly variable: string;
      readonly body: FilterNode;
    };

export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
}

type Token =
  | { readonly type: 'punct'; readonly text: '(' | ')' | ':' | ','; readonly pos: number }
  | { readonly type: 'word'; readonly text: string; readonly pos: number }
  | { readonly type: 'string'; readonly text: string; readonly value: string; readonly pos: number }
  | { readonly type: 'number'; readonly text: string; readonly value: number; readonly pos: number }
  | { readonly type: 'datetime'; readonly text: string; readonly key: string; readonly pos: number };

const WORD = /[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*/y;
const DATETIME = /\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const OPERATORS = new Set(['eq', 'gt', 'ge', 'lt', 'le']);
const UNSUPPORTED_OPERATORS = new Set(['ne', 'not', 'has', 'in', 'add', 'sub', 'mul', 'div', 'mod']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const fail = (why: string): never => {
    throw new FilterSyntaxError(`Syntax error: ${why} at position ${pos} in '${text}'.`);
  };
  const sticky = (re: RegExp): string | null => {
    re.lastIndex = pos;
    const m = re.exec(text);
    return m === null ? null : m[0];
  };
  while (pos < text.length) {
    const ch = text[pos] ?? '';
    if (ch === ' ' || ch === '\t') {
      pos += 1;
    } else if (ch === '(' || ch === ')' || ch === ':' || ch === ',') {
      tokens.push({ type: 'punct', text: ch, pos });
      pos += 1;
    } else if (ch === "'") {
      let value = '';
      let i = pos + 1;
      for (;;) {
        if (i >= text.length) fail('unterminated string literal');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          break;
        }
        value += text[i];
        i += 1;
      }
      tokens.push({ type: 'string', text: text.slice(pos, i + 1), value, pos });
      pos = i + 1;
    } else if (/\d/.test(ch) || (ch === '-' && /\d/.test(text[pos + 1] ?? ''))) {
      const dt = sticky(DATETIME);
      if (dt !== null) {
        const key = timeKey(dt);
        if (key === null)
          fail(`'${dt}' is not a valid DateTimeOffset literal (expected e.g. 2024-05-01T00:00:00Z)`);
        tokens.push({ type: 'datetime', text: dt, key: key ?? '', pos });
        pos += dt.length;
        continue;
      }
      const num = sticky(NUMBER) ?? '';
      if (/^\d{4}-\d{2}-\d{2}/.test(text.slice(pos)))
        fail('date literals need a time and a zone, e.g. 2024-05-01T00:00:00Z');
      tokens.push({ type: 'number', text: num, value: Number(num), pos });
      pos += num.length;
    } else {
      const word = sticky(WORD);
      if (word === null) fail(`character '${ch}' is not valid`);
      tokens.push({ type: 'word', text: word ?? '', pos });
      pos += (word ?? '').length;
    }
  }
  return tokens;
}

class Parser {
  readonly #text: string;
  readonly #tokens: Token[];
  #i = 0;

  constructor(text: string) {
    this.#text = text;
    this.#tokens = tokenize(text);
  }

  #fail(why: string, token: Token | undefined = this.#tokens[this.#i]): never {
    const pos = token?.pos ?? this.#text.length;
    throw new FilterSyntaxError(`Syntax error: ${why} at position ${pos} in '${this.#text}'.`);
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#i];
  }

  #next(): Token | undefined {
    const token = this.#tokens[this.#i];
    this.#i += 1;
    return token;
  }

  #isWord(text: string): boolean {
    const t = this.#peek();
    return t?.type === 'word' && t.text === text;
  }

  #expectPunct(text: '(' | ')' | ':'): void {
    const t = this.#next();
    if (t?.type !== 'punct' || t.text !== text) this.#fail(`expected '${text}'`, t);
  }

  parse(): FilterNode {
    if (this.#tokens.length === 0) this.#fail('the expression is empty');
    const node = this.#or();
    if (this.#peek() !== undefined) this.#fail(`unexpected '${this.#peek()?.text}'`);
    return node;
  }

  #or(): FilterNode {
    let left = this.#and();
    while (this.#isWord('or')) {
      this.#next();
      left = { kind: 'or', left, right: this.#and() };
    }
    return left;
  }

  #and(): FilterNode {
    let left = this.#primary();
    while (this.#isWord('and')) {
      this.#next();
      left = { kind: 'and', left, right: this.#primary() };
    }
    return left;
  }

  #primary(): FilterNode {
    const t = this.#next();
    if (t === undefined) return this.#fail('the expression ends too early', t);
    if (t.type === 'punct' && t.text === '(') {
      const inner = this.#or();
      this.#expectPunct(')');
      return inner;
    }
    if (t.type !== 'word') return this.#fail(`expected a property name but found '${t.text}'`, t);
    if (UNSUPPORTED_OPERATORS.has(t.text)) return this.#fail(`operator '${t.text}' is not supported`, t);
    const path = t.text.split('/');
    const after = this.#peek();
    if (after?.type === 'punct' && after.text === '(') {
      const last = path.at(-1) ?? '';
      if (last === 'any' && path.length > 1) return this.#lambda(path.slice(0, -1));
      if (last === 'all' && path.length > 1) return this.#fail("lambda operator 'all' is not supported", t);
      return this.#fail(`function '${t.text}' is not supported`, t);
    }
    const opToken = this.#next();
    if (opToken?.type === 'word' && UNSUPPORTED_OPERATORS.has(opToken.text)) {
      return this.#fail(`operator '${opToken.text}' is not supported`, opToken);
    }
    if (opToken?.type !== 'word' || !OPERATORS.has(opToken.text)) {
      const found = opToken === undefined ? 'the end of the expression' : `'${opToken.text}'`;
      return this.#fail(
        `expected an operator (eq, gt, ge, lt, le) after '${t.text}' but found ${found}`,
        opToken,
      );
    }
    return { kind: 'compare', path, op: opToken.text as CompareOp, value: this.#literal() };
  }

  #lambda(path: string[]): FilterNode {
    this.#expectPunct('(');
    const variable = this.#next();
    if (variable?.type !== 'word' || variable.text.includes('/'))
      return this.#fail('expected a range variable', variable);
    this.#expectPunct(':');
    const body = this.#or();
    this.#expectPunct(')');
    return { kind: 'any', path, variable: variable.text, body };
  }

  #literal(): FilterLiteral {
    const t = this.#next();
    if (t === undefined) return this.#fail('expected a value', t);
    switch (t.type) {
      case 'string':
        return { type: 'string', value: t.value };
      case 'number':
        return { type: 'number', value: t.value };
      case 'datetime':
        return { type: 'datetime', key: t.key, text: t.text };
      case 'word':
        if (t.text === 'true' || t.text === 'false') return { type: 'boolean', value: t.text === 'true' };
        if (t.text === 'null') return { type: 'null' };
        return this.#fail(`expected a value but found '${t.text}' (quote strings with single quotes)`, t);
      case 'punct':
        return this.#fail(`expected a value but found '${t.text}'`, t);
    }
  }
}

export function parseFilter(text: string): FilterNode {
  return new Parser(text).parse();
}
