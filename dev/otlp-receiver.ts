/**
 * A small OTLP/HTTP trace receiver for tests, the bench and local runs: it answers every export with
 * success and decodes OTLP/JSON bodies (`http/json`) into spans; `http/protobuf` bodies are kept as
 * bytes (counted, not decoded). `npx tsx dev/otlp-receiver.ts [--port 4318]` runs one until Ctrl-C.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly status: { readonly code?: number; readonly message?: string };
  readonly resource: Readonly<Record<string, string | number | boolean>>;
}

export interface ReceivedRequest {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value?: AnyValue };

function value(v: AnyValue | undefined): string | number | boolean {
  if (v?.stringValue !== undefined) return v.stringValue;
  if (v?.intValue !== undefined) return Number(v.intValue);
  if (v?.doubleValue !== undefined) return v.doubleValue;
  if (v?.boolValue !== undefined) return v.boolValue;
  return '';
}

const attributes = (list: KeyValue[] | undefined) => Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));

/** OTLP/JSON ids are hex; base64 (the protobuf JSON mapping) is read too. */
function hexId(id: string | undefined): string {
  if (!id) return '';
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

/** The spans of one OTLP/JSON ExportTraceServiceRequest. */
export function decodeOtlpJson(body: Buffer): ReceivedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as {
    resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }>;
  };
  return (request.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: hexId(s.traceId as string),
        spanId: hexId(s.spanId as string),
        parentSpanId: hexId(s.parentSpanId as string | undefined),
        name: String(s.name),
        kind: Number(s.kind ?? 0),
        attributes: attributes(s.attributes as KeyValue[] | undefined),
        status: (s.status as ReceivedSpan['status'] | undefined) ?? {},
        resource: attributes(rs.resource?.attributes),
      })),
    ),
  );
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

export async function startOtlpReceiver({ port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {}) {
  const spans: ReceivedSpan[] = [];
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    void bodyOf(req).then(
      (body) => {
        const contentType = String(req.headers['content-type'] ?? '');
        requests.push({ path: req.url ?? '', contentType, body });
        if (contentType.startsWith('application/json')) {
          spans.push(...decodeOtlpJson(body));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else {
          // An empty ExportTraceServiceResponse is zero bytes in protobuf.
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        }
      },
      () => res.writeHead(400).end(),
    );
  });
  server.listen(port, host);
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    /** The base URL: OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
    endpoint: `http://${host}:${bound}`,
    spans,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--port');
  const receiver = await startOtlpReceiver({ port: at > 0 ? Number(process.argv[at + 1]) : 4318 });
  process.stdout.write(`OTLP receiver on ${receiver.endpoint} (POST /v1/traces)\n`);
  process.on('SIGINT', () => {
    const bytes = receiver.requests.reduce((sum, r) => sum + r.body.length, 0);
    process.stdout.write(`${receiver.requests.length} exports, ${bytes} bytes, ${receiver.spans.length} JSON spans decoded\n`);
    void receiver.close().then(() => process.exit(0));
  });
}
