import { parse } from 'yaml';

// What can be checked of docker-compose.yml and the Dockerfile without a Docker engine (none runs
// on the development machines): one message per problem, naming the service and the fix.

interface HealthCheck {
  test?: string | string[];
  disable?: boolean;
}
interface Dependency {
  condition?: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  required?: boolean;
}
export interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  healthcheck?: HealthCheck;
  restart?: string;
  user?: string;
  ports?: (string | number | { published?: string | number; host_ip?: string })[];
  environment?: Record<string, unknown> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  depends_on?: string[] | Record<string, Dependency>;
  command?: string | string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown> | null;
}

export interface Facts {
  /** Variables the configuration schema knows (core/config.ts). */
  envKeys: Set<string>;
  /** The installed @qdrant/js-client-rest version. */
  qdrantClient: string;
  /** The SeaweedFS release the development stack runs (devstack/tools.ts). */
  weedVersion: string;
  /** vecflow's search attributes, which the namespace job registers. */
  searchAttributes: string[];
  /** The store profiles: each has a store service and a worker and API of its own. */
  stores: string[];
}

/** Standard variables the AWS SDK and Node read: not vecflow's to validate. */
const STANDARD_ENV = new Set([
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'NODE_ENV',
  'NODE_OPTIONS',
]);
/** Exact versions: x.y.z (v-prefixed or with a suffix such as -pg17-bookworm). */
const EXACT = /^v?\d+\.\d+\.\d+([-_][\w.-]+)?$/;
/** Projects whose releases are numbered x.y: that is their exact version (SeaweedFS 4.48). */
const TWO_PART_RELEASES = new Set(['chrislusf/seaweedfs']);

export const parseCompose = (text: string) => parse(text, { merge: true }) as ComposeFile;

export function envOf(s: Service): Record<string, string> {
  if (Array.isArray(s.environment))
    return Object.fromEntries(s.environment.map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));
}
const depsOf = (s: Service): Record<string, Dependency> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((d) => [d, { condition: 'service_started' as const }]))
    : (s.depends_on ?? {});
const hasHealthcheck = (s: Service) =>
  !!s.healthcheck && !s.healthcheck.disable && [s.healthcheck.test].flat()[0] !== 'NONE' && !!s.healthcheck.test;
const isOneShot = (s: Service) => s.restart === 'no';
const isVecflow = (s: Service) => s.build !== undefined;
const text = (v: unknown) => [v].flat().join(' ');

/** The image's name and tag (a registry port is not a tag; a digest may follow the tag). */
export function imageTag(image: string): { name: string; tag: string | null } {
  const ref = image.split('@')[0];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { name: ref, tag: null };
}

