#!/usr/bin/env node
'use strict';
// `ecs-batch` (package.json "bin"; `npm link` or `npm i -g .` from this checkout). The CLI is TypeScript,
// run through tsx from this checkout's node_modules, like every other script here; it needs nothing else.
require('tsx/cjs/api').register();
const { main } = require('./index.ts');
main();
