import { createHash, createHmac, randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for dysmsapi.aliyuncs.com and sms.tencentcloudapi.com. Each checks every request
 * the way its provider documents (signature recomputed from the canonical request with the test
 * secret, action, version, required parameters) and answers with the provider's documented bodies,
 * so the provider classes run against them exactly as against the real gateways.
 */
export interface GatewayRequest {
  action: string;
  /** Aliyun: the query parameters; Tencent: the JSON body. */
  params: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

/** What the stand-in answers to one accepted request; `undefined` falls back to the default answer. */
export type Responder = (request: GatewayRequest) => { status?: number; body: unknown; delayMs?: number } | undefined;

export interface GatewayStandIn {
  port: number;
  /** Requests that passed the signature check, in arrival order. */
  accepted: GatewayRequest[];
  /** Requests refused for their signature or credentials. */
  refused: { action: string; code: string }[];
  /** Answers the next requests with these, one each, before the defaults again. */
  queue(...responders: Responder[]): void;
  /** Answers every request from now on (receipt tables, slow answers); `undefined` from it: the default. */
  always(responder: Responder | null): void;
  close(): Promise<void>;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as Aliyun's canonical query string wants it. */
const percent = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function startServer(handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void>): Promise<Server> {
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => handle(req, body, res))
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function controls() {
  const queued: Responder[] = [];
  let standing: Responder | null = null;
  return {
    queue: (...r: Responder[]) => queued.push(...r),
    always: (r: Responder | null) => {
      standing = r;
    },
    answer: (request: GatewayRequest) => (queued.shift() ?? standing ?? (() => undefined))(request),
  };
}

const send = async (res: ServerResponse, status: number, body: unknown, delayMs = 0) => {
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
  res.end(JSON.stringify(body));
};

/**
 * Alibaba Cloud's V3 signature (ACS3-HMAC-SHA256): CanonicalRequest = method, URI, sorted and
 * RFC 3986-encoded query, the signed headers (lower-case name:trimmed value, sorted; host, content-type
 * and every x-acs-* must be signed), the signed header names, and the hex SHA-256 of the body;
 * Signature = hex HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex SHA-256(CanonicalRequest)).
 */
export async function startAliyunStandIn(keys: { accessKeyId: string; accessKeySecret: string }): Promise<GatewayStandIn> {
  const accepted: GatewayRequest[] = [];
  const refused: GatewayStandIn['refused'] = [];
  const control = controls();
  const requestId = () => randomUUID().toUpperCase();
  const server = await startServer(async (req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const action = String(req.headers['x-acs-action'] ?? '');
    const refuse = (status: number, code: string, message: string) => {
      refused.push({ action, code });
      return send(res, status, { RequestId: requestId(), HostId: 'dysmsapi.aliyuncs.com', Code: code, Message: message, Recommend: 'https://api.aliyun.com/troubleshoot' });
    };
    const auth = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''));
    if (!auth) return refuse(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    const [, credential, signedHeaderList, signature] = auth as unknown as [string, string, string, string];
    if (credential !== keys.accessKeyId) return refuse(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    const signedHeaders = signedHeaderList.split(';');
    const mustSign = Object.keys(req.headers).filter((h) => h === 'host' || h === 'content-type' || h.startsWith('x-acs-'));
    if (mustSign.some((h) => !signedHeaders.includes(h)) || [...signedHeaders].sort().join(';') !== signedHeaderList) {
      return refuse(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    }
    if (req.headers['x-acs-content-sha256'] !== sha256(body)) return refuse(400, 'IncompleteSignature', 'x-acs-content-sha256 does not match the body.');
    const query = [...url.searchParams.entries()].map(([k, v]) => [percent(k), percent(v)] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const canonicalRequest = [
      req.method,
      url.pathname,
      query.map(([k, v]) => `${k}=${v}`).join('&'),
      signedHeaders.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`).join(''),
      signedHeaderList,
      sha256(body),
    ].join('\n');
    const expected = hmac(keys.accessKeySecret, `ACS3-HMAC-SHA256\n${sha256(canonicalRequest)}`).toString('hex');
    if (expected !== signature) return refuse(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${canonicalRequest}`);
    if (req.method !== 'POST' || url.pathname !== '/') return refuse(400, 'InvalidParameter', 'POST / expected');
    if (req.headers['x-acs-version'] !== '2017-05-25') return refuse(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(String(req.headers['x-acs-date'])) || !req.headers['x-acs-signature-nonce']) {
      return refuse(400, 'MissingParameter', 'x-acs-date and x-acs-signature-nonce are required.');
    }
    const params = Object.fromEntries(url.searchParams.entries());
    const request: GatewayRequest = { action, params, headers: req.headers };
    if (action === 'SendSms') {
      const missing = ['PhoneNumbers', 'SignName', 'TemplateCode'].filter((p) => !params[p]);
      if (missing.length > 0) return send(res, 400, { RequestId: requestId(), Code: 'MissingParameter', Message: `${missing[0]} is mandatory for this action.` });
      try {
        JSON.parse(params.TemplateParam ?? '{}');
      } catch {
        return send(res, 200, { RequestId: requestId(), Code: 'isv.INVALID_JSON_PARAM', Message: 'JSON参数不合法，只接受字符串值' });
      }
      accepted.push(request);
      const answer = control.answer(request);
      return send(res, answer?.status ?? 200, answer?.body ?? { RequestId: requestId(), Message: 'OK', BizId: `${Date.now()}${accepted.length}^0`, Code: 'OK' }, answer?.delayMs);
    }
    if (action === 'QuerySendDetails') {
      accepted.push(request);
      const answer = control.answer(request);
      return send(res, answer?.status ?? 200, answer?.body ?? { RequestId: requestId(), Code: 'OK', Message: 'OK', TotalCount: 0, SmsSendDetailDTOs: { SmsSendDetailDTO: [] } }, answer?.delayMs);
    }
    return refuse(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method.`);
  });
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    refused,
    queue: control.queue,
    always: control.always,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Tencent Cloud's TC3-HMAC-SHA256: CanonicalRequest = method, "/", the query ("" for POST),
 * "content-type:…\nhost:…\n", "content-type;host", hex SHA-256 of the payload; the key is derived
 * HMAC("TC3"+SecretKey, date) → service → "tc3_request", and StringToSign names the algorithm,
 * X-TC-Timestamp, the scope date/sms/tc3_request and the hashed CanonicalRequest. The host signed is
 * the domain (sms.tencentcloudapi.com); the stand-in listens on another port of it.
 */
export async function startTencentStandIn(keys: { secretId: string; secretKey: string }): Promise<GatewayStandIn> {
  const accepted: GatewayRequest[] = [];
  const refused: GatewayStandIn['refused'] = [];
  const control = controls();
  const server = await startServer(async (req, body, res) => {
    const action = String(req.headers['x-tc-action'] ?? '');
    const requestId = randomUUID();
    const error = (code: string, message: string) => send(res, 200, { Response: { Error: { Code: code, Message: message }, RequestId: requestId } });
    const refuse = (code: string, message: string) => {
      refused.push({ action, code });
      return error(code, message);
    };
    const auth = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z]+)\/tc3_request, SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$/.exec(String(req.headers.authorization ?? ''));
    if (!auth) return refuse('AuthFailure.InvalidAuthorization', 'Authorization is invalid.');
    const [, secretId, date, service, signedHeaderList, signature] = auth as unknown as [string, string, string, string, string, string];
    if (secretId !== keys.secretId) return refuse('AuthFailure.SecretIdNotFound', 'The SecretId is not found.');
    const timestamp = Number(req.headers['x-tc-timestamp']);
    if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return refuse('AuthFailure.SignatureExpire', 'Signature expired.');
    if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date || service !== 'sms') return refuse('AuthFailure.SignatureFailure', 'The credential scope is wrong.');
    const signedHeaders = signedHeaderList.split(';');
    if (!signedHeaders.includes('content-type') || !signedHeaders.includes('host')) return refuse('AuthFailure.SignatureFailure', 'content-type and host must be signed.');
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    const canonicalHeaders = signedHeaders.map((h) => `${h}:${h === 'host' ? host : String(req.headers[h] ?? '').trim().toLowerCase()}\n`).join('');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const canonicalRequest = [req.method, url.pathname, url.search.slice(1), canonicalHeaders, signedHeaderList, sha256(body)].join('\n');
    const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), `${date}/${service}/tc3_request`, sha256(canonicalRequest)].join('\n');
    const signingKey = hmac(hmac(hmac(`TC3${keys.secretKey}`, date), service), 'tc3_request');
    if (hmac(signingKey, stringToSign).toString('hex') !== signature) {
      return refuse('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
    }
    if (req.headers['x-tc-version'] !== '2021-01-11') return error('InvalidParameterValue', 'X-TC-Version must be 2021-01-11 for this action.');
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return error('FailedOperation.JsonParseFail', '解析请求包体时候失败。');
    }
    const request: GatewayRequest = { action, params, headers: req.headers };
    if (action === 'SendSms') {
      const phones = params.PhoneNumberSet;
      if (!Array.isArray(phones) || phones.length === 0 || !params.SmsSdkAppId || !params.TemplateId) return error('MissingParameter', 'PhoneNumberSet, SmsSdkAppId and TemplateId are required.');
      accepted.push(request);
      const answer = control.answer(request);
      const ok = {
        Response: {
          SendStatusSet: phones.map((phone: string, i: number) => ({ SerialNo: `5000:${Date.now()}${accepted.length}${i}`, PhoneNumber: phone, Fee: 1, SessionContext: '', Code: 'Ok', Message: 'send success', IsoCode: 'CN' })),
          RequestId: requestId,
        },
      };
      return send(res, answer?.status ?? 200, answer?.body ?? ok, answer?.delayMs);
    }
    if (action === 'PullSmsSendStatus') {
      accepted.push(request);
      const answer = control.answer(request);
      return send(res, answer?.status ?? 200, answer?.body ?? { Response: { PullSmsSendStatusSet: [], RequestId: requestId } }, answer?.delayMs);
    }
    return error('InvalidAction', `The action ${action} is not found.`);
  });
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    refused,
    queue: control.queue,
    always: control.always,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An HTTP agent that resolves every name to this machine, so the SDK can keep the real domain in its signature. */
export function loopbackAgent(): Agent {
  return new Agent({
    lookup: ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
      options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)) as never,
  });
}
