// A tiny authoritative UDP DNS server for the .test zone, so clients can be
// pointed at it (--resolver) and never touch the system resolver.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { addressOf, behaviourOf, isSimName } from './behaviours.js';

export interface DnsServer {
  host: string;
  port: number;
  queries(): number;
  close(): Promise<void>;
}

const NOERROR = 0;
const SERVFAIL = 2;
const NXDOMAIN = 3;
const TTL = 300;

export function startDnsServer(options: { host?: string; port?: number } = {}): Promise<DnsServer> {
  const host = options.host ?? '127.0.0.1';
  const socket = dgram.createSocket('udp4');
  let queries = 0;

  socket.on('message', (msg, rinfo) => {
    queries++;
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: ignore, like a real server would
    }
    const question = query.questions?.[0];
    if (!question) return;
    const behaviour = behaviourOf(question.name);
    if (behaviour === 'dnstimeout' && isSimName(question.name)) return;

    let rcode = NOERROR;
    const answers: dnsPacket.Answer[] = [];
    if (!isSimName(question.name) || behaviour === 'nxdomain') rcode = NXDOMAIN;
    else if (behaviour === 'servfail') rcode = SERVFAIL;
    else if (question.type === 'A') {
      answers.push({ type: 'A', class: 'IN', name: question.name, ttl: TTL, data: addressOf(behaviour) });
    } // any other type for an existing name: NOERROR with no answers (NODATA)

    // dns-packet puts the rcode in the low 4 bits of flags; echo RD from the query.
    const flags =
      dnsPacket.AUTHORITATIVE_ANSWER |
      dnsPacket.RECURSION_AVAILABLE |
      ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
      rcode;
    const reply = dnsPacket.encode({ type: 'response', id: query.id, flags, questions: [question], answers });
    socket.send(reply, rinfo.port, rinfo.address);
  });

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, host, () => {
      socket.off('error', reject);
      resolve({
        host,
        port: socket.address().port,
        queries: () => queries,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
