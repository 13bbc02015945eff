// The infra files (infra/README.md), validated without a container engine, which our CI does not have: every check is
// a function from the parsed files to a list of problems, run once on the real files (expecting none) and once on a
// copy broken on purpose (expecting exactly that problem), so that no check can pass whatever the files say.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const composeDir = join(root, 'infra/compose');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

// ---- the files, parsed ----

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { published?: string | number; target?: number })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
}
interface Compose {
  services?: Record<string, Service>;
  volumes?: Record<string, unknown>;
}
interface ComposeFile {
  file: string;
  text: string;
  compose: Compose;
}

const parseCompose = (file: string, text: string): ComposeFile => {
  // `merge`: the `<<:` keys Compose understands (YAML 1.1 merge keys).
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return { file, text, compose: doc.toJS() as Compose };
};
const composeFiles = readdirSync(composeDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => parseCompose(f, readFileSync(join(composeDir, f), 'utf8')));
const composeFile = (name: string): ComposeFile => {
  const found = composeFiles.find((c) => c.file === name);
  if (!found) throw new Error(`infra/compose/${name} is missing`);
  return found;
};

const parseEnvFile = (text: string): Env =>
  Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line))
      .flatMap((m) => (m ? [[m[1] ?? '', m[2] ?? '']] : [])),
  );
const exampleEnv = parseEnvFile(read('infra/compose/example.env'));

/** `${NAME}`, `${NAME:?message}`, `${NAME:-default}` as Compose resolves them from the env file. */
const interpolate = (value: string, env: Env): string =>
  value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[?-][^}]*)?\}/g, (_, name: string) => env[name] ?? `<unset ${name}>`);
const variablesUsed = (text: string): string[] =>
  [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? '');

const envOf = (service: Service): Env => {
  const raw = service.environment ?? {};
  const pairs = Array.isArray(raw)
    ? raw.map((entry) => [entry.split('=')[0] ?? '', entry.split('=').slice(1).join('=')])
    : Object.entries(raw).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(pairs) as Env;
};

/** The Dockerfile a service is built from, relative to the repository root (compose paths are relative to the file). */
const dockerfileOf = (service: Service): string | undefined => {
  const build = service.build;
  if (build === undefined) return undefined;
  const context = typeof build === 'string' ? build : (build.context ?? '.');
  const dockerfile = typeof build === 'string' ? 'Dockerfile' : (build.dockerfile ?? 'Dockerfile');
  return resolve(composeDir, context, dockerfile).slice(root.length + 1);
};
type Kind = 'command' | 'query';
const kindOf = (service: Service): Kind | undefined => {
  const dockerfile = basename(dockerfileOf(service) ?? '');
  return dockerfile.startsWith('command-service')
    ? 'command'
    : dockerfile.startsWith('query-service')
      ? 'query'
      : undefined;
};
const servicesOf = (c: Compose): [string, Service][] => Object.entries(c.services ?? {});

// What each service's config.ts reads (its only reader of the environment), and its default port.
const configText: Record<Kind, string> = {
  command: read('services/command-service/src/config.ts'),
  query: read('services/query-service/src/config.ts'),
};
const variablesRead = (kind: Kind): Set<string> => new Set(configText[kind].match(/\bLEDGER_[A-Z0-9_]+/g) ?? []);
const defaultPort = (kind: Kind): number => {
  const name = kind === 'command' ? 'LEDGER_COMMAND_PORT' : 'LEDGER_QUERY_PORT';
  return Number(new RegExp(`${name}:[^\\n]*default\\((\\d+)\\)`).exec(configText[kind])?.[1]);
};

// ---- the checks: each returns the problems it finds ----

const checkBuildable = ({ compose }: ComposeFile): string[] =>
  servicesOf(compose).flatMap(([name, s]) => {
    if (!s.image && !s.build) return [`${name}: neither image nor build`];
    const dockerfile = dockerfileOf(s);
    return dockerfile && !existsSync(join(root, dockerfile)) ? [`${name}: ${dockerfile} does not exist`] : [];
  });

const checkHealthchecks = ({ compose }: ComposeFile): string[] =>
  servicesOf(compose).flatMap(([name, s]) => {
    const test = s.healthcheck?.test;
    const empty =
      test === undefined || (Array.isArray(test) ? test.length < 2 || test[0] === 'NONE' : test.trim() === '');
    return empty || s.healthcheck?.disable ? [`${name}: no healthcheck`] : [];
  });

