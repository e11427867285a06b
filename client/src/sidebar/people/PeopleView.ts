import type { Peer } from '../../../../shared/protocol/collab.js';
import type { FollowMode } from '../../collab/follow.js';
import type { PeopleSocket } from '../../collab/PeopleSocket.js';
import { baseName } from '../../../../shared/paths.js';
import { h } from '../../ui/dom.js';

const roleLabel = { owner: 'owner', write: 'can edit', read: 'read-only' } as const;

/** Who is here: colour, name, role, the file they have open and whether they are idle; click to follow. */
export class PeopleView {
  readonly el = h('div.nb-people');
  private readonly list = h('ul.nb-people-list', { 'aria-label': 'People in this workspace' });
  private readonly banner = h('div.nb-follow-banner', { hidden: true });

  constructor(
    private readonly people: PeopleSocket,
    private readonly follow: FollowMode,
    private readonly openFile: (path: string) => void,
  ) {
    this.el.append(this.banner, this.list);
    people.on(() => this.render());
    follow.onDidChange(() => this.render());
    this.render();
  }

  get count(): number {
    return this.people.peers.size;
  }

  private render(): void {
    const peers = [...this.people.peers.values()].sort(
      (a, b) => Number(b.id === this.people.self) - Number(a.id === this.people.self) || a.name.localeCompare(b.name),
    );
    this.list.replaceChildren(...peers.map((p) => this.row(p)));
    if (peers.length === 0) this.list.append(h('li.nb-people-empty', {}, 'Connecting…'));
    const followed = this.follow.peerId ? this.people.peers.get(this.follow.peerId) : undefined;
    this.banner.hidden = !followed;
    if (followed) {
      const stop = h('button.nb-link', { type: 'button' }, 'stop');
      stop.addEventListener('click', () => this.follow.stop());
      this.banner.replaceChildren(h('span', {}, `Following ${followed.name} — move to stop `), stop);
    }
  }

  private row(peer: Peer): HTMLElement {
    const self = peer.id === this.people.self;
    const following = this.follow.peerId === peer.id;
    const dot = h('span.nb-person-dot');
    dot.style.background = peer.color;
    const file = peer.file
      ? h('button.nb-person-file.nb-link', { type: 'button', title: `Open ${peer.file}` }, baseName(peer.file))
      : h('span.nb-person-file', {}, 'no file open');
    if (peer.file) {
      const path = peer.file;
      file.addEventListener('click', (e) => {
        e.stopPropagation();
        this.openFile(path);
      });
    }
    const li = h(
      'li.nb-person',
      {
        'data-peer-name': peer.name,
        'data-peer-id': peer.id,
        title: self ? 'You' : following ? `Following ${peer.name}; click to stop` : `Click to follow ${peer.name}`,
        role: self ? undefined : 'button',
        tabindex: self ? undefined : '0',
      },
      dot,
      h('span.nb-person-name', {}, self ? `${peer.name} (you)` : peer.name),
      h('span.nb-person-role', {}, roleLabel[peer.role]),
      h('span.nb-person-state', {}, peer.idle ? 'idle' : 'online'),
      file,
    );
    li.classList.toggle('nb-idle', peer.idle);
    li.classList.toggle('nb-following', following);
    if (!self) {
      const toggle = (): void => (following ? this.follow.stop() : this.follow.start(peer.id));
      li.addEventListener('click', toggle);
      li.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          toggle();
        }
      });
    }
    return li;
  }
}
