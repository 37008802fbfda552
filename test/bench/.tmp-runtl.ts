process.setMaxListeners(0);
const m = await import('/work/main/test/bench/.tmp-fan-timeline.ts');
await (m.default as () => Promise<void>)();
process.exit(0);
