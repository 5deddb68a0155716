// Smoke test of extension.js outside VS Code, with a fake `vscode` module: the executable is found
// on the PATH, a missing one gives a warning and no language client, and a found one starts
// `hps lsp` over stdio. Run by test.sh: `node tests/extension.test.js`.
"use strict";

const assert = require("assert");
const fs = require("fs");
const os = require("os");
const path = require("path");
const Module = require("module");

const warnings = [];
const started = [];
let settings = {};

const fakeVscode = {
  window: {
    showWarningMessage: async (message) => {
      warnings.push(message);
      return undefined;
    },
    createOutputChannel: () => ({ appendLine() {}, dispose() {} }),
  },
  workspace: {
    workspaceFolders: undefined,
    getConfiguration: () => ({ get: (key, fallback) => (key in settings ? settings[key] : fallback) }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
  },
  commands: {
    registerCommand: () => ({ dispose() {} }),
    executeCommand: async () => undefined,
  },
};

class FakeLanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    this.serverOptions = serverOptions;
    this.clientOptions = clientOptions;
  }
  async start() {
    started.push(this);
  }
  async stop() {}
}
const fakeClient = { LanguageClient: FakeLanguageClient, TransportKind: { stdio: 0 } };

const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "vscode") return fakeVscode;
  if (request === "vscode-languageclient/node") return fakeClient;
  return load.call(this, request, ...rest);
};

const extension = require("../extension.js");

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hps-ext-"));
  const savedPath = process.env.PATH;
  const context = { subscriptions: [] };

  // Missing executable: a warning, no client.
  process.env.PATH = dir;
  settings = {};
  assert.strictEqual(extension.resolveExecutable("hps"), undefined);
  await extension.activate(context);
  assert.strictEqual(started.length, 0, "no client without hps");
  assert.strictEqual(warnings.length, 1, "one warning without hps");
  assert.match(warnings[0], /not found/);

  // On the PATH: `hps lsp` over stdio for hps documents.
  const exe = path.join(dir, process.platform === "win32" ? "hps.cmd" : "hps");
  fs.writeFileSync(exe, "#!/bin/sh\n", { mode: 0o755 });
  assert.strictEqual(extension.resolveExecutable("hps"), exe);
  assert.strictEqual(extension.resolveExecutable(exe), exe, "an absolute hps.path");
  await extension.activate(context);
  assert.strictEqual(started.length, 1, "the client starts");
  const run = started[0].serverOptions.run;
  assert.strictEqual(run.command, exe);
  assert.deepStrictEqual(run.args, ["lsp"]);
  assert.strictEqual(run.transport, fakeClient.TransportKind.stdio);
  assert.ok(started[0].clientOptions.documentSelector.some((s) => s.language === "hps"));
  await extension.deactivate();

  // `hps.path` names another executable.
  settings = { path: path.join(dir, "missing-hps") };
  await extension.activate(context);
  assert.strictEqual(started.length, 1, "no client for a missing hps.path");
  assert.strictEqual(warnings.length, 2);

  // `hps.lsp.enabled = false`: nothing starts, nothing is said.
  settings = { "lsp.enabled": false };
  await extension.activate(context);
  assert.strictEqual(started.length, 1);
  assert.strictEqual(warnings.length, 2);

  process.env.PATH = savedPath;
  fs.rmSync(dir, { recursive: true, force: true });
  console.log("✓ extension.js: finds hps, starts `hps lsp`, warns when hps is missing");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
