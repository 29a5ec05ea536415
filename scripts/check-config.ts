/**
 * `npm run check-config -- --stack NAME [--dir DIR]`: validates `Pulumi.NAME.yaml` the way
 * `pulumi preview` will, without the Pulumi CLI or the stack's backend. Exit 0 when the config is
 * valid, 1 with every problem listed when it is not, 2 on a bad command line.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../stacks/config/errors";
import { checkStackFileOnDisk, describeConfig } from "../stacks/config/stack-file";

const USAGE = "usage: npm run check-config -- --stack NAME [--dir DIR]";

export function runCheckConfig(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  let stack: string | undefined;
  let dir: string | undefined;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { stack: { type: "string", short: "s" }, dir: { type: "string" } },
      strict: true,
    });
    stack = values.stack;
    dir = values.dir;
  } catch (error) {
    err(`check-config: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (stack === undefined || stack === "") {
    err(`check-config: --stack is required\n${USAGE}`);
    return 2;
  }
  const root = path.resolve(dir ?? path.join(__dirname, ".."));
  try {
    const config = checkStackFileOnDisk(root, stack, env);
    out(`Pulumi.${stack}.yaml is valid: ${describeConfig(config)}`);
    return 0;
  } catch (error) {
    err(
      error instanceof ConfigError
        ? `Pulumi.${stack}.yaml: ${error.message}`
        : `error: ${(error as Error).message}`,
    );
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runCheckConfig(
    process.argv.slice(2),
    (l) => process.stdout.write(`${l}\n`),
    (l) => process.stderr.write(`${l}\n`),
  );
}
