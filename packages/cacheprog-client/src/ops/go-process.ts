import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** Reads a /proc file; injectable so the walk is testable without processes. */
export type ReadProc = (path: string) => string;

/** Wrapper processes passed on the way up (`/usr/bin/time`, `sh -c`, `strace -f`, a script that forks). */
const MAX_HOPS = 4;

let cached: { argv: string[] | undefined } | undefined;

/**
 * The argv of the go command that started this client (Linux; undefined elsewhere or unreadable):
 * the nearest ancestor whose argv[0] is a go binary (`go`, a switched toolchain's `.../bin/go`),
 * within MAX_HOPS, else the direct parent. go spawns GOCACHEPROG's command itself, but people wrap
 * it (GNU time to see its memory, a shell script that does not exec): the direct parent is then
 * the wrapper, whose argv says nothing about the build (the build key would follow time's flags, and
 * a `go build` would keep the source-file lists only vet reads in its manifest).
 */
export function goCommandArgv(): string[] | undefined {
  if (process.platform !== "linux") return undefined;
  cached ??= { argv: findGoCommand(process.ppid, (path) => readFileSync(path, "utf8")) };
  return cached.argv;
}

export function findGoCommand(startPid: number, read: ReadProc): string[] | undefined {
  let direct: string[] | undefined;
  let pid: number | undefined = startPid;
  for (let hop = 0; hop < MAX_HOPS && pid !== undefined && pid > 1; hop++) {
    let argv: string[];
    try {
      argv = read(`/proc/${pid}/cmdline`)
        .split("\0")
        .filter((arg) => arg !== "");
    } catch {
      break;
    }
    direct ??= argv;
    if (argv[0] !== undefined && basename(argv[0]) === "go") return argv;
    pid = parentOf(pid, read);
  }
  return direct;
}

/** The parent pid from /proc/<pid>/stat; the command name in parentheses may itself hold spaces or ")". */
function parentOf(pid: number, read: ReadProc): number | undefined {
  try {
    const stat = read(`/proc/${pid}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}
