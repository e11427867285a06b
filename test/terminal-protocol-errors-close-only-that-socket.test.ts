import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CLIENT_MESSAGE_BYTES, TERMINAL_PROTOCOL_VERSION } from '../shared/protocol/terminal.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTerminal, marker, TerminalTestClient } from './helpers/terminal.js';

let server: TestServer;
let terminalId: string;
let bystander: TerminalTestClient;

beforeAll(async () => {
  server = await startTestServer();
  terminalId = (await createTerminal(server)).id;
  bystander = await TerminalTestClient.open(server, terminalId);
});
afterAll(async () => {
  await bystander.close();
  await server.stop();
});

const hello = JSON.stringify({ type: 'hello', version: TERMINAL_PROTOCOL_VERSION, cols: 80, rows: 24 });

/** Each case: frames sent in order, the error code and close code expected. */
const cases: { name: string; frames: (string | Buffer)[]; code: string; close: number; afterHello?: boolean }[] = [
  { name: 'text that is not JSON', frames: ['{not json'], code: 'protocol_error', close: 1002 },
  { name: 'an unknown message type', frames: [hello, '{"type":"shell","cmd":"rm -rf /"}'], code: 'protocol_error', close: 1002 },
  { name: 'extra fields', frames: [hello, '{"type":"input","data":"x","as":"root"}'], code: 'protocol_error', close: 1002 },
  { name: 'input before hello', frames: ['{"type":"input","data":"echo hi\\r"}'], code: 'protocol_error', close: 1002 },
  { name: 'a second hello', frames: [hello, hello], code: 'protocol_error', close: 1002 },
  { name: 'a hello of another protocol version', frames: ['{"type":"hello","version":99}'], code: 'unsupported_version', close: 1002 },
  { name: 'an ack for bytes never sent', frames: [hello, '{"type":"ack","bytes":1000000}'], code: 'protocol_error', close: 1002 },
  { name: 'a binary frame', frames: [hello, Buffer.from('echo hi\r')], code: 'protocol_error', close: 1002 },
  { name: 'a resize to 0 rows', frames: [hello, '{"type":"resize","cols":80,"rows":0}'], code: 'protocol_error', close: 1002 },
  { name: 'a resize to NaN', frames: [hello, '{"type":"resize","cols":"NaN","rows":24}'], code: 'protocol_error', close: 1002 },
  {
    name: 'a resize to null (JSON of NaN)',
    frames: [hello, '{"type":"resize","cols":null,"rows":24}'],
    code: 'protocol_error',
    close: 1002,
  },
  { name: 'a huge resize', frames: [hello, '{"type":"resize","cols":100000,"rows":100000}'], code: 'protocol_error', close: 1002 },
  { name: 'a fractional resize', frames: [hello, '{"type":"resize","cols":80.5,"rows":24}'], code: 'protocol_error', close: 1002 },
  {
    name: 'a hello with a negative size',
    frames: ['{"type":"hello","version":1,"cols":-1,"rows":24}'],
    code: 'protocol_error',
    close: 1002,
  },
  {
    name: 'an oversized message',
    frames: [hello, JSON.stringify({ type: 'input', data: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES) })],
    code: 'too_big',
    close: 1009,
  },
  {
    name: 'input longer than allowed',
    frames: [hello, JSON.stringify({ type: 'input', data: 'y'.repeat(20_000) })],
    code: 'protocol_error',
    close: 1002,
  },
];

describe('malformed, oversized or out-of-order terminal messages get a protocol error and close that socket only', () => {
  for (const c of cases) {
    it(`${c.name} → ${c.code}, close ${c.close}`, async () => {
      const client = await TerminalTestClient.open(server, terminalId, { hello: false });
      for (const frame of c.frames) client.ws.send(frame);
      const closed = await client.closed;
      const error = client.messages.find((m) => m.type === 'error');
      expect(error).toMatchObject({ type: 'error', code: c.code });
      expect(closed.code).toBe(c.close);
    });
  }

  it('the pty size is unchanged by the rejected resizes', async () => {
    const m = marker('size');
    bystander.input(`${m.command}; stty size\r`);
    await bystander.waitForText(m.output);
    await bystander.waitForText(/\r\n30 100\r\n/);
  });

  it('frames beyond the hard limit are cut off by the socket layer, and the server keeps serving', async () => {
    const client = await TerminalTestClient.open(server, terminalId, { hello: false });
    client.ws.send(Buffer.alloc(2 * 1024 * 1024, 'a'), { binary: false });
    expect((await client.closed).code).toBe(1009);
    const m = marker('still');
    bystander.input(`${m.command}\r`);
    await bystander.waitForText(m.output);
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
    expect((await server.api('/api/health')).status).toBe(200);
  });

  it('a socket for a terminal that does not exist is told so and closed with 4404', async () => {
    const client = await TerminalTestClient.open(server, 'no-such-terminal', { hello: false });
    expect((await client.closed).code).toBe(4404);
    expect(client.messages[0]).toMatchObject({ type: 'error', code: 'not_found' });
  });
});
