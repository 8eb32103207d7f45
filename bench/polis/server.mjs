// The bench's Ory Polis peer: @boxyhq/saml-jackson (pinned in package.json) with its SQLite
// engine, served over HTTP the way Polis's own Next.js route serves SCIM
// (pages/api/scim/v2.0/[...directory].ts at v26.2.0): every request under the SCIM path is
// split into [directoryId, resourceType, resourceId], its body and bearer token are read the way
// Next's body parser and Polis's lib/auth + lib/utils read them, and it goes to
// directorySyncController.requests.handle; the status and data it returns are sent as JSON.
// Nothing is added: what Polis does not implement answers whatever Polis answers.
//
// At start it creates two directories (two tenants) through the directory-sync controller,
// fills the second with --fill users (named user000001@ORG.example.com, ORG from --fill-org, as
// the bench's seeded scim-edge orgs name theirs) by POST /Users through the same request
// handler, then listens and writes {"directories": [{"id", "secret", "base"}, ...]} to --out.
//
// usage: node server.mjs --port P --db FILE.sqlite --out directories.json [--fill N --fill-org ORG]

import http from 'node:http';
import { writeFileSync } from 'node:fs';
import querystring from 'node:querystring';
import jacksonModule from '@boxyhq/saml-jackson';

const jackson = jacksonModule.default ?? jacksonModule;

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
      throw new Error(`usage: node server.mjs --port P --db FILE --out FILE (at ${argv[i]})`);
    }
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['port', 'db', 'out']) if (!out[k]) throw new Error(`--${k} is required`);
  out.fill = Number(out.fill ?? 0);
  if (!Number.isInteger(out.fill) || out.fill < 0) throw new Error('--fill takes a count');
  out['fill-org'] ??= 'bench-2';
  return out;
}

const opt = args(process.argv.slice(2));
const host = '127.0.0.1';
const externalUrl = `http://${host}:${opt.port}`;
const scimPath = '/api/scim/v2.0';

// Polis's lib/env.ts reads these from the environment; the bench fixes them. The webhook is
// set on each directory and events are batched (webhookBatchSize), so every write stores its
// event in the database as Polis does for a directory with a webhook; no cron interval is set,
// so the queue is never sent anywhere (the bench sends nothing off loopback).
const { directorySyncController: dsync } = await jackson({
  externalUrl,
  samlPath: '/api/oauth/saml',
  scimPath,
  noAnalytics: true,
  db: { engine: 'sql', type: 'sqlite', url: opt.db },
  dsync: { webhookBatchSize: 50 },
  logger: {
    info: () => {},
    warn: (msg) => console.warn(msg),
    error: (msg, err) => console.error(msg, err ?? ''),
  },
});

const directories = [];
for (const tenant of ['bench-a', 'bench-b']) {
  const { data, error } = await dsync.directories.create({
    name: `scim-edge bench ${tenant}`,
    tenant,
    product: 'scim-edge-bench',
    type: 'azure-scim-v2',
    webhook_url: `http://${host}:9/never-sent`,
    webhook_secret: `bench-${tenant}`,
  });
  if (error) throw new Error(`creating directory ${tenant}: ${error.message}`);
  directories.push({
    id: data.id,
    tenant,
    secret: data.scim.secret,
    base: `${externalUrl}${scimPath}/${data.id}`,
  });
}

// The second directory's users, one at a time (Polis's SQL store on better-sqlite3 shares one
// connection, and concurrent writes collide in nested BEGINs), through the route's handler.
const filled = Date.now();
const [, hot] = directories;
for (let n = 1; n <= opt.fill; n += 1) {
  const userName = `user${String(n).padStart(6, '0')}@${opt['fill-org']}.example.com`;
  const { status, data } = await dsync.requests.handle({
    method: 'POST',
    directoryId: hot.id,
    resourceType: 'Users',
    apiSecret: hot.secret,
    query: {},
    body: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
      active: true,
      displayName: `User ${n}`,
      name: { givenName: 'User', familyName: String(n) },
      emails: [{ primary: true, type: 'work', value: userName }],
    },
  });
  if (status !== 201) throw new Error(`filling ${userName}: HTTP ${status} ${JSON.stringify(data)}`);
}
hot.users = opt.fill;
if (opt.fill) console.error(`polis: filled ${hot.tenant} with ${opt.fill} users in ${Date.now() - filled} ms`);

// Next.js (api-utils/node/parse-body): JSON for application/json and application/ld+json
// (an empty body is {}), a query object for form bodies, otherwise the raw string.
function nextParseBody(contentType, raw) {
  const type = (contentType || 'text/plain').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type === 'application/ld+json') {
    return raw.length === 0 ? {} : JSON.parse(raw);
  }
  if (type === 'application/x-www-form-urlencoded') return querystring.decode(raw);
  return raw;
}

// Polis lib/utils.ts bodyParser: a string that parses to an object is parsed.
function polisBodyParser(body) {
  try {
    return typeof JSON.parse(body) === 'object' ? JSON.parse(body) : body;
  } catch {
    return body;
  }
}

// Polis lib/auth.ts extractAuthToken: the second word of the Authorization header.
function extractAuthToken(header) {
  const parts = (header || '').split(' ');
  return parts.length > 1 ? parts[1] : null;
}

// Next.js searchParamsToUrlQuery: a repeated key becomes an array.
function urlQuery(searchParams) {
  const query = {};
  for (const [key, value] of searchParams) {
    if (query[key] === undefined) query[key] = value;
    else if (Array.isArray(query[key])) query[key].push(value);
    else query[key] = [query[key], value];
  }
  return query;
}

function send(res, status, data) {
  const body = data === undefined ? '' : JSON.stringify(data);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const url = new URL(req.url, externalUrl);
      if (!url.pathname.startsWith(`${scimPath}/`)) return send(res, 404, { error: 'not found' });
      // The catch-all [...directory] segments, URL-decoded as Next decodes them.
      const segments = url.pathname
        .slice(scimPath.length + 1)
        .split('/')
        .filter((s) => s !== '')
        .map(decodeURIComponent);
      if (segments.length === 0) return send(res, 404, { error: 'not found' });
      const [directoryId, path, resourceId] = segments;
      let parsed;
      try {
        parsed = nextParseBody(req.headers['content-type'], Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(res, 400, 'Invalid JSON'); // Next answers a malformed JSON body so.
      }
      const query = urlQuery(url.searchParams);
      const request = {
        body: polisBodyParser(parsed),
        method: req.method,
        directoryId,
        resourceId,
        resourceType: path,
        apiSecret: extractAuthToken(req.headers.authorization),
        query: {
          count: query.count ? parseInt(query.count) : undefined,
          startIndex: query.startIndex ? parseInt(query.startIndex) : undefined,
          filter: query.filter,
        },
      };
      const { status, data } = await dsync.requests.handle(request);
      send(res, status, data);
    } catch (err) {
      // Next turns an exception in an API route into a 500 "Internal Server Error".
      console.error(err);
      if (!res.headersSent) send(res, 500, 'Internal Server Error');
    }
  });
});

server.keepAliveTimeout = 65_000;
server.listen(Number(opt.port), host, () => {
  writeFileSync(opt.out, JSON.stringify({ directories }, null, 2));
  console.error(`polis: listening on ${externalUrl}${scimPath} with ${directories.length} directories`);
});
