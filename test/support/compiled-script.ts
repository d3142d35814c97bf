import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/**
 * The project compiled (tsconfig.build.json) into a temporary folder, so a test can run a script as `npm run …`
 * would, in a process of its own, without touching dist/. Path aliases resolve through tsconfig-paths.
 */
export class CompiledProject {
  private constructor(readonly outDir: string) {}

  static build(): CompiledProject {
    const outDir = mkdtempSync(join(tmpdir(), 'ce-build-'));
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], { cwd: ROOT, stdio: 'pipe' });
    return new CompiledProject(outDir);
  }

  /** Runs dist-relative `script` with `args`; resolves with its exit code and output (never rejects on exit codes). */
  run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolveRun) => {
      execFile(
        process.execPath,
        ['-r', 'tsconfig-paths/register', join(this.outDir, script), ...args],
        {
          cwd: ROOT,
          env: { ...process.env, ...env, NODE_PATH: join(ROOT, 'node_modules'), TS_NODE_BASEURL: this.outDir, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) => resolveRun({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  }

  dispose(): void {
    rmSync(this.outDir, { recursive: true, force: true });
  }
}
