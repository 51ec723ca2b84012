// Messages from the extension host arrive as `message` events on the window. Only the shapes of
// ToWebview are acted on; anything else (another sender, a newer host) is ignored. The checks
// cover what the panel reads, so a malformed message cannot throw halfway through an update.
import type { ToWebview } from '../src/protocol.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isString = (v: unknown): v is string => typeof v === 'string';

function isDiagram(v: unknown): boolean {
  return (
    isObject(v) &&
    isString(v.title) &&
    isString(v.mermaid) &&
    isObject(v.nodes) &&
    Array.isArray(v.moved) &&
    v.moved.every(isString) &&
    Array.isArray(v.notes) &&
    v.notes.every(isString)
  );
}

export function readHostMessage(data: unknown): ToWebview | undefined {
  if (!isObject(data)) return undefined;
  switch (data.type) {
    case 'diagram': {
      const limits = data.limits;
      const ok =
        isObject(data.request) &&
        isDiagram(data.diagram) &&
        isString(data.takenAt) &&
        Array.isArray(data.choices) &&
        data.choices.every((c) => isObject(c) && isString(c.label) && isObject(c.request)) &&
        isObject(limits) &&
        typeof limits.maxTextSize === 'number' &&
        typeof limits.maxEdges === 'number';
      return ok ? (data as unknown as ToWebview) : undefined;
    }
    case 'busy':
      return isString(data.message) ? { type: 'busy', message: data.message } : undefined;
    case 'error':
      if (!isString(data.message)) return undefined;
      return isString(data.fix) ? { type: 'error', message: data.message, fix: data.fix } : { type: 'error', message: data.message };
    default:
      return undefined;
  }
}
