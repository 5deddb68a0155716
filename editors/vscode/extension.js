// The hps extension: highlighting comes from the TextMate grammar alone (package.json); this file
// starts the language server, `hps lsp` over stdio, when the `hps` executable can be found. Without
// it the extension says so once and highlighting keeps working.
"use strict";

const fs = require("fs");
const path = require("path");
const vscode = require("vscode");

/** @type {import("vscode-languageclient/node").LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

/** The executable named by `hps.path`: an absolute path, or a name searched on the PATH. */
function resolveExecutable(configured) {
  const name = configured && configured.trim() !== "" ? configured.trim() : "hps";
  const isFile = (p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  const expanded = name.startsWith("~") ? path.join(require("os").homedir(), name.slice(1)) : name;
  if (path.isAbsolute(expanded) || expanded.includes("/") || expanded.includes("\\")) {
    const full = path.resolve(
      (vscode.workspace.workspaceFolders || [])[0]?.uri.fsPath || process.cwd(),
      expanded,
    );
    return isFile(full) ? full : undefined;
  }
  const extensions =
    process.platform === "win32"
      ? ["", ...(process.env.PATHEXT || ".EXE;.CMD;.BAT").split(";").filter(Boolean)]
      : [""];
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    if (dir === "") continue;
    for (const ext of extensions) {
      const candidate = path.join(dir, expanded + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

async function startClient(context) {
  const config = vscode.workspace.getConfiguration("hps");
  if (!config.get("lsp.enabled", true)) return;

  const configured = config.get("path", "hps");
  const command = resolveExecutable(configured);
  if (command === undefined) {
    const choice = await vscode.window.showWarningMessage(
      `hps: \`${configured}\` was not found, so there are no diagnostics, hover or completion ` +
        "(highlighting still works). Install hps (`cargo install --path .` in the hps repository) " +
        "or set `hps.path`.",
      "Open Settings",
    );
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "hps.path");
    }
    return;
  }

  let lsp;
  try {
    lsp = require("vscode-languageclient/node");
  } catch {
    vscode.window.showWarningMessage(
      "hps: the extension was loaded without its dependencies (run `npm install` in " +
        "editors/vscode); highlighting works, the language server does not.",
    );
    return;
  }

  output = output || vscode.window.createOutputChannel("hps");
  const executable = { command, args: ["lsp"], transport: lsp.TransportKind.stdio };
  client = new lsp.LanguageClient(
    "hps",
    "hps language server",
    { run: executable, debug: executable },
    {
      documentSelector: [
        { scheme: "file", language: "hps" },
        { scheme: "untitled", language: "hps" },
      ],
      outputChannel: output,
    },
  );
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    vscode.window.showWarningMessage(
      `hps: \`${command} lsp\` did not start (${error && error.message ? error.message : error}); ` +
        "highlighting still works. Is this hps recent enough to have `hps lsp`?",
    );
  }
}

async function stopClient() {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch {
      // The server may already have exited; nothing is left to stop.
    }
  }
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("hps.restartServer", async () => {
      await stopClient();
      await startClient(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("hps.path") || event.affectsConfiguration("hps.lsp")) {
        await stopClient();
        await startClient(context);
      }
    }),
  );
  await startClient(context);
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate, resolveExecutable };
