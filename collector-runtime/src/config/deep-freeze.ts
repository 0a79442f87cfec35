// The validated config is read by every part of the runtime; freezing it makes "nobody changes it
// after validation" a fact rather than a convention (fastify freezes its options the same way).
export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value) || ArrayBuffer.isView(value))
    return value;
  seen.add(value);
  for (const v of Object.values(value)) deepFreeze(v, seen);
  return Object.freeze(value);
}
