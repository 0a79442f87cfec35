// A small, honest subset of CEL for CRD x-kubernetes-validations. Rules that use anything outside this subset
// fail to compile here and are reported as not enforced rather than guessed at.
//
// Supported: literals (int, double, string, bool, null, lists, maps), `self`, `oldSelf`, field access,
// indexing, `has()`, `size()`, `int()`, `string()`, `double()`, ! - * / % + - < <= > >= == != in && || ?:,
// string methods startsWith/endsWith/contains/matches/lowerAscii/upperAscii/size, list macros
// all/exists/exists_one/map/filter. Not supported: optionals, timestamps/durations, quantities, type(),
// format/url/ip libraries, uint arithmetic distinctions, CEL's int64 overflow errors.

import { isJsonObject, jsonEqual, type JsonValue } from './json-value.ts';

export class CelError extends Error {}

type Node =
  | { k: 'lit'; v: JsonValue }
  | { k: 'ident'; name: string }
  | { k: 'list'; items: Node[] }
  | { k: 'map'; entries: [Node, Node][] }
  | { k: 'select'; target: Node; field: string }
  | { k: 'index'; target: Node; index: Node }
  | { k: 'call'; name: string; target: Node | undefined; args: Node[] }
  | { k: 'unary'; op: '!' | '-'; arg: Node }
  | { k: 'binary'; op: string; left: Node; right: Node }
  | { k: 'cond'; test: Node; then: Node; else: Node };

type Token =
  { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'id'; v: string } | { t: 'op'; v: string };

const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '?',
  ':',
  '.',
  ',',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
];

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const num = /^(\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|0x[0-9a-fA-F]+|\d+)u?/.exec(src.slice(i));
    if (num) {
      tokens.push({ t: 'num', v: Number(num[1]) });
      i += num[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let value = '';
      while (j < src.length && src[j] !== ch) {
        if (src[j] === '\\') {
          const next = src[j + 1];
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          j += 2;
        } else {
          value += src[j++];
        }
      }
      if (j >= src.length) throw new CelError('unterminated string literal');
      tokens.push({ t: 'str', v: value });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      tokens.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new CelError(`unexpected character '${ch}'`);
    tokens.push({ t: 'op', v: op });
    i += op.length;
  }
  return tokens;
}

const GLOBAL_FUNCTIONS = new Set(['has', 'size', 'int', 'string', 'double']);
const METHODS = new Set([
  'size',
  'startsWith',
  'endsWith',
  'contains',
  'matches',
  'lowerAscii',
  'upperAscii',
]);
const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

