import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTerminal, marker, TerminalTestClient } from './helpers/terminal.js';

let server: TestServer;
const planted = {
  NIMBUS_TOKEN: 'planted-owner-token-0123456789',
  NIMBUS_SECRET_THING: 'planted-secret',
  AWS_SECRET_ACCESS_KEY: 'planted-aws',
};

beforeAll(async () => {
  // Secrets in the server's own environment, as a real deployment has them.
  Object.assign(process.env, planted);
  server = await startTestServer();
});
afterAll(async () => {
  for (const key of Object.keys(planted)) delete process.env[key];
  await server.stop();
});

describe("the shell's environment is built explicitly", () => {
  it('has TERM=xterm-256color, a SHELL, the workspace as cwd, and none of the server secrets', async () => {
    const info = await createTerminal(server);
    const client = await TerminalTestClient.open(server, info.id);
    const m = marker('env');
    client.input(`env | sed 's/^/ENV:/'; echo "CWD:$(pwd -P)"; ${m.command}\r`);
    await client.waitForText(m.output);
    const env = new Map(
      [...client.text.matchAll(/^ENV:([A-Za-z_][A-Za-z0-9_]*)=(.*?)\r?$/gm)].map((match) => [match[1] as string, match[2] as string]),
    );
    expect(env.get('TERM')).toBe('xterm-256color');
    expect(env.get('SHELL')).toMatch(/^\/.*(bash|sh|zsh|fish)$/);
    expect(env.has('PATH')).toBe(true);
    expect(env.has('HOME')).toBe(true);
    expect(/^CWD:(.*?)\r?$/m.exec(client.text)?.[1]).toBe(server.workspaces.rootOf('default'));
    expect([...env.keys()].filter((k) => k.startsWith('NIMBUS_'))).toEqual([]);
    expect(env.has('AWS_SECRET_ACCESS_KEY')).toBe(false);
    for (const value of Object.values(planted)) expect(client.text).not.toContain(value);
    await client.close();
  });
});
