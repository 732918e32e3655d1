// The allowed directions between the folders of src/, checked in `npm test`
// (npm run lint:deps). Each room may import itself and the rooms listed for
// it, nothing else. The table is checked below to be acyclic, so no two
// folders can ever import each other, and nothing imports upward.
//
//   entry points   cli.ts → commands, demo → app
//   composition    app    assembles one process from the rooms below it
//   adapters       proxy (data plane), admin (admin API), k8s (controller, webhook): siblings, never each other
//   the pipeline   pipeline: the steps; reaches the proxy and the kill switch only through ports
//   services       audit, caps, kill, pki, ledger, policy, scope (the Restricted Key picker's data),
//                  limits (connection deadlines, body budget, process guard)
//   leaves         vendors, money, refusal, http, redact (card and secret masking), sqlite (WAL checkpoints), redirect
//                  (init-redirect's rule plan), printable.ts, version.ts, guards.ts
const ALLOWED = {
  'cli.ts': ['commands', 'demo', 'version.ts'],
  commands: ['app', 'k8s', 'redirect', 'scope', 'audit', 'pki', 'policy', 'vendors', 'limits', 'version.ts', 'printable.ts'],
  demo: ['app', 'commands', 'pki', 'policy', 'vendors'],
  app: ['proxy', 'admin', 'k8s', 'pipeline', 'audit', 'caps', 'kill', 'pki', 'ledger', 'policy', 'vendors', 'money', 'refusal', 'limits'],
  k8s: ['admin', 'kill', 'pki', 'policy', 'vendors', 'money', 'refusal', 'http'],
  kubectl: ['commands', 'k8s', 'policy', 'vendors', 'pki'],
  proxy: ['pipeline', 'kill', 'pki', 'policy', 'vendors', 'refusal', 'http', 'limits'],
  admin: ['pipeline', 'audit', 'caps', 'kill', 'ledger', 'policy', 'money', 'limits', 'version.ts', 'guards.ts'],
  pipeline: ['audit', 'caps', 'ledger', 'policy', 'vendors', 'money', 'refusal', 'http'],
  audit: ['policy', 'money', 'redact', 'sqlite', 'printable.ts'],
  caps: ['ledger', 'policy', 'money'],
  kill: [],
  pki: [],
  ledger: ['sqlite'],
  limits: [],
  policy: ['vendors', 'money', 'redact'],
  vendors: ['money', 'refusal', 'guards.ts'],
  money: [],
  refusal: [],
  http: [],
  redact: [],
  sqlite: [],
  redirect: [],
  scope: ['policy', 'vendors', 'money'],
  'printable.ts': [],
  'guards.ts': [],
  'version.ts': [],
};

// Refuse a table with a cycle: the rules below would then allow two folders to import each other.
(function assertAcyclic() {
  const state = {};
  const visit = (room, path) => {
    if (state[room] === 'done') return;
    if (state[room] === 'visiting') throw new Error(`.dependency-cruiser.cjs: folder cycle ${[...path, room].join(' → ')}`);
    state[room] = 'visiting';
    for (const next of ALLOWED[room] ?? []) visit(next, [...path, room]);
    state[room] = 'done';
  };
  for (const room of Object.keys(ALLOWED)) visit(room, []);
})();

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pathOf = (room) => (room.endsWith('.ts') ? `^src/${escape(room)}$` : `^src/${escape(room)}/`);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules must not import each other in a ring.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'pipeline-not-proxy',
      severity: 'error',
      comment: 'The pipeline reaches the data plane only through its ports (pipeline/context.ts).',
      from: { path: '^src/pipeline/' },
      to: { path: '^src/proxy/' },
    },
    {
      name: 'unknown-room',
      severity: 'error',
      comment: 'A new folder under src/ needs its place in the ALLOWED table of .dependency-cruiser.cjs.',
      from: { path: '^src/', pathNot: Object.keys(ALLOWED).map(pathOf) },
      to: {},
    },
    ...Object.entries(ALLOWED).map(([room, allowed]) => ({
      name: `layers-${room.replace('.ts', '')}`,
      severity: 'error',
      comment: `src/${room} may import only: ${allowed.join(', ') || 'nothing outside itself'} (see the table in .dependency-cruiser.cjs)`,
      from: { path: pathOf(room) },
      to: { path: '^src/', pathNot: [room, ...allowed].map(pathOf) },
    })),
    {
      name: 'no-dev-deps-at-run-time',
      severity: 'error',
      comment: 'The image installs production dependencies only.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
  },
};