const conditions = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);
const checkDependsOn = ({ compose }: ComposeFile): string[] =>
  servicesOf(compose).flatMap(([name, s]) => {
    const deps = s.depends_on ?? {};
    if (Array.isArray(deps)) return deps.length > 0 ? [`${name}: depends_on without conditions`] : [];
    return Object.entries(deps).flatMap(([target, { condition }]) => {
      const other = compose.services?.[target];
      if (!other) return [`${name}: depends on unknown service ${target}`];
      if (!condition || !conditions.has(condition)) return [`${name}: depends on ${target} without a valid condition`];
      return condition === 'service_healthy' && !other.healthcheck
        ? [`${name}: waits for ${target}, which has no healthcheck`]
        : [];
    });
  });

const checkLedgerVariables = ({ compose }: ComposeFile): string[] =>
  servicesOf(compose).flatMap(([name, s]) => {
    const kind = kindOf(s);
    const names = Object.keys(envOf(s)).filter((k) => k.startsWith('LEDGER_'));
    if (!kind) return names.length > 0 ? [`${name}: LEDGER_ variables for a service that is not ours`] : [];
    if (!envOf(s).LEDGER_STORE) return [`${name}: no LEDGER_STORE`];
    return names
      .filter((k) => !variablesRead(kind).has(k))
      .map((k) => `${name}: ${k} is not read by the ${kind} service`);
  });

const checkInterpolation = ({ file, text }: ComposeFile, env: Env): string[] =>
  variablesUsed(text)
    .filter((v) => !(v in env))
    .map((v) => `${file}: \${${v}} is not in example.env`);

const hostPort = (port: Service['ports'] extends (infer P)[] | undefined ? P : never): string =>
  typeof port === 'object' ? String(port.published) : (String(port).split(':').slice(0, -1).at(-1) ?? '');
interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}
const mountsOf = (s: Service): Mount[] =>
  (s.volumes ?? []).flatMap((v) => {
    const [source = '', target = '', mode = ''] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
    const readOnly = typeof v === 'string' ? mode.split(',').includes('ro') : (v as { read_only?: boolean }).read_only === true;
    return source && !/^[./~]/.test(source) ? [{ source, target, readOnly }] : [];
  });
/** Named volumes (not bind mounts) a service mounts, all or only those on `target`. */
const namedVolumes = (s: Service, target?: string): string[] =>
  mountsOf(s)
    .filter((m) => target === undefined || m.target === target)
    .map((m) => m.source);

/**
 * Issue 9: the development signing key is generated, never read from a file in git: no service is given
 * LEDGER_JWT_SECRET, and LEDGER_JWT_SECRET_FILE lies on one named volume that the command service mounts writable
 * (it creates the key) and every query service mounts read-only.
 */
const checkSigningKey = ({ compose }: ComposeFile): string[] =>
  servicesOf(compose).flatMap(([name, s]) => {
    const kind = kindOf(s);
    const env = envOf(s);
    if (env.LEDGER_JWT_SECRET !== undefined) return [`${name}: LEDGER_JWT_SECRET is given, not generated`];
    if (!kind) return [];
    const file = env.LEDGER_JWT_SECRET_FILE;
    if (!file) return [`${name}: no LEDGER_JWT_SECRET_FILE`];
    const folder = file.slice(0, file.lastIndexOf('/'));
    const mount = mountsOf(s).find((m) => m.target === folder);
    if (!mount) return [`${name}: ${folder} is not on a named volume`];
    if (kind === 'command' && mount.readOnly) return [`${name}: cannot write the key to ${mount.source}`];
    if (kind === 'query' && !mount.readOnly) return [`${name}: mounts ${mount.source} writable; it only reads the key`];
    const writer = servicesOf(compose).find(([, o]) => kindOf(o) === 'command');
    return writer && mountsOf(writer[1]).some((m) => m.source === mount.source) ? [] : [`${name}: ${mount.source} is not the command service's`];
  });

