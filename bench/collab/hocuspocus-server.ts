// The Hocuspocus peer for bench/collab.ts, run as its own process: `tsx hocuspocus-server.ts <port>`.
import { Server } from '@hocuspocus/server';

const port = Number(process.argv[2]);
const server = new Server({ port, address: '127.0.0.1', quiet: true });
await server.listen();
process.stdout.write(`listening on ${port}\n`);
