// The panel's tabs: one per diagram (the topology of a scope, each packet path), each keeping
// its own zoom and scroll. Opening a packet path adds a tab beside the topology instead of
// replacing it; going back to a tab asks the host for that diagram again (drawn from the live
// state) and puts its view back as it was. A topology's filter stays in its scope's tab. The
// tabs and their views are kept with the panel's state, so a reload (or hiding the panel) keeps them.
// Titles go in through textContent.
import type { DiagramRequest, SavedTab, TabView } from '../src/protocol.js';

export type { TabView } from '../src/protocol.js';

interface Tab {
  key: string;
  request: DiagramRequest;
  view?: TabView;
  element: HTMLElement;
  label: HTMLElement;
}

/** Which tab a request belongs to: a topology scope (whatever its filter) or one flow. */
export function tabKey(request: DiagramRequest): string {
  return request.kind === 'topology' ? `topology:${JSON.stringify(request.scope)}` : `path:${JSON.stringify(request.path)}`;
}

export interface TabEvents {
  /** The user picked another tab (or closed the one shown): ask the host for its diagram. */
  request(request: DiagramRequest): void;
  /** The view of the tab being left, to keep. */
  currentView(): TabView;
  /** Tabs were opened, closed or switched: the state kept across reloads is out of date. */
  changed(): void;
}

export class DiagramTabs {
  readonly element: HTMLElement;
  private readonly tabs: Tab[] = [];
  private active: Tab | undefined;
  /** Whether the view on screen is the active tab's: false from a tab switch until its drawing is shown. */
  private viewIsActive = true;

  constructor(private readonly on: TabEvents) {
    this.element = document.createElement('div');
    this.element.className = 'tabs';
    this.element.setAttribute('role', 'tablist');
    this.element.setAttribute('aria-label', 'Diagrams');
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  get count(): number {
    return this.tabs.length;
  }

  /** Every tab with its request, title and view (the one shown: its view now), to keep across a reload. */
  saved(): SavedTab[] {
    return this.tabs.map((t) => {
      const view = t === this.active && this.viewIsActive ? this.on.currentView() : t.view;
      return { request: t.request, title: t.label.textContent ?? '', ...(view ? { view } : {}) };
    });
  }

  /**
   * Puts back the tabs a previous load kept, none of them shown yet: the diagram the host
   * draws first becomes the active tab, with its kept view.
   */
  seed(saved: readonly SavedTab[]): void {
    for (const s of saved) {
      const key = tabKey(s.request);
      if (this.tabs.some((t) => t.key === key)) continue;
      const tab = this.add(key, s.request);
      tab.label.textContent = s.title;
      tab.element.title = s.title;
      if (s.view) tab.view = s.view;
    }
  }

  /**
   * A diagram arrived for `request`: its tab (a new one if none) becomes the active one, the
   * view of the tab left is kept. Returns whether it is the tab already shown and, if not, the
   * view it had when it was left (undefined: a new tab).
   */
  open(request: DiagramRequest, title: string): { sameTab: boolean; saved?: TabView } {
    const key = tabKey(request);
    let tab = this.tabs.find((t) => t.key === key);
    const sameTab = tab !== undefined && tab === this.active;
    if (!tab) tab = this.add(key, request);
    if (!sameTab && this.active && this.viewIsActive) this.active.view = this.on.currentView();
    if (!sameTab) this.viewIsActive = false;
    tab.request = request;
    tab.label.textContent = title;
    tab.element.title = title;
    this.activate(tab);
    this.on.changed();
    return sameTab ? { sameTab } : { sameTab, ...(tab.view ? { saved: tab.view } : {}) };
  }

  /** The active tab's drawing is on screen with its view: from now on the view shown is its own. */
  drawn(): void {
    if (this.viewIsActive) return;
    this.viewIsActive = true;
    this.on.changed();
  }

  private add(key: string, request: DiagramRequest): Tab {
    const element = document.createElement('div');
    element.className = 'tab';
    element.setAttribute('role', 'tab');
    element.tabIndex = -1;
    const label = document.createElement('span');
    label.className = 'tab-label';
    const close = document.createElement('button');
    close.className = 'tab-close';
    close.type = 'button';
    close.textContent = '×';
    close.title = 'Close this diagram';
    close.setAttribute('aria-label', 'Close this diagram');
    element.append(label, close);
    const tab: Tab = { key, request, element, label };
    element.addEventListener('click', (e) => {
      if (e.target instanceof Element && e.target.closest('.tab-close')) this.close(tab);
      else this.pick(tab);
    });
    this.tabs.push(tab);
    this.element.append(element);
    this.update();
    return tab;
  }

  private activate(tab: Tab): void {
    this.active = tab;
    for (const t of this.tabs) {
      const on = t === tab;
      t.element.classList.toggle('active', on);
      t.element.setAttribute('aria-selected', String(on));
      t.element.tabIndex = on ? 0 : -1;
    }
  }

  private pick(tab: Tab): void {
    if (tab === this.active) return;
    this.on.request(tab.request);
  }

  private close(tab: Tab): void {
    if (this.tabs.length < 2) return;
    const i = this.tabs.indexOf(tab);
    this.tabs.splice(i, 1);
    tab.element.remove();
    this.update();
    this.on.changed();
    if (tab === this.active) {
      this.active = undefined;
      const next = this.tabs[Math.min(i, this.tabs.length - 1)];
      if (next) this.on.request(next.request);
    }
  }

  /** One tab: no strip and nothing to close. */
  private update(): void {
    this.element.hidden = this.tabs.length < 2;
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.active || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
    const i = this.tabs.indexOf(this.active);
    const next = this.tabs[(i + (e.key === 'ArrowRight' ? 1 : this.tabs.length - 1)) % this.tabs.length];
    if (next) {
      e.preventDefault();
      next.element.focus();
      this.pick(next);
    }
  }
}