const checkQueryReplicas = ({ compose }: ComposeFile, replicas: number): string[] => {
  const queries = servicesOf(compose).filter(([, s]) => kindOf(s) === 'query');
  const problems = queries.length === replicas ? [] : [`${queries.length} query services, expected ${replicas}`];
  const ports = queries.flatMap(([, s]) => (s.ports ?? []).map(hostPort));
  // each replica's own read models; a volume they all read (ledger-keys) is shared on purpose
  const volumes = queries.flatMap(([, s]) => namedVolumes(s, '/data'));
  if (ports.length < queries.length || new Set(ports).size !== ports.length)
    problems.push(`query host ports not distinct: ${ports.join(', ')}`);
  if (volumes.length < queries.length || new Set(volumes).size !== volumes.length)
    problems.push(`query volumes not distinct: ${volumes.join(', ')}`);
  for (const [name, s] of queries) {
    if (!(s.volumes ?? []).some((v) => (typeof v === 'string' ? v.endsWith(':/data') : v.target === '/data'))) {
      problems.push(`${name}: no volume on /data for its read models`);
    }
  }
  for (const volume of servicesOf(compose).flatMap(([, s]) => namedVolumes(s))) {
    if (!compose.volumes || !(volume in compose.volumes)) problems.push(`volume ${volume} is not declared`);
  }
  return problems;
};

/** Every LEDGER_STORE in the file, as Compose would pass it. */
const storesOf = ({ compose }: ComposeFile, env: Env): string[] =>
  servicesOf(compose).flatMap(([, s]) =>
    envOf(s).LEDGER_STORE ? [interpolate(envOf(s).LEDGER_STORE ?? '', env)] : [],
  );

const checkEsdbStore = (store: string, { compose }: ComposeFile): string[] => {
  const m = /^(?:esdb|kurrentdb)(?:\+discover)?:\/\/(?:[^@/]*@)?([^/?]+)\/?(?:\?(.*))?$/.exec(store);
  if (!m) return [`${store}: not an esdb:// or kurrentdb:// connection string`];
  const hosts = (m[1] ?? '').split(',').map((h) => h.split(':'));
  const options = new URLSearchParams(m[2] ?? '');
  const problems = hosts.length === 3 ? [] : [`${store}: ${hosts.length} nodes, expected 3`];
  for (const [host = '', port = ''] of hosts) {
    if (!compose.services?.[host]?.image?.includes('kurrentdb'))
      problems.push(`${store}: ${host} is not a KurrentDB service`);
    if (port !== '2113') problems.push(`${store}: ${host} on port ${port}, the nodes listen on 2113`);
  }
  if (options.get('tls') !== 'false') problems.push(`${store}: the local cluster is insecure, so tls=false`);
  return problems;
};

const checkKurrentCluster = ({ compose, text }: ComposeFile): string[] => {
  const nodes = servicesOf(compose).filter(([, s]) => s.image?.includes('kurrentdb'));
  const problems = nodes.length === 3 ? [] : [`${nodes.length} KurrentDB nodes, expected 3`];
  const ips = new Map(nodes.map(([name, s]) => [name, envOf(s).KURRENTDB_REPLICATION_IP]));
  for (const [name, s] of nodes) {
    const env = envOf(s);
    if (env.KURRENTDB_CLUSTER_SIZE !== '3') problems.push(`${name}: cluster size ${env.KURRENTDB_CLUSTER_SIZE}`);
    const seeds = (env.KURRENTDB_GOSSIP_SEED ?? '').split(',').sort();
    const others = [...ips]
      .filter(([n]) => n !== name)
      .map(([, ip]) => `${ip}:2113`)
      .sort();
    if (seeds.join() !== others.join())
      problems.push(`${name}: gossip seeds ${seeds.join()} are not the other nodes ${others.join()}`);
  }
  if (!/production needs certificates/i.test(text)) problems.push('no comment that production needs certificates');
  return problems;
};

const checkPostgresStore = (store: string, { compose }: ComposeFile): string[] => {
  let url: URL;
  try {
    url = new URL(store);
  } catch {
    return [`${store}: not a URL`];
  }
  const db = compose.services?.[url.hostname];
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return [`${store}: not postgres://`];
  if (!db?.image?.startsWith('postgres:18')) return [`${store}: ${url.hostname} is not the PostgreSQL 18 service`];
  const env = envOf(db);
  const problems: string[] = [];
  if (url.pathname.slice(1) !== env.POSTGRES_DB) problems.push(`${store}: database is not ${env.POSTGRES_DB}`);
  if (decodeURIComponent(url.username) !== env.POSTGRES_USER)
    problems.push(`${store}: user is not ${env.POSTGRES_USER}`);
  if (decodeURIComponent(url.password) !== interpolate(env.POSTGRES_PASSWORD ?? '', exampleEnv)) {
    problems.push(`${store}: password differs from the database's`);
  }
  if (!namedVolumes(db).length) problems.push('postgres: no volume for its data');
  return problems;
};

