// The undici Agent of one worker thread: connections per origin capped at the per-host limit, names
// resolved through our c-ares resolver, TLS trust as the user chose, and an optional port map.
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import type { EngineConfig } from '../src/messages.js';
import type { HostResolver } from './resolver.js';

export function createAgent(config: EngineConfig, resolver: HostResolver): Agent {
  const connector = buildConnector({
    timeout: config.connectTimeoutMs,
    rejectUnauthorized: !config.insecure,
    // One TLS context for every connection: built per connection, it re-parses every root certificate.
    ...({ secureContext: createSecureContext(config.caPem ? { ca: [...rootCertificates, config.caPem] } : {}) } as object),
    // Passed through to net.connect / tls.connect.
    ...({ lookup: resolver.lookup } as object),
  });
  const mapped = Object.keys(config.portMap).length > 0;
  const connect: buildConnector.connector = mapped
    ? (options, callback) => {
        const port = Number(options.port || (options.protocol === 'https:' ? 443 : 80));
        connector({ ...options, port: String(config.portMap[port] ?? port) }, callback);
      }
    : connector;
  return new Agent({
    connect,
    connections: config.perHost,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    headersTimeout: config.headersTimeoutMs,
    bodyTimeout: config.bodyTimeoutMs,
  });
}
