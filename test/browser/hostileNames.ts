// The lab snapshot with its containers and user networks renamed to text that would break a
// careless Mermaid writer or a careless page: quotes and brackets, HTML that would run script,
// Mermaid keywords and directives, entity codes, backticks (Mermaid's markdown strings), emoji
// and CJK. A snapshot is untrusted input (a file can be opened from anywhere), so the panel must
// draw it with every name shown literally and nothing run.
import type { HostSnapshot } from '../../src/snapshot/hostSnapshot';
import { labSnapshot } from '../fixtures';

export const HOSTILE_CONTAINER_NAMES: Record<string, string> = {
  api: 'api"]; click api call alert(1) %%',
  web1: '<script>alert(1)</script>',
  web2: '<img src=x onerror=alert(2)>',
  web3: 'end',
  client: 'subgraph',
  lone: 'click',
  vault: 'style',
  dual: 'classDef',
  ov1: '%%{init: {"securityLevel": "loose"}}%%',
  ov2: '#quot; &quot; &lt;b&gt; #60;i#62;',
  legacy: '`**bold**` back`tick',
  hostnet: '🐳 容器-网络 コンテナ',
};

export const HOSTILE_NETWORK_NAMES: Record<string, string> = {
  'lab-net': 'net"]<b>x</b>',
  'lab-internal': 'subgraph end',
  'lab-other': '<svg onload=alert(3)>',
  'lab-overlay': '🌐 网络 %% ]]',
};

/** Replaces every string value equal to an old name (names, network references, aliases). */
function rename<T>(value: T, names: Record<string, string>): T {
  if (typeof value === 'string') return (Object.prototype.hasOwnProperty.call(names, value) ? names[value] : value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => rename(v, names)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rename(v, names);
    return out as T;
  }
  return value;
}

export function hostileLabSnapshot(): HostSnapshot {
  return rename(labSnapshot(), { ...HOSTILE_CONTAINER_NAMES, ...HOSTILE_NETWORK_NAMES });
}