interface Instruction {
  keyword: string;
  args: string;
}
const parseDockerfile = (text: string): Instruction[] =>
  text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
const pnpmVersion = (JSON.parse(read('package.json')) as { packageManager: string }).packageManager.replace(
  'pnpm@',
  '',
);

const checkDockerfile = (text: string, kind: Kind): string[] => {
  const instructions = parseDockerfile(text);
  const all = (keyword: string) => instructions.filter((i) => i.keyword === keyword);
  const froms = all('FROM');
  const problems: string[] = [];
  if (froms.length < 2) problems.push('not multi-stage (one FROM)');
  if (!froms.every((f) => f.args.startsWith('node:24-slim'))) problems.push('not FROM node:24-slim');
  const user = all('USER').at(-1)?.args;
  if (!user || /^(root|0)(:|$)/.test(user)) problems.push(`runs as ${user ?? 'root'}`);
  const health = all('HEALTHCHECK').at(-1)?.args ?? '';
  if (!health.includes('/health')) problems.push('no HEALTHCHECK on /health');
  const exposed = all('EXPOSE').flatMap((i) => i.args.split(/\s+/));
  if (!exposed.includes(String(defaultPort(kind)))) problems.push(`does not EXPOSE ${defaultPort(kind)}`);
  const cmd = all('CMD').at(-1)?.args;
  const argv = cmd?.startsWith('[') ? (JSON.parse(cmd) as string[]) : undefined;
  if (!argv || argv[0] !== 'node' || !argv[1] || !existsSync(join(root, argv[1])))
    problems.push(`CMD ${cmd} does not run an existing file with node`);
  const runs = all('RUN').map((i) => i.args);
  if (!runs.some((r) => r.includes('pnpm install --frozen-lockfile')))
    problems.push('no pnpm install --frozen-lockfile');
  if (!runs.some((r) => r.includes(`pnpm@${pnpmVersion}`))) problems.push(`pnpm is not ${pnpmVersion}, package.json's`);
  // the volumes' mount points belong to the service's user, so a new named volume takes that owner
  // (checked only for a user that is not root, which is a problem of its own)
  const chowned = runs.filter((r) => /\bchown\b/.test(r)).join(' ');
  for (const dir of user && !/^(root|0)(:|$)/.test(user) ? ['/data', '/keys'] : [])
    if (!new RegExp(`chown ${user}:\\S+[^&]* ${dir}(\\s|$)`).test(chowned)) problems.push(`${dir} is not owned by ${user}`);
  const env: Env = Object.fromEntries(
    all('ENV').flatMap((i) => [...i.args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1] ?? '', m[2] ?? ''])),
  );
  if (env.LEDGER_HOST !== '0.0.0.0') problems.push('LEDGER_HOST is not 0.0.0.0');
  for (const name of Object.keys(env).filter((k) => k.startsWith('LEDGER_'))) {
    if (!variablesRead(kind).has(name)) problems.push(`ENV ${name} is not read by the ${kind} service`);
  }
  return problems;
};

// ---- the real files ----

const cluster = composeFile('kurrentdb-cluster.yml');
const postgres = composeFile('postgres.yml');
const dockerfiles: Record<Kind, string> = {
  command: read('infra/docker/command-service.Dockerfile'),
  query: read('infra/docker/query-service.Dockerfile'),
};

