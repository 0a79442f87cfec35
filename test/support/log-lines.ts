// Parses the JSON log lines the runtime and the operator write, failing on a key that appears twice in one
// object: JSON.parse keeps the last silently, and some log pipelines reject or mangle such lines.

/** The keys that appear more than once in one object of `json` (a valid JSON text), in order. */
export function duplicateKeys(json: string): string[] {
  const dups: string[] = [];
  const stack: (Set<string> | null)[] = []; // one entry per open object (its keys) or array (null)
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const keys = stack.at(-1);
      if (keys && expectKey) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (keys.has(key)) dups.push(key);
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') expectKey = stack.at(-1) != null;
  }
  return dups;
}

/** One log line as an object; throws naming the key when a key repeats. */
export function parseLogLine(line: string): Record<string, unknown> {
  const record = JSON.parse(line) as Record<string, unknown>;
  const dups = duplicateKeys(line);
  if (dups.length > 0) throw new Error(`log line repeats the key(s) ${dups.join(', ')}: ${line}`);
  return record;
}

/** Every non-empty line of a log capture, parsed with parseLogLine. */
export function parseLogLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map(parseLogLine);
}
