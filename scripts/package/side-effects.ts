/**
 * package.json says `"sideEffects": false`, which lets bundlers drop any module whose exports go
 * unused. That is only true while no module of ours does anything when it is loaded: this lists
 * every top-level statement of the built core that is not a plain declaration.
 */
import { readFile } from "node:fs/promises";
import ts from "typescript";

/** Calls known to build values without touching anything else. */
const PURE_CALLEES = [
  /^v\.\w+$/, // valibot's schema builders (valibot itself declares "sideEffects": false)
  /^Symbol\.for$/,
];
/** Built-in constructors that only build a value from their arguments. */
const PURE_CONSTRUCTORS = new Set(["RegExp", "Set", "Map", "WeakMap", "WeakSet", "Error"]);

function isPure(node: ts.Expression): boolean {
  if (
    ts.isLiteralExpression(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node) ||
    ts.isIdentifier(node) ||
    node.kind === ts.SyntaxKind.TrueKeyword ||
    node.kind === ts.SyntaxKind.FalseKeyword
  ) {
    return true;
  }
  if (ts.isClassExpression(node)) {
    // Static blocks and static initialisers run at load time.
    return node.members.every(
      (member) =>
        !ts.isClassStaticBlockDeclaration(member) &&
        !(
          ts.isPropertyDeclaration(member) &&
          member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) &&
          member.initializer &&
          !isPure(member.initializer)
        ),
    );
  }
  if (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node)
  )
    return isPure(node.expression);
  if (ts.isPrefixUnaryExpression(node)) return isPure(node.operand);
  if (ts.isBinaryExpression(node)) return isPure(node.left) && isPure(node.right);
  if (ts.isRegularExpressionLiteral(node)) return true;
  if (ts.isTemplateExpression(node))
    return node.templateSpans.every((span) => isPure(span.expression));
  if (ts.isArrayLiteralExpression(node))
    return node.elements.every((element) => isPure(element as ts.Expression));
  if (ts.isObjectLiteralExpression(node)) {
    return node.properties.every(
      (property) =>
        ts.isMethodDeclaration(property) ||
        ts.isShorthandPropertyAssignment(property) ||
        // Spreading one of our own plain top-level values (a preset's table over rfc8628's).
        (ts.isSpreadAssignment(property) && ts.isIdentifier(property.expression)) ||
        (ts.isPropertyAssignment(property) &&
          !ts.isComputedPropertyName(property.name) &&
          isPure(property.initializer)),
    );
  }
  // Reading a property of one of our own top-level values (e.g. a RegExp's `source`).
  if (ts.isPropertyAccessExpression(node))
    return ts.isIdentifier(node.expression) && node.expression.text !== "globalThis";
  if (ts.isNewExpression(node)) {
    return (
      ts.isIdentifier(node.expression) &&
      PURE_CONSTRUCTORS.has(node.expression.text) &&
      (node.arguments ?? []).every((argument) => isPure(argument))
    );
  }
  if (ts.isCallExpression(node)) {
    const callee = node.expression.getText();
    return (
      PURE_CALLEES.some((pattern) => pattern.test(callee)) &&
      node.arguments.every((argument) => isPure(argument))
    );
  }
  return false;
}

/** Top-level statements of `file` that may do something when it loads, as short excerpts. */
export async function topLevelEffects(file: string): Promise<string[]> {
  const source = ts.createSourceFile(
    file,
    await readFile(file, "utf8"),
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.JS,
  );
  const effects: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      // A bare `import "./x.js"` only loads x, which is checked on its own.
      continue;
    }
    if (
      ts.isExportDeclaration(statement) ||
      ts.isFunctionDeclaration(statement) ||
      ts.isEmptyStatement(statement)
    )
      continue;
    if (
      ts.isClassDeclaration(statement) &&
      isPure(
        ts.factory.createClassExpression(undefined, undefined, [], undefined, statement.members),
      )
    )
      continue;
    if (ts.isVariableStatement(statement)) {
      const impure = statement.declarationList.declarations.filter(
        (d) => d.initializer && !isPure(d.initializer),
      );
      if (impure.length === 0) continue;
    }
    effects.push(statement.getText().replace(/\s+/g, " ").slice(0, 100));
  }
  return effects;
}