class Parser {
  #pos = 0;
  readonly #tokens: Token[];
  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): Node {
    const node = this.#conditional();
    if (this.#pos < this.#tokens.length) throw new CelError('unexpected trailing input');
    return node;
  }

  #peekOp(...ops: string[]): string | undefined {
    const tok = this.#tokens[this.#pos];
    return tok?.t === 'op' && ops.includes(tok.v) ? tok.v : undefined;
  }

  #peekId(name: string): boolean {
    const tok = this.#tokens[this.#pos];
    return tok?.t === 'id' && tok.v === name;
  }

  #expect(op: string): void {
    if (!this.#peekOp(op)) throw new CelError(`expected '${op}'`);
    this.#pos++;
  }

  #conditional(): Node {
    const test = this.#binary(0);
    if (!this.#peekOp('?')) return test;
    this.#pos++;
    const then = this.#conditional();
    this.#expect(':');
    return { k: 'cond', test, then, else: this.#conditional() };
  }

  static readonly LEVELS: string[][] = [
    ['||'],
    ['&&'],
    ['==', '!=', '<', '<=', '>', '>=', 'in'],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  #binary(level: number): Node {
    if (level >= Parser.LEVELS.length) return this.#unary();
    let left = this.#binary(level + 1);
    for (;;) {
      const ops = Parser.LEVELS[level];
      const op = this.#peekOp(...ops) ?? (ops.includes('in') && this.#peekId('in') ? 'in' : undefined);
      if (!op) return left;
      this.#pos++;
      left = { k: 'binary', op, left, right: this.#binary(level + 1) };
    }
  }

  #unary(): Node {
    const op = this.#peekOp('!', '-');
    if (op === '!' || op === '-') {
      this.#pos++;
      return { k: 'unary', op, arg: this.#unary() };
    }
    return this.#member();
  }

  #args(): Node[] {
    this.#expect('(');
    const args: Node[] = [];
    while (!this.#peekOp(')')) {
      args.push(this.#conditional());
      if (!this.#peekOp(')')) this.#expect(',');
    }
    this.#pos++;
    return args;
  }

  #member(): Node {
    let node = this.#primary();
    for (;;) {
      if (this.#peekOp('.')) {
        this.#pos++;
        const tok = this.#tokens[this.#pos++];
        if (tok?.t !== 'id') throw new CelError('expected field name');
        if (this.#peekOp('(')) {
          if (!METHODS.has(tok.v) && !MACROS.has(tok.v))
            throw new CelError(`unsupported function '${tok.v}'`);
          node = { k: 'call', name: tok.v, target: node, args: this.#args() };
        } else {
          node = { k: 'select', target: node, field: tok.v };
        }
      } else if (this.#peekOp('[')) {
        this.#pos++;
        const index = this.#conditional();
        this.#expect(']');
        node = { k: 'index', target: node, index };
      } else {
        return node;
      }
    }
  }

  #primary(): Node {
    const tok = this.#tokens[this.#pos++];
    if (!tok) throw new CelError('unexpected end of expression');
    if (tok.t === 'num' || tok.t === 'str') return { k: 'lit', v: tok.v };
    if (tok.t === 'id') {
      if (tok.v === 'true' || tok.v === 'false') return { k: 'lit', v: tok.v === 'true' };
      if (tok.v === 'null') return { k: 'lit', v: null };
      if (this.#peekOp('(')) {
        if (!GLOBAL_FUNCTIONS.has(tok.v)) throw new CelError(`unsupported function '${tok.v}'`);
        return { k: 'call', name: tok.v, target: undefined, args: this.#args() };
      }
      return { k: 'ident', name: tok.v };
    }
    if (tok.v === '(') {
      const inner = this.#conditional();
      this.#expect(')');
      return inner;
    }
    if (tok.v === '[') {
      const items: Node[] = [];
      while (!this.#peekOp(']')) {
        items.push(this.#conditional());
        if (!this.#peekOp(']')) this.#expect(',');
      }
      this.#pos++;
      return { k: 'list', items };
    }
    if (tok.v === '{') {
      const entries: [Node, Node][] = [];
      while (!this.#peekOp('}')) {
        const key = this.#conditional();
        this.#expect(':');
        entries.push([key, this.#conditional()]);
        if (!this.#peekOp('}')) this.#expect(',');
      }
      this.#pos++;
      return { k: 'map', entries };
    }
    throw new CelError(`unexpected token '${tok.v}'`);
  }
}

export interface CompiledRule {
  source: string;
  usesOldSelf: boolean;
  evaluate(vars: Record<string, JsonValue | undefined>): JsonValue;
}

function mentionsIdent(node: Node, name: string): boolean {
  switch (node.k) {
    case 'ident':
      return node.name === name;
    case 'lit':
      return false;
    case 'list':
      return node.items.some((n) => mentionsIdent(n, name));
    case 'map':
      return node.entries.some(([a, b]) => mentionsIdent(a, name) || mentionsIdent(b, name));
    case 'select':
      return mentionsIdent(node.target, name);
    case 'index':
      return mentionsIdent(node.target, name) || mentionsIdent(node.index, name);
    case 'call':
      return (
        (node.target ? mentionsIdent(node.target, name) : false) ||
        node.args.some((n) => mentionsIdent(n, name))
      );
    case 'unary':
      return mentionsIdent(node.arg, name);
    case 'binary':
      return mentionsIdent(node.left, name) || mentionsIdent(node.right, name);
    case 'cond':
      return (
        mentionsIdent(node.test, name) || mentionsIdent(node.then, name) || mentionsIdent(node.else, name)
      );
  }
}

/** Throws CelError when the rule is outside the supported subset. */
export function compileCel(source: string): CompiledRule {
  const ast = new Parser(tokenize(source)).parse();
  return {
    source,
    usesOldSelf: mentionsIdent(ast, 'oldSelf'),
    evaluate: (vars) => evaluate(ast, vars),
  };
}

type Vars = Record<string, JsonValue | undefined>;

function evaluate(node: Node, vars: Vars): JsonValue {
  switch (node.k) {
    case 'lit':
      return node.v;
    case 'ident': {
      const value = vars[node.name];
      if (value === undefined) throw new CelError(`undeclared reference to '${node.name}'`);
      return value;
    }
    case 'list':
      return node.items.map((n) => evaluate(n, vars));
    case 'map': {
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of node.entries) out[String(evaluate(k, vars))] = evaluate(v, vars);
      return out;
    }
    case 'select': {
      const target = evaluate(node.target, vars);
      if (!isJsonObject(target)) throw new CelError(`no such key: ${node.field}`);
      if (!Object.hasOwn(target, node.field)) throw new CelError(`no such key: ${node.field}`);
      return target[node.field];
    }
    case 'index': {
      const target = evaluate(node.target, vars);
      const index = evaluate(node.index, vars);
      if (Array.isArray(target) && typeof index === 'number') {
        if (index < 0 || index >= target.length) throw new CelError(`index out of range: ${index}`);
        return target[index];
      }
      if (isJsonObject(target) && typeof index === 'string') {
        if (!Object.hasOwn(target, index)) throw new CelError(`no such key: ${index}`);
        return target[index];
      }
      throw new CelError('no such overload for index');
    }
    case 'unary': {
      const arg = evaluate(node.arg, vars);
      if (node.op === '!') {
        if (typeof arg !== 'boolean') throw new CelError("no such overload for '!'");
        return !arg;
      }
      if (typeof arg !== 'number') throw new CelError("no such overload for '-'");
      return -arg;
    }
    case 'cond': {
      const test = evaluate(node.test, vars);
      if (typeof test !== 'boolean') throw new CelError('conditional requires a bool');
      return test ? evaluate(node.then, vars) : evaluate(node.else, vars);
    }
    case 'binary':
      return evaluateBinary(node.op, node.left, node.right, vars);
    case 'call':
      return evaluateCall(node, vars);
  }
}

function evaluateBinary(op: string, leftNode: Node, rightNode: Node, vars: Vars): JsonValue {
  if (op === '&&' || op === '||') {
    // CEL's commutative logic: an error on one side is absorbed when the other side decides the result.
    let left: JsonValue | CelError;
    try {
      left = evaluate(leftNode, vars);
    } catch (err) {
      if (!(err instanceof CelError)) throw err;
      left = err;
    }
    if (op === '&&' && left === false) return false;
    if (op === '||' && left === true) return true;
    const right = evaluate(rightNode, vars);
    if (typeof right !== 'boolean') throw new CelError(`no such overload for '${op}'`);
    if (op === '&&' && right === false) return false;
    if (op === '||' && right === true) return true;
    if (left instanceof CelError) throw left;
    return right;
  }
  const left = evaluate(leftNode, vars);
  const right = evaluate(rightNode, vars);
  switch (op) {
    case '==':
      return jsonEqual(left, right);
    case '!=':
      return !jsonEqual(left, right);
    case 'in':
      if (Array.isArray(right)) return right.some((item) => jsonEqual(item, left));
      if (isJsonObject(right) && typeof left === 'string') return Object.hasOwn(right, left);
      throw new CelError("no such overload for 'in'");
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (!(
        (typeof left === 'number' && typeof right === 'number') ||
        (typeof left === 'string' && typeof right === 'string')
      )) {
        throw new CelError(`no such overload for '${op}'`);
      }
      if (op === '<') return left < right;
      if (op === '<=') return left <= right;
      if (op === '>') return left > right;
      return left >= right;
    }
    case '+':
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      if (typeof left === 'string' && typeof right === 'string') return left + right;
      if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
      throw new CelError("no such overload for '+'");
    case '-':
    case '*':
    case '/':
    case '%': {
      if (typeof left !== 'number' || typeof right !== 'number')
        throw new CelError(`no such overload for '${op}'`);
      if (op === '-') return left - right;
      if (op === '*') return left * right;
      const integral = Number.isInteger(left) && Number.isInteger(right);
      if (integral && right === 0) throw new CelError(op === '/' ? 'division by zero' : 'modulus by zero');
      if (op === '/') return integral ? Math.trunc(left / right) : left / right;
      return left % right;
    }
  }
  throw new CelError(`unsupported operator ${op}`);
}

function sizeOf(value: JsonValue): number {
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  if (isJsonObject(value)) return Object.keys(value).length;
  throw new CelError("no such overload for 'size'");
}

function evaluateCall(node: Extract<Node, { k: 'call' }>, vars: Vars): JsonValue {
  if (!node.target) {
    const [argNode] = node.args;
    if (!argNode || node.args.length !== 1) throw new CelError(`${node.name} takes one argument`);
    if (node.name === 'has') {
      if (argNode.k !== 'select') throw new CelError('invalid argument to has() macro');
      const target = evaluate(argNode.target, vars);
      return isJsonObject(target) && Object.hasOwn(target, argNode.field);
    }
    const arg = evaluate(argNode, vars);
    if (node.name === 'size') return sizeOf(arg);
    if (node.name === 'string') return typeof arg === 'string' ? arg : JSON.stringify(arg);
    if (node.name === 'int') {
      const n = Number(arg);
      if (Number.isNaN(n)) throw new CelError('cannot convert to int');
      return Math.trunc(n);
    }
    if (node.name === 'double') return Number(arg);
    throw new CelError(`unsupported function ${node.name}`);
  }
  if (MACROS.has(node.name)) return evaluateMacro(node, vars);
  const target = evaluate(node.target, vars);
  const args = node.args.map((a) => evaluate(a, vars));
  if (node.name === 'size') return sizeOf(target);
  if (typeof target !== 'string') throw new CelError(`no such overload for '${node.name}'`);
  const arg = args[0];
  switch (node.name) {
    case 'startsWith':
      return typeof arg === 'string' && target.startsWith(arg);
    case 'endsWith':
      return typeof arg === 'string' && target.endsWith(arg);
    case 'contains':
      return typeof arg === 'string' && target.includes(arg);
    case 'matches':
      return typeof arg === 'string' && new RegExp(arg).test(target);
    case 'lowerAscii':
      return target.replace(/[A-Z]/g, (c) => c.toLowerCase());
    case 'upperAscii':
      return target.replace(/[a-z]/g, (c) => c.toUpperCase());
  }
  throw new CelError(`unsupported function ${node.name}`);
}

function evaluateMacro(node: Extract<Node, { k: 'call' }>, vars: Vars): JsonValue {
  const [varNode, body] = node.args;
  if (!node.target || varNode?.k !== 'ident' || !body || node.args.length !== 2) {
    throw new CelError(`invalid arguments to ${node.name}()`);
  }
  const target = evaluate(node.target, vars);
  const items = Array.isArray(target) ? target : isJsonObject(target) ? Object.keys(target) : undefined;
  if (!items) throw new CelError(`no such overload for '${node.name}'`);
  const run = (item: JsonValue): JsonValue => evaluate(body, { ...vars, [varNode.name]: item });
  const truthy = (item: JsonValue): boolean => {
    const result = run(item);
    if (typeof result !== 'boolean') throw new CelError(`${node.name}() predicate must be a bool`);
    return result;
  };
  switch (node.name) {
    case 'all':
      return items.every(truthy);
    case 'exists':
      return items.some(truthy);
    case 'exists_one':
      return items.filter(truthy).length === 1;
    case 'map':
      return items.map(run);
    case 'filter':
      return items.filter(truthy);
  }
  throw new CelError(`unsupported macro ${node.name}`);
}
