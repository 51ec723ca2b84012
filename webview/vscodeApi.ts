// The one handle VS Code gives a webview: typed to the protocol, so every message this side
// posts is a FromWebview and the state it keeps is a DiagramPanelState.
import { parsePanelState, type DiagramPanelState, type FromWebview } from '../src/protocol.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

// Provided by VS Code in every webview; may be called once per page load.
declare function acquireVsCodeApi(): VsCodeApi;

export interface HostChannel {
  post(message: FromWebview): void;
  /** The state kept by a previous load of this panel, when it is well-formed. */
  restoredState(): DiagramPanelState | undefined;
  saveState(state: DiagramPanelState): void;
}

export function connectToHost(): HostChannel {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    restoredState: () => parsePanelState(api.getState()),
    saveState: (state) => api.setState(state),
  };
}
