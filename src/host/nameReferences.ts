// The container names a container refers to, read from its inspect: --link targets, and host
// names in its environment (a URL's host, HOST:PORT, or the value of a variable named like
// DB_HOST). Also its --add-host entries. The environment is the container's own and hostile:
// only host names that pass a strict pattern are kept (never a value as such: environments hold
// passwords), each bounded in length and count.
import type { ExtraHost, NameReference } from '../snapshot/hostSnapshot';
import { displayText } from './displayText';

/** A DNS name or a single label, as Docker accepts for container names and aliases. */
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,252})$/;
const IP_LITERAL = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/i;
/** Variables whose whole value is a host name (or a comma-separated list of them). */
const HOST_VARIABLE = /(?:HOST|HOSTNAME|HOSTS|SERVER|SERVERS|ADDR|ADDRESS|ENDPOINT|UPSTREAM|PEER|PEERS|BACKEND|BROKER|BROKERS)$/i;
const HOST_PORT = /^([A-Za-z0-9][A-Za-z0-9_.-]*):(\d{1,5})$/;
/** Variables that hold secrets: never read at all, whatever their value looks like. */
const SECRET_VARIABLE = /PASS|SECRET|TOKEN|KEY|CRED|AUTH|PRIVATE|SALT|COOKIE|SESSION/i;
const MAX_REFERENCES = 64;
const MAX_VARIABLE = 64;

function hostName(text: string): string | undefined {
  const name = text.trim().replace(/\.$/, '');
  return HOST_NAME.test(name) && !IP_LITERAL.test(name) ? name.toLowerCase() : undefined;
}

/** Host names in one variable's value: URL hosts (also in lists), HOST:PORT, or the whole value of a host variable. */
export function hostsInValue(variable: string, value: string): string[] {
  const out: string[] = [];
  if (SECRET_VARIABLE.test(variable)) return out;
  for (const part of value.split(/[,\s;]+/)) {
    if (!part) continue;
    const url = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/.exec(part);
    if (url) {
      const h = hostName(url[1] ?? '');
      if (h) out.push(h);
      continue;
    }
    const hp = HOST_PORT.exec(part);
    if (hp) {
      const h = hostName(hp[1] ?? '');
      if (h) out.push(h);
      continue;
    }
    if (HOST_VARIABLE.test(variable)) {
      const h = hostName(part);
      if (h) out.push(h);
    }
  }
  return out;
}

interface RawEndpointLinks {
  Links?: string[] | null;
}

/**
 * The names this container refers to. `env` is Config.Env ("K=V"), `hostLinks` HostConfig.Links
 * ("/target:/self/alias"), `endpoints` NetworkSettings.Networks (their Links are "target:alias").
 */
export function nameReferences(
  env: readonly string[] | null | undefined,
  hostLinks: readonly string[] | null | undefined,
  endpoints?: Record<string, RawEndpointLinks>,
): NameReference[] {
  const out: NameReference[] = [];
  const seen = new Set<string>();
  const add = (r: NameReference) => {
    const key = `${r.name}\u0000${r.via}`;
    if (seen.has(key) || out.length >= MAX_REFERENCES) return;
    seen.add(key);
    out.push(r);
  };
  for (const link of hostLinks ?? []) {
    const [target, alias] = link.split(':');
    const name = hostName((target ?? '').replace(/^\//, ''));
    const as = hostName((alias ?? '').split('/').pop() ?? '');
    if (name) add({ name, via: 'link', ...(as && as !== name ? { alias: as } : {}) });
  }
  for (const ep of Object.values(endpoints ?? {})) {
    for (const link of ep.Links ?? []) {
      const [target, alias] = link.split(':');
      const name = hostName(target ?? '');
      const as = hostName(alias ?? '');
      if (name) add({ name, via: 'link', ...(as && as !== name ? { alias: as } : {}) });
    }
  }
  for (const entry of env ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const variable = entry.slice(0, eq);
    if (variable === 'PATH' || variable === 'HOSTNAME' || variable === 'HOME') continue;
    const shown = displayText(variable).slice(0, MAX_VARIABLE);
    for (const name of hostsInValue(variable, entry.slice(eq + 1))) add({ name, via: `environment variable ${shown}` });
  }
  return out;
}

/** HostConfig.ExtraHosts ("name:ip", newer engines also "name=ip"): names this container's /etc/hosts pins. */
export function extraHosts(raw: readonly string[] | null | undefined): ExtraHost[] {
  const out: ExtraHost[] = [];
  for (const entry of raw ?? []) {
    const m = /^([^:=]+)[:=](.+)$/.exec(entry);
    const name = m ? hostName(m[1] ?? '') : undefined;
    const ip = (m?.[2] ?? '').replace(/^\[|\]$/g, '');
    // host-gateway: Docker puts the host's gateway address there when the container starts.
    if (name && (IP_LITERAL.test(ip) || ip === 'host-gateway')) out.push({ name, ip });
    if (out.length >= MAX_REFERENCES) break;
  }
  return out;
}
