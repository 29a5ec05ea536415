/**
 * Every ops command, in the order `--help` lists them. The command line, the help text and the
 * CLI's dispatch are generated from this list: adding a command is its file in this folder (a
 * {@link defineCommand} entry) and one line here.
 */
import type { OpsCommand } from "../command-line/command";
import { certsCommand } from "./certs";
import { checkCommand } from "./check";
import { dbCommand } from "./db";
import { deployCommand } from "./deploy";
import { doctorCommand } from "./doctor";
import { historyCommand } from "./history";
import { keysCommand } from "./keys";
import { logsCommand } from "./logs";
import { offboardCommand } from "./offboard";
import { promoteCommand } from "./promote";
import { rollbackCommand } from "./rollback";
import { statusCommand } from "./status";
import { usageCommand } from "./usage";

export const COMMANDS: readonly OpsCommand[] = [
  deployCommand,
  statusCommand,
  historyCommand,
  rollbackCommand,
  promoteCommand,
  logsCommand,
  doctorCommand,
  checkCommand,
  certsCommand,
  dbCommand,
  keysCommand,
  usageCommand,
  offboardCommand,
];
