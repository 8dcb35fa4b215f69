// The layering, checked by a tool (README "Layout"; test/layering.test.ts runs it with the suite).
// Rule syntax: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-sdk',
      comment: 'functions/core is pure: the cloud SDKs are reached through ports that functions/cloud implements.',
      severity: 'error',
      from: { path: '^functions/core/' },
      to: { path: 'node_modules/(@alicloud|@darabonba|tablestore)/' },
    },
    {
      name: 'core-reads-no-files',
      comment: 'functions/core reads no files: configuration is read at the edge and handed in as text.',
      severity: 'error',
      from: { path: '^functions/core/' },
      to: { path: '^(node:)?fs(/promises)?$' },
    },
    {
      name: 'core-imports-no-edge',
      comment: 'functions/core knows no edge, adapter or stand-in: they depend on it, never the other way.',
      severity: 'error',
      from: { path: '^functions/core/' },
      to: { path: '^(functions/(api|sweeper|chatops|cloud)|local)/' },
    },
    {
      name: 'production-imports-no-stand-in',
      comment: 'The stand-ins in local/ are for npm start and tests; no deployed code may load them.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^local/' },
    },
    {
      name: 'cli-is-an-http-client',
      comment: 'The ecs-batch CLI talks to the API over HTTP only, with no app code or SDK (bin.js only registers tsx to run it).',
      severity: 'error',
      from: { path: '^cli/', pathNot: '^cli/bin\\.js$' },
      to: { path: '^(functions|local|scripts)/|node_modules/' },
    },
    {
      name: 'no-cycles',
      comment: 'Import cycles make load order matter and hide which module owns an idea.',
      severity: 'error',
      from: { path: '^(functions|local|scripts|cli)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default'] },
  },
};
