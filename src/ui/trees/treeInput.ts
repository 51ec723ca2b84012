// What every tree is built from: the latest snapshot, its topology and the user's settings.
import type { HostSnapshot } from '../../snapshot/hostSnapshot';
import type { Topology } from '../../model/topology';

export interface TreeSettings {
  showStoppedContainers: boolean;
  showBuiltInNetworks: boolean;
}

export interface TreeInput {
  snapshot: HostSnapshot;
  topology: Topology;
  settings: TreeSettings;
}
