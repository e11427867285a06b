import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, parseConfig, type Config } from '../server/config.js';

const run = promisify(execFile);
const bin = path.resolve('bin/nimbus.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
};
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}): Config => parseConfig(argv, env, dir) as Config;
const errorOf = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
  try {
    parse(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('the config file: every flag settable, flag > environment > file > default', () => {
  it('reads <data-dir>/config.yaml; the environment wins over it and a flag over both', () => {
    write(
      'data/config.yaml',
      `# settings for this instance
port: 9000
host: 127.0.0.2
allowed-host: [ide.example.com, ide.internal]
log-level: debug
log-format: json
lambda-retry-delays: [1000, 2000]
lambda-interpreter: nodejs22.x=/opt/node22/bin/node
hibernate-after: 600
allow-unsandboxed: true
token: a-token-from-the-file-0123456789
`,
    );
    const fromFile = parse(['--data-dir', 'data']);
    expect(fromFile).toMatchObject({
      port: 9000,
      host: '127.0.0.2',
      allowedHosts: ['ide.example.com', 'ide.internal'],
      logLevel: 'debug',
      logFormat: 'json',
      lambdaRetryDelaysMs: [1000, 2000],
      lambdaInterpreters: { 'nodejs22.x': '/opt/node22/bin/node' },
      hibernateAfterSeconds: 600,
      allowUnsandboxed: true,
      token: 'a-token-from-the-file-0123456789',
      configFile: path.join(dir, 'data/config.yaml'),
    });
    expect(fromFile.sources).toMatchObject({ port: 'file', 'data-dir': 'flag', 'json-limit': 'default' });

    const layered = parse(['--data-dir', 'data', '--port', '9002'], { PORT: '9001', NIMBUS_LOG_LEVEL: 'warn' });
    expect([layered.port, layered.logLevel, layered.host]).toEqual([9002, 'warn', '127.0.0.2']);
    expect(layered.sources).toMatchObject({ port: 'flag', 'log-level': 'env', host: 'file' });

    // Without a file, the defaults.
    const none = parse(['--data-dir', 'elsewhere']);
    expect([none.port, none.configFile]).toEqual([8080, undefined]);
  });

  it('--config PATH (or NIMBUS_CONFIG) names the file, which may then set the data dir', () => {
    const file = write('etc/nimbus.yaml', 'data-dir: ../state\nport: 7000\n');
    expect(parse(['--config', file])).toMatchObject({ dataDir: path.join(dir, 'state'), port: 7000, configFile: file });
    expect(parse([], { NIMBUS_CONFIG: file }).port).toBe(7000);
    expect(errorOf(['--config', path.join(dir, 'missing.yaml')])).toMatch(/missing\.yaml: cannot be read/);
  });

  it('fails at start on an unknown key or a bad value, naming the file, the key and the reason', () => {
    const at = (text: string): string => errorOf(['--config', write('bad.yaml', text)]);
    const file = path.join(dir, 'bad.yaml');
    expect(at('prot: 8080\n')).toBe(`${file}: prot: unknown setting`);
    expect(at('allowed_host: x\n')).toBe(`${file}: allowed_host: unknown setting (did you mean allowed-host?)`);
    expect(at('port: abc\n')).toBe(`${file}: port: must be a non-negative integer, got "abc"`);
    expect(at('port: 70000\n')).toBe(`${file}: port: must be at most 65535, got 70000`);
    expect(at('allow-unsandboxed: yes-please\n')).toBe(`${file}: allow-unsandboxed: must be true or false, got "yes-please"`);
    expect(at('sandbox-home: everywhere\n')).toMatch(/^.*bad\.yaml: sandbox-home: must be one of private, read-only, read-write/);
    expect(at('port: [1\n')).toMatch(/bad\.yaml: not valid YAML/);
    expect(at('- port\n')).toMatch(/bad\.yaml: must be a map of settings/);
    // The data dir's own file cannot move the data dir.
    write('data2/config.yaml', 'data-dir: /elsewhere\n');
    expect(errorOf(['--data-dir', 'data2'])).toMatch(/config\.yaml: data-dir: only a file given with --config/);
    // A bad value from a flag still names the flag.
    expect(errorOf(['--port', 'abc'])).toBe('--port must be a non-negative integer, got "abc"');
  });

  it('nimbus --print-config shows each setting and where it came from, secrets masked', async () => {
    const file = write('print.yaml', 'port: 9100\ntoken: secret-token-from-file-123456\nlambda-region: eu-west-1\n');
    const { stdout } = await run(process.execPath, [bin, '--config', file, '--print-config', '--log-level', 'warn'], {
      env: { ...process.env, NIMBUS_TOKEN: '', PORT: '', NIMBUS_HIBERNATE_AFTER: '900', NIMBUS_DATA_DIR: dir },
    });
    expect(stdout).toContain(`# config file: ${file}`);
    expect(stdout).toMatch(/^port: 9100 {2}# file$/m);
    expect(stdout).toMatch(/^log-level: "warn" {2}# flag$/m);
    expect(stdout).toMatch(/^hibernate-after: 900 {2}# env$/m);
    expect(stdout).toMatch(/^lambda-region: "eu-west-1" {2}# file$/m);
    expect(stdout).toMatch(/^json-limit: 1048576 {2}# default$/m);
    expect(stdout).toMatch(/^token: "\*\*\*\*" {2}# file$/m);
    expect(stdout).not.toContain('secret-token-from-file');
    expect(describeConfig(parse(['--data-dir', 'nowhere']))).toContain('# config file: (none)');
  });
});
