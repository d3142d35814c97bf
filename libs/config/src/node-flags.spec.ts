import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE_NODE_FLAGS } from './node-flags';

const ROOT = join(__dirname, '..', '..', '..');

describe('ENGINE_NODE_FLAGS (the flags every launch of the engine passes to node)', () => {
  it('are what `npm start` passes, before the engine script', () => {
    const start: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
    expect(start).toBe(`node ${ENGINE_NODE_FLAGS.join(' ')} -r ./scripts/register-paths.js dist/apps/engine/src/main.js`);
  });

  it("are what the Docker image's CMD passes", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(cmd!)).toEqual(['node', ...ENGINE_NODE_FLAGS, '-r', './scripts/register-paths.js', 'dist/apps/engine/src/main.js']);
  });

  it('are flags node accepts (a typo would stop the engine at launch)', () => {
    expect(execFileSync(process.execPath, [...ENGINE_NODE_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' })).toBe('ok');
  });
});
