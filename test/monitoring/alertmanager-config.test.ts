import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DEPLOY_EXAMPLE, mergeSnippet, readSnippet, type KillSnippet } from '../helpers/alertmanager.ts';

const run = promisify(execFile);

async function amtoolCheck(file: string): Promise<string> {
  try {
    return (await run('amtool', ['check-config', file])).stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`amtool check-config ${file} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`, { cause: err });
  }
}

describe('Alertmanager configuration', () => {
  let tmp: string;
  let snippet: KillSnippet;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-am-config-'));
    snippet = await readSnippet();
  });
  afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

  it('the full example passes amtool check-config', async () => {
    expect(await amtoolCheck(DEPLOY_EXAMPLE)).toMatch(/SUCCESS/);
  });

  it('the snippet, merged into an existing config as its comment says, passes amtool check-config', async () => {
    const existing = {
      route: { receiver: 'team', routes: [{ receiver: 'team', matchers: ['severity="critical"'] }] },
      receivers: [{ name: 'team', webhook_configs: [{ url: 'http://relay.example:8080/' }] }],
    };
    const file = path.join(tmp, 'merged.yml');
    await fs.writeFile(file, stringify(mergeSnippet(existing, snippet)));
    expect(await amtoolCheck(file)).toMatch(/SUCCESS/);
  });

  it('routes keybrake_action="kill" to the receiver with a bearer token file, first and without swallowing the alert', () => {
    const [route] = snippet.route.routes;
    expect(route).toMatchObject({ receiver: 'keybrake-kill', matchers: ['keybrake_action="kill"'], continue: true });
    expect(route!.group_by).toEqual(expect.arrayContaining(['keybrake_policy', 'namespace', 'pod']));
    const [hook] = snippet.receivers.find((r) => r.name === 'keybrake-kill')!.webhook_configs!;
    if (!hook) throw new Error('expected a webhook config on the keybrake-kill receiver');
    expect(hook.url).toMatch(/\/alertmanager$/);
    expect(hook.http_config).toEqual({ authorization: { type: 'Bearer', credentials_file: expect.stringMatching(/keybrake-admin\/alertmanager-token$/) } });
  });

  it('the full example holds the snippet unchanged', async () => {
    const example = parse(await fs.readFile(DEPLOY_EXAMPLE, 'utf8')) as KillSnippet;
    expect(example.route.routes[0]).toEqual(snippet.route.routes[0]);
    expect(example.receivers).toContainEqual(snippet.receivers[0]);
  });
});