export function composeProblems(composeText: string, dockerfile: string, facts: Facts): string[] {
  const compose = parseCompose(composeText);
  const services = compose.services ?? {};
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  const used = new Set<string>();
  const problems: string[] = [];
  const problem = (name: string, msg: string) => problems.push(`${name}: ${msg}`);

  for (const [name, s] of Object.entries(services)) {
    // Images: an exact version tag (built images excepted: they come from the Dockerfile).
    if (!isVecflow(s)) {
      const { name: image, tag } = imageTag(s.image ?? '');
      const twoPart = TWO_PART_RELEASES.has(image) && /^\d+\.\d+$/.test(tag ?? '');
      if (!s.image || !tag || tag === 'latest' || !(EXACT.test(tag) || twoPart))
        problem(name, `image ${JSON.stringify(s.image ?? null)} is not pinned to an exact version tag`);
    }
    // Long-running services have a health check; one-shot jobs say so (restart: "no").
    if (!hasHealthcheck(s) && !isOneShot(s)) problem(name, 'no health check (and not a one-shot job: restart "no")');
    if (hasHealthcheck(s) && isOneShot(s)) problem(name, 'a one-shot job with a health check');
    // Ports: back-ends on loopback only; the API beyond it only with required API keys.
    for (const p of s.ports ?? []) {
      const loopback =
        typeof p === 'string' ? p.startsWith('127.0.0.1:') : typeof p === 'object' && p.host_ip === '127.0.0.1';
      const keyed = isVecflow(s) && /^\$\{VECFLOW_API_KEYS:\?/.test(envOf(s).VECFLOW_API_KEYS ?? '');
      if (!loopback && !keyed) problem(name, `port ${JSON.stringify(p)} is published beyond 127.0.0.1`);
    }
    // Volumes: named ones are declared.
    for (const v of s.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] : v.type === 'volume' ? (v.source ?? '') : '';
      if (!source || /^[./~$]/.test(source)) continue;
      used.add(source);
      if (!declared.has(source)) problem(name, `volume ${source} is not declared under volumes:`);
    }
    // depends_on: existing services, conditions they can meet, profiles that start them.
    for (const [dep, d] of Object.entries(depsOf(s))) {
      const target = services[dep];
      if (!target) {
        problem(name, `depends on ${dep}, which is not a service`);
        continue;
      }
      if (d.condition === 'service_healthy' && !hasHealthcheck(target))
        problem(name, `waits for ${dep} to be healthy, but ${dep} has no health check`);
      if (d.condition === 'service_completed_successfully' && !isOneShot(target))
        problem(name, `waits for ${dep} to complete, but ${dep} is not a one-shot job`);
      const mine = s.profiles ?? [];
      const theirs = target.profiles ?? [];
      const started = theirs.length === 0 || (mine.length > 0 && mine.every((p) => theirs.includes(p)));
      if (!started && d.required !== false) problem(name, `depends on ${dep}, which its profiles do not start`);
    }
  }
  for (const v of declared) if (!used.has(v)) problems.push(`volumes: ${v} is declared but unused`);

  // `up --wait` fails on a one-shot job that no running service waits for: in every profile.
  const profiles = [...new Set(Object.values(services).flatMap((s) => s.profiles ?? []))];
  for (const active of [[], ...profiles.map((p) => [p])]) {
    const on = Object.entries(services).filter(
      ([, s]) => !s.profiles?.length || s.profiles.some((p) => active.includes(p)),
    );
    for (const [name] of on.filter(([, s]) => isOneShot(s))) {
      const adopted = on.some(
        ([, o]) => !isOneShot(o) && depsOf(o)[name]?.condition === 'service_completed_successfully',
      );
      if (!adopted) problem(name, `with profiles [${active}], no running service waits for this one-shot job`);
    }
  }

  // vecflow's own services: known variables, the image's user, /data.
  for (const [name, s] of Object.entries(services).filter(([, s]) => isVecflow(s))) {
    const env = envOf(s);
    for (const key of Object.keys(env))
      if (!facts.envKeys.has(key) && !STANDARD_ENV.has(key)) problem(name, `${key} is not a variable vecflow knows`);
    if (s.user !== undefined && s.user !== 'node' && s.user !== '1000') problem(name, `runs as ${s.user}, not node`);
    if (env.VECFLOW_DATA_DIR !== '/data') problem(name, 'VECFLOW_DATA_DIR is not /data');
    if (!(s.volumes ?? []).some((v) => typeof v === 'string' && /^[\w-]+:\/data$/.test(v)))
      problem(name, 'no named volume on /data');
  }
  const finalStage = dockerfile.split(/^FROM /m).at(-1) ?? '';
  const users = [...finalStage.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  if (users.at(-1) !== 'node') problems.push(`Dockerfile: the image runs as ${users.at(-1) ?? 'root'}, not node`);
  const beforeUser = finalStage.slice(0, finalStage.search(/^USER\s+node/m));
  if (!/^RUN .*mkdir -p \/data\b.*chown node:node \/data\b/m.test(beforeUser))
    problems.push('Dockerfile: /data is not created and owned by node before USER node');

  // Versions that must agree, and the store profiles the smoke script relies on.
  const byImage = (prefix: string) => Object.entries(services).filter(([, s]) => s.image?.startsWith(prefix));
  const versionOf = (prefix: string) => byImage(prefix).map(([, s]) => imageTag(s.image!).tag);
  const [qdrant] = versionOf('qdrant/qdrant:');
  const minor = (v: string | null | undefined) => /^v?(\d+\.\d+)\./.exec(v ?? '')?.[1];
  if (minor(qdrant) !== minor(facts.qdrantClient))
    problems.push(`qdrant: server ${qdrant} does not match @qdrant/js-client-rest ${facts.qdrantClient}`);
  for (const weed of versionOf('chrislusf/seaweedfs:'))
    if (weed !== facts.weedVersion)
      problems.push(`seaweedfs: ${weed} is not the development release ${facts.weedVersion}`);
  const [server] = versionOf('temporalio/server:');
  for (const tools of versionOf('temporalio/admin-tools:'))
    if (tools !== server) problems.push(`temporal: admin-tools ${tools} is not the server's version ${server}`);
  const [temporal] = byImage('temporalio/server:');
  if (!temporal || !/temporal\b.*operator cluster health/.test(text(temporal[1].healthcheck?.test)))
    problems.push('temporal: the health check is not `temporal operator cluster health`');
  const setup = Object.values(services)
    .map((s) => text(s.command))
    .join('\n');
  for (const a of facts.searchAttributes)
    if (!setup.includes(a)) problems.push(`temporal: the namespace job does not register search attribute ${a}`);
  for (const store of facts.stores) {
    if (!services[store]?.profiles?.includes(store)) problems.push(`${store}: no store service in profile ${store}`);
    else if (!(services[store].volumes ?? []).some((v) => typeof v === 'string' && v.startsWith(`${store}:`)))
      problems.push(`${store}: its data is not in the volume ${store} (the smoke script wipes it by that name)`);
    for (const role of ['worker', 'api'])
      if (!services[`vecflow-${role}-${store}`]?.profiles?.includes(store))
        problems.push(`vecflow-${role}-${store}: missing from profile ${store}`);
  }
  return problems;
}
