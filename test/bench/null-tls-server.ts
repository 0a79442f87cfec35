// A TLS server that requires a client certificate and discards everything: the output benchmark's "null sink".
// Runs as its own process so its work does not share the sender's event loop.
// Usage: node test/bench/null-tls-server.ts <ca> <cert> <key>; prints {"port":N} on stdout once listening.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';

const [ca, cert, key] = process.argv.slice(2).map((f) => readFileSync(f));
const server = createServer({ ca, cert, key, requestCert: true, rejectUnauthorized: true }, (socket) => {
  socket.on('data', () => undefined);
  socket.on('end', () => socket.end());
  socket.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
