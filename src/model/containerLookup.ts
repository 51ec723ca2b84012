// The one rule for finding a container by what a user or Docker calls it: its exact name,
// else its full id, else an id prefix of at least 4 characters that only one container has
// (what `docker` itself accepts). `container:X` network modes name their target the same way.
export interface NamedContainer {
  id: string;
  name: string;
}

export function findContainer<T extends NamedContainer>(containers: readonly T[] | undefined, ref: string | undefined): T | undefined {
  if (!containers || !ref) return undefined;
  const byName = containers.find((c) => c.name === ref);
  if (byName) return byName;
  const byId = containers.find((c) => c.id === ref);
  if (byId || ref.length < 4) return byId;
  const byPrefix = containers.filter((c) => c.id.startsWith(ref));
  return byPrefix.length === 1 ? byPrefix[0] : undefined;
}
