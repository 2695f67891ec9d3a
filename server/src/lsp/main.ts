// Entry point bundled to dist/server/server.js: `node server.js --stdio`, or launched by
// vscode-languageclient over IPC (the transport comes from argv).
import { startServer } from './server';

startServer();
