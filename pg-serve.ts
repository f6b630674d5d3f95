import { startEmbeddedPostgres } from './stores/postgres/embedded.js';
const dir = process.argv[2];
await startEmbeddedPostgres({ dataDir: dir + '/data', socketDir: dir + '/run' });
console.log('ready');
setInterval(() => {}, 1000);
