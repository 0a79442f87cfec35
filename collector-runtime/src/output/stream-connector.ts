// Opens one output connection: plain TCP, or TLS trusting only the configured chain (system roots when none),
// presenting the client certificate when configured, TLS 1.2 minimum, SNI for host names, optional hostname
// check and OpenSSL security level.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { waitForConnect, waitForTls } from './socket-ready.ts';
import { readTlsFiles, type TlsFileRefs, type TlsMaterial } from './tls-files.ts';

export interface StreamEndpoint {
  address: string;
  port: number;
  tls: boolean;
  files: TlsFileRefs;
  verifyHostname: boolean;
  secLevel?: number | undefined;
  /** Sees the TLS files read for each connect (the client certificate's expiry metric). */
  onTlsMaterial?(material: TlsMaterial): void;
}

export function createStreamConnector(e: StreamEndpoint): (signal: AbortSignal) => Promise<Socket> {
  return async (signal) => {
    if (!e.tls) {
      const socket = netConnect({ host: e.address, port: e.port });
      await waitForConnect(socket, signal);
      return socket;
    }
    // Read on every connect: a rotated certificate Secret takes effect without a restart.
    const material = await readTlsFiles(e.files);
    e.onTlsMaterial?.(material);
    const options: ConnectionOptions = { host: e.address, port: e.port, minVersion: 'TLSv1.2', ...material };
    // SNI must be a host name (RFC 6066); with an IP, Node checks the IP SANs instead.
    if (!isIP(e.address)) options.servername = e.address;
    if (!e.verifyHostname) options.checkServerIdentity = () => undefined;
    if (e.secLevel !== undefined) options.ciphers = `DEFAULT@SECLEVEL=${e.secLevel}`;
    const socket = tlsConnect(options);
    await waitForTls(socket, signal, material.cert !== undefined);
    return socket;
  };
}
