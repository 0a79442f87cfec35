// A small mutual-TLS line receiver in Node, for the sandbox (which must run where rsyslog is not
// installed). Client certificates are required and verified against the CA, like Devo's endpoint.
import { createServer, type TLSSocket } from 'node:tls';
import { readFileSync, createWriteStream } from 'node:fs';
import type { TestPki } from './tls-certs.ts';

export interface TlsLineReceiver {
  readonly port: number;
  /** Lines received per Devo tag (the syslog TAG field). */
  readonly perTag: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

export async function startTlsLineReceiver(opts: {
  pki: TestPki;
  outputFile?: string;
  port?: number;
}): Promise<TlsLineReceiver> {
  const perTag = new Map<string, number>();
  let total = 0;
  const out = opts.outputFile ? createWriteStream(opts.outputFile, { flags: 'a' }) : undefined;
  const sockets = new Set<TLSSocket>();
  const server = createServer(
    {
      ca: readFileSync(opts.pki.caCert),
      cert: readFileSync(opts.pki.serverCert),
      key: readFileSync(opts.pki.serverKey),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (socket) => {
      sockets.add(socket);
      let rest = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        const text = rest + chunk;
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          // <14>TIME HOST TAG: MESSAGE
          const tag = line.split(' ', 4)[2]?.replace(/:$/, '') ?? '?';
          perTag.set(tag, (perTag.get(tag) ?? 0) + 1);
          total++;
        }
        out?.write(lines.length ? `${lines.join('\n')}\n` : '');
      });
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    perTag,
    total: () => total,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.end();
        server.close(() => {
          out?.end();
          resolve();
        });
        setTimeout(() => sockets.forEach((s) => s.destroy()), 2000).unref();
      }),
  };
}
