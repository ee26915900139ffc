// A relative import stays inside its workspace: `../../packages/x/src/y` or `../../../gateway/src/z`
// reaches a sibling's internals; import the sibling by its package name and exports instead.
// (no-restricted-imports sees only the import's text; this rule resolves where it points.)
import fs from "node:fs";
import path from "node:path";

const roots = new Map();

/** The folder of the package.json nearest above `dir` (a workspace, or the repository root). */
function workspaceOf(dir) {
  const start = dir;
  if (roots.has(start)) return roots.get(start);
  let d = dir;
  while (!fs.existsSync(path.join(d, "package.json")) && path.dirname(d) !== d) d = path.dirname(d);
  roots.set(start, d);
  return d;
}

function packageName(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).name ?? path.basename(dir);
  } catch {
    return path.basename(dir);
  }
}

const noRelativeCrossWorkspace = {
  meta: {
    type: "problem",
    docs: { description: "relative imports may not leave their workspace" },
    messages: {
      crossing:
        "'{{source}}' reaches into {{target}} by a relative path: import it by its package name ({{name}}) and its exports",
    },
    schema: [],
  },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const here = workspaceOf(path.dirname(file));
    const check = (node) => {
      if (!node || node.type !== "Literal" || typeof node.value !== "string" || !node.value.startsWith(".")) return;
      const target = path.resolve(path.dirname(file), node.value);
      const there = workspaceOf(
        fs.existsSync(target) && fs.statSync(target).isDirectory() ? target : path.dirname(target),
      );
      if (there === here) return;
      context.report({
        node,
        messageId: "crossing",
        data: { source: node.value, target: path.relative(process.cwd(), there) || ".", name: packageName(there) },
      });
    };
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
      CallExpression: (n) => {
        if (n.callee.type === "Identifier" && n.callee.name === "require") check(n.arguments[0]);
      },
    };
  },
};

export default { rules: { "no-relative-cross-workspace": noRelativeCrossWorkspace } };
