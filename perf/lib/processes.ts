import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');

export interface Started {
  child: ChildProcess;
  url: string;
  stop: () => Promise<void>;
}

/** Starts a node process and waits for the line that tells where it listens. */
export function startNode(script: string, options: { args?: string[]; env?: Record<string, string>; listening: RegExp }): Promise<Started> {
  const child = spawn(process.execPath, [...(options.args ?? []), path.join(ROOT, script)], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      if (output.length < 100_000) output += chunk.toString();
      const match = options.listening.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        // Keep draining the pipes so a chatty process never blocks on a full one.
        child.stdout?.removeListener('data', onData);
        child.stdout?.resume();
        resolve({ child, url: match[1], stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
    timer.unref();
  });
}