describe('infra files, checked without a container engine', () => {
  it('has both compose files, and every one parses', () => {
    expect(composeFiles.map((c) => c.file).sort()).toEqual(['kurrentdb-cluster.yml', 'postgres.yml']);
    for (const { file, compose } of composeFiles) expect(Object.keys(compose.services ?? {}), file).not.toHaveLength(0);
    expect(() => parseCompose('broken.yml', 'services:\n  a: [\n')).toThrow(/broken\.yml/);
  });

  for (const c of composeFiles) {
    describe(c.file, () => {
      it('builds or pulls every service, with Dockerfiles that exist', () => expect(checkBuildable(c)).toEqual([]));
      it('gives every service a healthcheck', () => expect(checkHealthchecks(c)).toEqual([]));
      it('makes every depends_on a condition that can be met', () => expect(checkDependsOn(c)).toEqual([]));
      it('gives our services only LEDGER_ variables their config.ts reads', () =>
        expect(checkLedgerVariables(c)).toEqual([]));
      it('uses only variables that example.env defines', () => expect(checkInterpolation(c, exampleEnv)).toEqual([]));
      it('generates the signing key into a volume the query services only read', () =>
        expect(checkSigningKey(c)).toEqual([]));
    });
  }

  it('runs a 3-node KurrentDB cluster with gossip seeds, and the services on all three nodes', () => {
    expect(checkKurrentCluster(cluster)).toEqual([]);
    const stores = storesOf(cluster, exampleEnv);
    expect(stores).toHaveLength(3);
    for (const store of stores) expect(checkEsdbStore(store, cluster)).toEqual([]);
  });

  it('runs two query replicas with their own host ports and read-model volumes', () => {
    expect(checkQueryReplicas(cluster, 2)).toEqual([]);
    expect(checkQueryReplicas(postgres, 1)).toEqual([]);
  });

  it('runs the services on PostgreSQL 18 with a volume', () => {
    const stores = storesOf(postgres, exampleEnv);
    expect(stores).toHaveLength(2);
    for (const store of stores) expect(checkPostgresStore(store, postgres)).toEqual([]);
  });

  it('keeps only placeholders in example.env, and no signing secret (issue 9: the key is generated)', () => {
    expect(Object.keys(exampleEnv).sort()).toEqual(['POSTGRES_PASSWORD']);
    for (const value of Object.values(exampleEnv)) expect(value).toMatch(/^example-only-not-a-secret/);
  });

  for (const kind of ['command', 'query'] as const) {
    it(`builds the ${kind} service: multi-stage, non-root, healthcheck, port ${defaultPort(kind)}, an existing CMD`, () => {
      expect(checkDockerfile(dockerfiles[kind], kind)).toEqual([]);
    });
  }
});

// ---- each check, shown to fail ----

