/**
 * `pnpm bench [filter…]`: runs every `test/bench/*.bench.ts` in name order (only those whose file
 * name contains one of the filters, when given). Each file's default export is `run(): Promise<void>`
 * and prints its own figures.
 */
import { readdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

// Each stock y-websocket provider registers a process 'exit' listener; 100 clients are expected.
process.setMaxListeners(0);

const dir = new URL('./', import.meta.url);
const filters = process.argv.slice(2).filter((a) => a !== '--');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

const cpu = cpus();
console.log('JointMap benchmarks');
console.log(
  `  machine: ${cpu.length} cores, ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
);
console.log(
  `  node ${process.version} (${process.platform} ${process.arch}), load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`  started ${new Date().toISOString()}`);
console.log(`  files: ${files.length ? files.join(', ') : '(none match)'}`);
if (files.length === 0) {
  console.error(`no benchmark file matches ${filters.join(', ')}`);
  process.exit(1);
}

let failed = 0;
const start = performance.now();
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const t0 = performance.now();
  try {
    const mod = (await import(new URL(file, dir).href)) as { default?: () => Promise<void> };
    if (typeof mod.default !== 'function') throw new Error('no default export run()');
    await mod.default();
    console.log(`\n(${file}: ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  } catch (err) {
    failed++;
    console.error(`\n${file} failed:`, err);
  }
}
console.log(`\nall done in ${((performance.now() - start) / 1000).toFixed(0)} s${failed ? `, ${failed} failed` : ''}`);
// Client libraries may leave timers behind; the figures are printed, so leave now.
process.exit(failed ? 1 : 0);
