// Realistic PoD frames (docs/sources/proofpoint-on-demand.md "The API"): message (one filter verdict per message, keyed by guid) and
// maillog (one parsed sendmail line, keyed by id). A pool of varied templates is rendered once with
// placeholders; each frame substitutes its own id, time, queue id and host, so the simulator can serve
// thousands of frames per second without building objects per frame.
import { createHash } from 'node:crypto';
import { Prng } from '../../support/prng.ts';

export type PodType = 'message' | 'maillog' | 'audit';

const ID = '@@ID@@';
const TS = '@@TS@@';
const QID = '@@QID@@';
const POOL = 64;

const DOMAINS = ['example.com', 'example.net', 'contoso.test', 'fabrikam.test', 'acme.example'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const SUBJECTS = ['Q1 report', 'Invoice 4471', 'Meeting notes', 'Re: shipment', 'Password reset', 'Lunch?'];
const CIPHERS = ['ECDHE-RSA-AES256-GCM-SHA384', 'TLS_AES_256_GCM_SHA384', 'ECDHE-RSA-AES128-GCM-SHA256'];
const DISPOSITIONS: [string, number][] = [
  ['continue', 70],
  ['accept', 15],
  ['discard', 8],
  ['reject', 5],
  ['quarantine', 2],
];

/** The id a frame carries: 32 URL-safe base64 characters for a message guid, 22 for a maillog id. */
export function frameId(seed: number, type: PodType, seq: number): string {
  const h = createHash('sha256').update(`${seed}:${type}:${seq}`).digest('base64');
  return type === 'maillog' ? h.slice(0, 22) : h.replace(/\+/g, '-').replace(/\//g, '_').slice(0, 32);
}

function qidOf(seq: number): string {
  return `5${(seq % 9).toString()}4HFM${seq.toString(36).padStart(6, '0').slice(-6)}`;
}

function address(r: Prng): string {
  return `${r.pick(USERS)}@${r.pick(DOMAINS)}`;
}

function messageTemplate(r: Prng, cid: string): Record<string, unknown> {
  const from = address(r);
  const rcpts = Array.from({ length: r.int(1, 4) }, () => address(r));
  const subject = r.pick(SUBJECTS);
  const disposition = r.weighted(DISPOSITIONS);
  const spam = disposition === 'continue' || disposition === 'accept' ? 0 : r.int(50, 100);
  const ip = `203.0.113.${r.int(1, 255)}`;
  const host = `mail.${from.split('@')[1]}`;
  return {
    guid: ID,
    ts: TS,
    connection: {
      ip,
      host,
      helo: host,
      country: r.pick(['us', 'de', 'gb', 'fr', '**']),
      protocol: 'smtp:smtp',
      resolveStatus: r.chance(0.9) ? 'ok' : '[unknown]',
      sid: r.hex(10),
      tls: { inbound: { cipher: r.pick(CIPHERS), cipherBits: 256, version: r.pick(['TLSv1.2', 'TLSv1.3']) } },
    },
    envelope: { from, rcpts },
    msg: {
      header: {
        from: [`${from.split('@')[0]} <${from}>`],
        to: rcpts,
        subject: [subject],
        'message-id': [`<${r.alnum(12).toLowerCase()}@${from.split('@')[1]}>`],
      },
      normalizedHeader: { from: [from], to: rcpts, subject: [subject] },
      parsedAddresses: { from: [from], to: rcpts, fromDisplayNames: [from.split('@')[0]] },
      lang: r.pick(['en', 'de', 'und', '']),
      sizeBytes: r.int(2_000, 200_000),
    },
    msgParts: r.chance(0.3)
      ? [
          {
            structureId: '1',
            md5: r.hex(32),
            sha256: r.hex(64),
            detectedMime: 'application/pdf',
            detectedExt: 'pdf',
            detectedName: `doc${r.int(1, 999)}.pdf`,
            detectedSizeBytes: r.int(10_000, 900_000),
            disposition: 'attached',
            isArchive: false,
            isCorrupted: false,
            isDeleted: false,
            isProtected: false,
            isTimedOut: false,
            isVirtual: false,
            urls: [],
          },
        ]
      : [],
    filter: {
      qid: QID,
      disposition,
      routeDirection: r.pick(['inbound', 'outbound', 'internal']),
      routes: ['default_inbound'],
      durationSecs: Math.round(r.float() * 10_000) / 10_000,
      msgSizeBytes: r.int(2_000, 200_000),
      suborgs: { sender: '0', rcpts: rcpts.map(() => '0') },
      verified: { rcpts },
      delivered: { rcpts: disposition === 'continue' ? rcpts : [] },
      actions: [{ module: 'spam', rule: spam ? 'spam' : 'notspam', action: disposition, isFinal: true }],
      modules: {
        spam: {
          scores: {
            overall: spam,
            engine: spam,
            classifiers: {
              adult: 0,
              bulk: r.int(0, 30),
              impostor: 0,
              lowpriority: 0,
              malware: 0,
              mlx: 0,
              mlxlog: -200,
              phish: 0,
              spam,
              suspect: 0,
            },
          },
          langs: ['en'],
          version: { definitions: 'main-2503040011', engine: '8.21.0-2409110000' },
        },
        spf: { result: r.pick(['pass', 'fail', 'softfail', 'none']), domain: from.split('@')[1] },
        dkimv: [{ domain: from.split('@')[1], selector: 's1', result: 'pass' }],
      },
    },
    metadata: { origin: { data: { agent: `m${r.digits(7)}.ppops.net`, cid, version: '8.21.0.1358' } } },
  };
}

function maillogTemplate(r: Prng, cid: string): Record<string, unknown> {
  const agent = `m${r.digits(7)}`;
  const to = address(r);
  const relay = `mx.${to.split('@')[1]}. [198.51.100.${r.int(1, 255)}]`;
  const cipher = r.pick(CIPHERS);
  return {
    id: ID,
    ts: TS,
    data: `${TS} ${agent} sendmail[${r.int(1000, 60000)}]: ${QID}: to=<${to}>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, tls_verify=OK, tls_version=TLSv1.2, cipher=${cipher}, pri=${r.int(30000, 200000)}, relay=${relay}, dsn=2.0.0, stat=Sent (Ok: queued)`,
    pps: { agent: `${agent}.ppops.net`, cid },
    sm: {
      qid: QID,
      to: [`<${to}>`],
      delay: '00:00:01',
      xdelay: '00:00:01',
      mailer: 'esmtp',
      pri: String(r.int(30000, 200000)),
      relay,
      dsn: '2.0.0',
      stat: 'Sent (Ok: queued)',
    },
    tls: { version: 'TLSv1.2', verify: 'OK', cipher },
    metadata: {
      customerId: r.guid(),
      origin: { schemaVersion: '20200420', data: { agent: `${agent}.ppops.net`, cid } },
    },
  };
}

function auditTemplate(r: Prng, cid: string): Record<string, unknown> {
  return {
    guid: ID,
    ts: TS,
    audit: {
      action: r.pick(['login', 'update', 'export']),
      level: 'info',
      resourceType: 'user',
      tags: [],
      user: { email: address(r), id: r.guid(), ipAddress: '192.0.2.10' },
    },
    metadata: {
      customerId: r.guid(),
      origin: {
        type: 'cadmin-api-gateway',
        schemaVersion: '20200420',
        data: { agent: 'api', cid, version: '1' },
      },
    },
  };
}

/** Renders frames of one type for one cluster. */
export class FrameRenderer {
  readonly #seed: number;
  readonly #type: PodType;
  readonly #templates: string[][];
  readonly #large: string[][];

  constructor(seed: number, type: PodType, cid: string, largeFrameBytes = 2 * 1024 * 1024) {
    this.#seed = seed;
    this.#type = type;
    const r = Prng.derive(seed, `pod:${type}`);
    const make = type === 'message' ? messageTemplate : type === 'maillog' ? maillogTemplate : auditTemplate;
    const objects = Array.from({ length: POOL }, () => make(r, cid));
    this.#templates = objects.map((o) => split(JSON.stringify(o)));
    // A large message: an attachment with its content (dataBase64), as PoD sends for some messages.
    const blob = Buffer.alloc(Math.ceil((largeFrameBytes * 3) / 4), 'PoD attachment content ').toString(
      'base64',
    );
    this.#large = objects.slice(0, 4).map((o) =>
      split(
        JSON.stringify({
          ...o,
          msgParts: [
            {
              structureId: '2',
              detectedMime: 'application/octet-stream',
              disposition: 'attached',
              dataBase64: blob,
            },
          ],
        }),
      ),
    );
  }

  id(seq: number): string {
    return frameId(this.#seed, this.#type, seq);
  }

  render(seq: number, ts: string, large = false): string {
    const pool = large ? this.#large : this.#templates;
    const parts = pool[seq % pool.length]!;
    const id = this.id(seq);
    const qid = qidOf(seq);
    let out = '';
    for (const p of parts) out += p === ID ? id : p === TS ? ts : p === QID ? qid : p;
    return out;
  }
}

/** The template as literal parts and placeholders, in order. */
function split(json: string): string[] {
  return json.split(/(@@ID@@|@@TS@@|@@QID@@)/).filter((p) => p !== '');
}

/** `2025-03-04T09:15:22.481203-0800`: PoD's ts, in the given offset (minutes east of UTC). */
export function podTs(ms: number, micros: number, offsetMinutes: number, colon = false): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  const frac = `${local.slice(20, 23)}${String(micros).padStart(3, '0')}`;
  return `${local.slice(0, 19)}.${frac}${sign}${hh}${colon ? ':' : ''}${mm}`;
}
