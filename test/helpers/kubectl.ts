// Runs the real kubectl (pinned, from the devDependency) with the repo's bin/ on
// PATH, so `kubectl keybrake …` goes through kubectl's own plugin lookup.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { kubectlPath } from './kube-binaries.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin');

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(kubeconfig: string, args: string[]): Promise<KubectlResult> {
  const kubectlBin = kubectlPath();
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: path.dirname(kubeconfig), PATH: `${BIN}:${path.dirname(kubectlBin)}:${process.env.PATH}` };
  return new Promise((resolve) => {
    execFile(kubectlBin, args, { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
