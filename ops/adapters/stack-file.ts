/**
 * `Pulumi.<stack>.yaml` read and written as YAML documents, so a change keeps every other key,
 * comment and encrypted value byte for byte. Nothing here decrypts: secure values are ciphertext.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { Document, isMap, parseDocument } from "yaml";
import type { ConfigChange, StackConfig } from "../engine";

/** Parses a stack file, refusing text that is not valid YAML. */
function parseStackFile(text: string): Document.Parsed {
  const doc = parseDocument(text);
  const [error] = doc.errors;
  if (error !== undefined) throw new Error(`stack file is not valid YAML: ${error.message}`);
  return doc;
}

/** Where a stack's config lives: `<workDir>/<stackConfigDir>/Pulumi.<stack>.yaml`. */
export function stackFilePath(workDir: string, stack: string, stackConfigDir = ""): string {
  return path.join(workDir, stackConfigDir, `Pulumi.${stack}.yaml`);
}

/** The `config:` block of a stack file's text ({} when absent). */
export function configFromText(text: string): StackConfig {
  const doc = parseStackFile(text);
  const root = doc.toJS() as { config?: Record<string, unknown> } | null;
  return root?.config ?? {};
}

/** The text with each change applied under `config:` (`value: undefined` removes the path). */
export function applyChangesToText(text: string, changes: readonly ConfigChange[]): string {
  const doc = parseStackFile(text);
  for (const change of changes) {
    const at = ["config", change.key, ...change.path];
    if (change.value === undefined) doc.deleteIn(at);
    else doc.setIn(at, doc.createNode(change.value));
  }
  return doc.toString();
}

/**
 * The text with its whole `config:` block replaced; the other top-level keys (secrets provider,
 * encryption salt) stay, so carried-over ciphertext still decrypts.
 */
export function replaceConfigInText(text: string, config: StackConfig): string {
  const doc = parseStackFile(text);
  if (!isMap(doc.contents)) return new Document({ config }).toString();
  doc.set("config", doc.createNode(config));
  return doc.toString();
}

/** The `config:` block of a stack file on disk ({} when the file does not exist). */
export async function readConfigFile(file: string): Promise<StackConfig> {
  return existsSync(file) ? configFromText(await readFile(file, "utf8")) : {};
}

/** Applies changes to a stack file on disk (created when missing), keeping everything else. */
export async function writeConfigChanges(
  file: string,
  changes: readonly ConfigChange[],
): Promise<void> {
  const text = existsSync(file) ? await readFile(file, "utf8") : "";
  await writeFile(file, applyChangesToText(text, changes));
}