const mutated = (c: ComposeFile, change: (compose: Compose) => void): ComposeFile => {
  const copy = structuredClone(c);
  change(copy.compose);
  return copy;
};
const service = (compose: Compose, name: string): Service => {
  const found = compose.services?.[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
};

describe('the infra checks catch what they are for', () => {
  it('a service with neither image nor build, or a Dockerfile that does not exist', () => {
    expect(checkBuildable(mutated(postgres, (c) => delete service(c, 'postgres').image))).toEqual([
      'postgres: neither image nor build',
    ]);
    const moved = mutated(
      postgres,
      (c) => (service(c, 'query-service').build = { context: '../..', dockerfile: 'infra/docker/gone.Dockerfile' }),
    );
    expect(checkBuildable(moved)).toEqual(['query-service: infra/docker/gone.Dockerfile does not exist']);
  });

  it('a service without a healthcheck, or with it disabled', () => {
    expect(checkHealthchecks(mutated(cluster, (c) => delete service(c, 'query-service-2').healthcheck))).toEqual([
      'query-service-2: no healthcheck',
    ]);
    expect(
      checkHealthchecks(mutated(cluster, (c) => (service(c, 'kurrentdb2').healthcheck = { test: ['NONE'] }))),
    ).toEqual(['kurrentdb2: no healthcheck']);
  });

  it('depends_on an unknown service, without a condition, or waiting for a health that is never reported', () => {
    const unknown = mutated(
      postgres,
      (c) => (service(c, 'command-service').depends_on = { db: { condition: 'service_healthy' } }),
    );
    expect(checkDependsOn(unknown)).toEqual(['command-service: depends on unknown service db']);
    expect(checkDependsOn(mutated(postgres, (c) => (service(c, 'command-service').depends_on = ['postgres'])))).toEqual(
      ['command-service: depends_on without conditions'],
    );
    const unhealthy = mutated(postgres, (c) => delete service(c, 'postgres').healthcheck);
    expect(checkDependsOn(unhealthy)).toContain('command-service: waits for postgres, which has no healthcheck');
  });

  it('a LEDGER_ variable the service does not read, and a service without LEDGER_STORE', () => {
    const typo = mutated(
      cluster,
      (c) =>
        (service(c, 'query-service-1').environment = { ...envOf(service(c, 'query-service-1')), LEDGER_STOR: 'x' }),
    );
    expect(checkLedgerVariables(typo)).toEqual(['query-service-1: LEDGER_STOR is not read by the query service']);
    // A command-service-only variable given to a query service.
    const misplaced = mutated(
      postgres,
      (c) =>
        (service(c, 'query-service').environment = { ...envOf(service(c, 'query-service')), LEDGER_BODY_LIMIT: '1mb' }),
    );
    expect(checkLedgerVariables(misplaced)).toEqual([
      'query-service: LEDGER_BODY_LIMIT is not read by the query service',
    ]);
    const storeless = mutated(
      postgres,
      (c) => (service(c, 'command-service').environment = { LEDGER_LOG_LEVEL: 'info' }),
    );
    expect(checkLedgerVariables(storeless)).toEqual(['command-service: no LEDGER_STORE']);
  });

  it('a variable missing from example.env', () => {
    const { POSTGRES_PASSWORD: _dropped, ...rest } = exampleEnv;
    expect(new Set(checkInterpolation(postgres, rest))).toEqual(new Set(['postgres.yml: ${POSTGRES_PASSWORD} is not in example.env']));
  });

  it('a signing secret given rather than generated, or its key volume missing, writable by a query service or not shared', () => {
    const given = mutated(postgres, (c) => {
      const s = service(c, 'query-service');
      s.environment = { ...envOf(s), LEDGER_JWT_SECRET: '${LEDGER_JWT_SECRET}' };
    });
    expect(checkSigningKey(given)).toEqual(['query-service: LEDGER_JWT_SECRET is given, not generated']);
    const unmounted = mutated(cluster, (c) => (service(c, 'query-service-2').volumes = ['query-2-data:/data']));
    expect(checkSigningKey(unmounted)).toEqual(['query-service-2: /keys is not on a named volume']);
    const writable = mutated(cluster, (c) => (service(c, 'query-service-1').volumes = ['query-1-data:/data', 'ledger-keys:/keys']));
    expect(checkSigningKey(writable)).toEqual(['query-service-1: mounts ledger-keys writable; it only reads the key']);
    const readOnly = mutated(postgres, (c) => (service(c, 'command-service').volumes = ['command-data:/data', 'ledger-keys:/keys:ro']));
    expect(checkSigningKey(readOnly)).toContain('command-service: cannot write the key to ledger-keys');
    const other = mutated(postgres, (c) => (service(c, 'query-service').volumes = ['query-data:/data', 'other-keys:/keys:ro']));
    expect(checkSigningKey(other)).toEqual(["query-service: other-keys is not the command service's"]);
    const noFile = mutated(postgres, (c) => {
      const s = service(c, 'command-service');
      const { LEDGER_JWT_SECRET_FILE: _gone, ...env } = envOf(s);
      s.environment = env;
    });
    expect(checkSigningKey(noFile)).toEqual(['command-service: no LEDGER_JWT_SECRET_FILE']);
  });

  it('query replicas sharing a host port or a volume, a missing replica, an undeclared volume', () => {
    const samePort = mutated(cluster, (c) => (service(c, 'query-service-2').ports = ['127.0.0.1:4201:4200']));
    expect(checkQueryReplicas(samePort, 2)).toEqual(['query host ports not distinct: 4201, 4201']);
    const sameVolume = mutated(cluster, (c) => (service(c, 'query-service-2').volumes = ['query-1-data:/data']));
    expect(checkQueryReplicas(sameVolume, 2)).toEqual(['query volumes not distinct: query-1-data, query-1-data']);
    const one = mutated(cluster, (c) => delete c.services?.['query-service-2']);
    expect(checkQueryReplicas(one, 2)).toContain('1 query services, expected 2');
    const undeclared = mutated(cluster, (c) => delete c.volumes?.['query-2-data']);
    expect(checkQueryReplicas(undeclared, 2)).toEqual(['volume query-2-data is not declared']);
  });

  it('an esdb:// store with two nodes, a node that is not in the file, TLS on an insecure cluster', () => {
    expect(checkEsdbStore('esdb://kurrentdb1:2113,kurrentdb2:2113?tls=false', cluster)).toEqual([
      'esdb://kurrentdb1:2113,kurrentdb2:2113?tls=false: 2 nodes, expected 3',
    ]);
    expect(checkEsdbStore('esdb://kurrentdb1:2113,kurrentdb2:2113,db9:2113?tls=false', cluster)).toEqual([
      'esdb://kurrentdb1:2113,kurrentdb2:2113,db9:2113?tls=false: db9 is not a KurrentDB service',
    ]);
    expect(checkEsdbStore('esdb://kurrentdb1:2113,kurrentdb2:2113,kurrentdb3:2113', cluster)).toEqual([
      'esdb://kurrentdb1:2113,kurrentdb2:2113,kurrentdb3:2113: the local cluster is insecure, so tls=false',
    ]);
    expect(checkEsdbStore('sqlite:./data/events.db', cluster)).toHaveLength(1);
  });

  it('a cluster of two, gossip seeds that miss a node, no word about certificates', () => {
    const two = mutated(cluster, (c) => delete c.services?.kurrentdb3);
    expect(checkKurrentCluster(two)).toContain('2 KurrentDB nodes, expected 3');
    const seeds = mutated(cluster, (c) => {
      const node = service(c, 'kurrentdb1');
      node.environment = { ...envOf(node), KURRENTDB_GOSSIP_SEED: '172.30.240.12:2113' };
    });
    expect(checkKurrentCluster(seeds)).toEqual([
      'kurrentdb1: gossip seeds 172.30.240.12:2113 are not the other nodes 172.30.240.12:2113,172.30.240.13:2113',
    ]);
    expect(
      checkKurrentCluster({ ...cluster, text: cluster.text.replace(/production needs certificates/gi, '') }),
    ).toEqual(['no comment that production needs certificates']);
  });

  it('a postgres:// store to another host, database, user or password', () => {
    const good = storesOf(postgres, exampleEnv)[0] ?? '';
    expect(checkPostgresStore(good.replace('@postgres:', '@db:'), postgres)).toEqual([
      `${good.replace('@postgres:', '@db:')}: db is not the PostgreSQL 18 service`,
    ]);
    expect(checkPostgresStore(good.replace(/\/ledger$/, '/other'), postgres)).toHaveLength(1);
    expect(checkPostgresStore(good.replace('postgres://ledger:', 'postgres://admin:'), postgres)).toHaveLength(1);
    expect(checkPostgresStore(good.replace(':example-only', ':wrong'), postgres)).toHaveLength(1);
    const old = mutated(postgres, (c) => (service(c, 'postgres').image = 'postgres:16'));
    expect(checkPostgresStore(good, old)).toEqual([`${good}: postgres is not the PostgreSQL 18 service`]);
  });

  it('a Dockerfile that is single-stage, runs as root, has no healthcheck, the wrong port or a CMD that is gone', () => {
    const command = dockerfiles.command;
    const cases: [string, string][] = [
      [
        command.replace(/^FROM node:24-slim AS deps$/m, '').replace(/^COPY --from=deps .*$/m, ''),
        'not multi-stage (one FROM)',
      ],
      [command.replace(/^USER node$/m, ''), 'runs as root'],
      [command.replace(/^USER node$/m, 'USER root'), 'runs as root'],
      [command.replace(/^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, ''), 'no HEALTHCHECK on /health'],
      [command.replace(/^EXPOSE 4100$/m, 'EXPOSE 8080'), 'does not EXPOSE 4100'],
      [
        command.replace('services/command-service/src/main.ts"]', 'services/command-service/src/gone.ts"]'),
        'CMD ["node", "services/command-service/src/gone.ts"] does not run an existing file with node',
      ],
      [command.replace('--frozen-lockfile', ''), 'no pnpm install --frozen-lockfile'],
      [command.replace(`pnpm@${pnpmVersion}`, 'pnpm@9.0.0'), `pnpm is not ${pnpmVersion}, package.json's`],
      [command.replace('LEDGER_HOST=0.0.0.0', 'LEDGER_HOST=127.0.0.1'), 'LEDGER_HOST is not 0.0.0.0'],
      [command.replace('chown node:node /data /keys', 'chown node:node /data'), '/keys is not owned by node'],
      [command.replace('FROM node:24-slim\n', 'FROM node:20-slim\n'), 'not FROM node:24-slim'],
      [
        command.replace('LEDGER_COMMAND_PORT=4100', 'LEDGER_QUERY_PORT=4100'),
        'ENV LEDGER_QUERY_PORT is not read by the command service',
      ],
    ];
    for (const [text, problem] of cases) {
      expect(text, problem).not.toBe(command); // the mutation applied
      expect(checkDockerfile(text, 'command'), problem).toEqual([problem]);
    }
    // The query service's Dockerfile is not the command service's.
    expect(checkDockerfile(command, 'query')).toContain('does not EXPOSE 4200');
  });
});
