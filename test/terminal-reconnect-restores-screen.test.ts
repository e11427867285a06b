import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Screen } from './helpers/screen.js';
import { createTerminal, marker, TerminalTestClient } from './helpers/terminal.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ terminalScrollback: 200 });
});
afterAll(async () => {
  await server.stop();
});

/** A viewer that renders everything it receives into a Screen, the way the browser does. */
async function watch(client: TerminalTestClient): Promise<Screen> {
  const restore = await client.waitForMessage('restore');
  const screen = new Screen(restore.cols, restore.rows);
  await screen.write(restore.data);
  let chain = Promise.resolve();
  client.onOutput = (chunk) => {
    chain = chain.then(() => screen.write(chunk));
  };
  return screen;
}

describe('closing the browser and coming back restores the same shell, screen, scrollback and cursor', () => {
  it('a new socket gets the screen the old one showed, and the same shell', async () => {
    const info = await createTerminal(server, 'default', { cols: 100, rows: 30 });
    const first = await TerminalTestClient.open(server, info.id);
    const live = await watch(first);
    const m = marker('before');
    first.input(`echo "pid $$"; printf '\\033[1;31mred\\033[0m wide:中文😀\\n'; seq 1 50; ${m.command}\r`);
    await first.waitForText(m.output);
    await first.waitForText(/[#$] $/); // the next prompt
    const pid = /pid (\d+)/.exec(first.text)?.[1];
    await first.close();

    const second = await TerminalTestClient.open(server, info.id);
    const restored = await watch(second);
    expect(restored.visible()).toEqual(live.visible());
    expect(restored.cursor()).toEqual(live.cursor());
    expect(restored.allLines().join('\n')).toContain('red wide:中文😀');
    expect(restored.allLines().filter((l) => /^\d+$/.test(l))).toHaveLength(50); // scrollback came back
    expect(restored.styleOf('red wide')).toEqual({ fg: 1, bold: true }); // colours survive
    expect(live.styleOf('red wide')).toEqual({ fg: 1, bold: true });
    second.input('echo "pid $$"\r');
    await second.waitForText(`pid ${pid}`);
    await second.close();
  });

  it('a full-screen program (alternate screen) is restored as it was drawn', async () => {
    const info = await createTerminal(server, 'default', { cols: 80, rows: 24 });
    const first = await TerminalTestClient.open(server, info.id, { cols: 80, rows: 24 });
    const live = await watch(first);
    // A stand-in for vim/less: switch to the alternate screen, draw at positions, wait.
    first.input(`printf '\\033[?1049h\\033[2J\\033[5;10H%s\\033[10;1Hbottom' FULLSCREEN-$((6*7)); read x\r`);
    await first.waitForText('FULLSCREEN-42');
    await first.waitForText('bottom');
    await first.close();
    const second = await TerminalTestClient.open(server, info.id, { cols: 80, rows: 24 });
    const restored = await watch(second);
    expect(restored.bufferType).toBe('alternate');
    expect(restored.visible()[4]).toBe('         FULLSCREEN-42');
    expect(restored.visible()).toEqual(live.visible());
    expect(restored.cursor()).toEqual(live.cursor());
    await second.close();
  });

  it('the scrollback kept for restores is bounded', async () => {
    const info = await createTerminal(server, 'default', { cols: 80, rows: 24 });
    const client = await TerminalTestClient.open(server, info.id, { cols: 80, rows: 24 });
    const m = marker('done');
    client.input(`seq 1 5000; ${m.command}\r`);
    await client.waitForText(m.output);
    await client.close();
    const again = await TerminalTestClient.open(server, info.id, { cols: 80, rows: 24 });
    const restored = await watch(again);
    const lines = restored.allLines();
    expect(lines.length).toBeLessThanOrEqual(200 + 24);
    expect(lines.join('\n')).toContain('4990');
    expect(lines).not.toContain('100');
    await again.close();
  });
});

describe('a terminal nobody watches is killed after the grace period', () => {
  it('ends once the grace period passes with no viewer, and not while one is attached', async () => {
    const short = await startTestServer({ terminalGraceSeconds: 1 });
    try {
      const watched = await createTerminal(short);
      const viewer = await TerminalTestClient.open(short, watched.id);
      const abandoned = await createTerminal(short);
      const leaving = await TerminalTestClient.open(short, abandoned.id);
      await leaving.close();
      await new Promise((resolve) => setTimeout(resolve, 1800));
      const list = (await (await short.api('/api/workspaces/default/terminals')).json()) as { id: string }[];
      expect(list.map((t) => t.id)).toEqual([watched.id]);
      const m = marker('alive');
      viewer.input(`${m.command}\r`);
      await viewer.waitForText(m.output);
      await viewer.close();
    } finally {
      await short.stop();
    }
  });
});
