import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { ourRuntime } from "./paths.ts";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  os: string;
  go: string;
  node: string;
  date: string;
}

function commandOutput(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", env: { ...process.env, GOTOOLCHAIN: "local" } }).trim();
  } catch {
    return "unknown";
  }
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: commandOutput("uname", ["-sr"]),
    go: commandOutput("go", ["version"]).replace(/^go version /, ""),
    node:
      ourRuntime.node === process.execPath
        ? process.version
        : `${process.version} (the bench); our client and server on ${commandOutput(ourRuntime.node, ["--version"])}`,
    date: new Date().toISOString(),
  };
}
